import base64
import os

import pytest
from cryptography.exceptions import InvalidTag

from identity.adapters.secret_box import SecretBox


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_a_sealed_secret_opens_back_and_does_not_contain_the_plaintext():
    box = SecretBox.from_setting(f"k1:{_key()}")
    sealed = box.seal("JBSWY3DPEHPK3PXP")
    assert sealed.startswith("v1:k1:") and "JBSWY3DPEHPK3PXP" not in sealed
    assert box.open(sealed) == "JBSWY3DPEHPK3PXP"
    assert box.seal("JBSWY3DPEHPK3PXP") != sealed  # a fresh nonce each time


def test_after_rotation_the_new_key_seals_and_the_old_one_still_opens():
    old, new = _key(), _key()
    sealed_before = SecretBox.from_setting(f"k1:{old}").seal("secret")
    rotated = SecretBox.from_setting(f"k2:{new},k1:{old}")
    assert rotated.open(sealed_before) == "secret"
    assert rotated.seal("secret").startswith("v1:k2:")


def test_a_tampered_value_or_an_unknown_key_is_refused():
    box = SecretBox.from_setting(f"k1:{_key()}")
    sealed = box.seal("secret")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises((InvalidTag, ValueError)):
        box.open(tampered)
    with pytest.raises(ValueError):
        SecretBox.from_setting(f"k9:{_key()}").open(sealed)


def test_keys_must_be_32_bytes():
    with pytest.raises(ValueError):
        SecretBox({"k1": b"short"})
