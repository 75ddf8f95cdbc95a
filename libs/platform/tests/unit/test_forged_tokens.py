"""Every token the verifier cannot use is refused as unauthenticated, whatever the JWT library raises.

The real key is EC P-256 (ES256) with kid "real"; each forgery keeps that kid unless it tests
the kid itself, so the verifier reaches the signature check with the real key.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ms_platform.auth import TokenVerifier, key_algorithm
from ms_platform.problems import Unauthorized

AUDIENCE, ISSUER = "contracts", "memberspace-identity"
REAL = ec.generate_private_key(ec.SECP256R1())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "roles": ["member"], "jti": uuid.uuid4().hex, "aud": AUDIENCE,
              "iss": ISSUER, "iat": now, "exp": now + 600}
    return {**claims, **overrides}


def _raw(header: dict, claims: dict, signature: bytes = b"\x00" * 64) -> str:
    return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature)])


def _verifier() -> TokenVerifier:
    return TokenVerifier("http://127.0.0.1:9/jwks", AUDIENCE, ISSUER, keys={"real": REAL.public_key()},
                         revocations_url=None)


def _forgeries() -> dict[str, str]:
    valid = jwt.encode(_claims(), REAL, algorithm="ES256", headers={"kid": "real"})
    head, body, sig = valid.split(".")
    tampered = _b64(json.dumps(_claims(roles=["staff"])).encode())
    other_ec = ec.generate_private_key(ec.SECP256R1())
    return {
        "rs256 header with the real kid": _raw({"alg": "RS256", "kid": "real", "typ": "JWT"}, _claims(), b"\x01" * 256),
        "rs256 signed by another rsa key": jwt.encode(
            _claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256",
            headers={"kid": "real"}),
        "eddsa signed by another key": jwt.encode(_claims(), ed25519.Ed25519PrivateKey.generate(), algorithm="EdDSA",
                                                  headers={"kid": "real"}),
        "hs256 with the public key as secret": _raw({"alg": "HS256", "kid": "real"}, _claims(), b"\x02" * 32),
        "alg none": _raw({"alg": "none", "kid": "real"}, _claims(), b""),
        "es384 header": _raw({"alg": "ES384", "kid": "real"}, _claims(), b"\x03" * 96),
        "unknown kid": jwt.encode(_claims(), REAL, algorithm="ES256", headers={"kid": "nobody"}),
        "kid that is not a string": _raw({"alg": "ES256", "kid": ["real"]}, _claims()),
        "embedded jwk of the forger": jwt.encode(
            _claims(), other_ec, algorithm="ES256",
            headers={"kid": "real", "jwk": jwt.algorithms.ECAlgorithm.to_jwk(other_ec.public_key(), as_dict=True)}),
        "jku of the forger": jwt.encode(_claims(), other_ec, algorithm="ES256",
                                        headers={"kid": "real", "jku": "https://evil.example/jwks.json"}),
        "tampered payload": ".".join([head, tampered, sig]),
        "signature of the wrong length": ".".join([head, body, _b64(b"\x04" * 10)]),
        "expired": jwt.encode(_claims(exp=int(time.time()) - 5), REAL, algorithm="ES256", headers={"kid": "real"}),
        "another audience": jwt.encode(_claims(aud="notify"), REAL, algorithm="ES256", headers={"kid": "real"}),
        "roles not a list": jwt.encode(_claims(roles="staff"), REAL, algorithm="ES256", headers={"kid": "real"}),
        "header that is not json": _b64(b"{not json") + "." + body + "." + sig,
        "two parts": f"{head}.{body}",
        "empty": "",
    }


FORGERIES = _forgeries()


@pytest.mark.parametrize("name", sorted(FORGERIES))
async def test_a_forged_or_unusable_token_is_refused_as_unauthenticated(name):
    with pytest.raises(Unauthorized):
        await _verifier().verify(FORGERIES[name])


async def test_the_genuine_token_is_accepted_so_the_refusals_above_are_about_the_forgery():
    token = jwt.encode(_claims(), REAL, algorithm="ES256", headers={"kid": "real"})
    assert (await _verifier().verify(token)).roles == {"member"}


def test_the_algorithm_is_decided_by_the_key_not_by_the_token():
    assert key_algorithm(REAL.public_key()) == "ES256"
    assert key_algorithm(ed25519.Ed25519PrivateKey.generate().public_key()) == "EdDSA"
    with pytest.raises(ValueError):
        key_algorithm(ec.generate_private_key(ec.SECP384R1()).public_key())
