import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from identity.adapters.tokens import KeyRing, SigningKey, TokenIssuer
from ms_platform.auth import TokenVerifier
from ms_platform.problems import Unauthorized


def _ring(*kids: str) -> KeyRing:
    return KeyRing([SigningKey(kid, ec.generate_private_key(ec.SECP256R1())) for kid in kids])


def _issuer(ring: KeyRing, ttl: int = 900) -> TokenIssuer:
    return TokenIssuer(ring, "memberspace-identity", ("identity", "contracts"), ttl)


def _verifier(ring: KeyRing, audience: str = "contracts") -> TokenVerifier:
    return TokenVerifier("http://127.0.0.1:9/jwks", audience, "memberspace-identity", keys=ring.public_keys())


async def test_a_token_signed_by_the_newest_key_verifies_with_the_published_keys():
    ring = _ring("k-2026-01", "k-2026-02")
    token = _issuer(ring).access_token("acc-1", ["member"], "sid-1", person_id="p-1")
    assert jwt.get_unverified_header(token)["kid"] == "k-2026-02"
    principal = await _verifier(ring).verify(token)
    assert principal.subject == "acc-1" and principal.roles == {"member"}
    assert principal.claims["person_id"] == "p-1"


async def test_the_jwks_publishes_every_key_with_its_kid_and_no_private_part():
    jwks = _ring("a", "b").jwks()
    assert [k["kid"] for k in jwks["keys"]] == ["a", "b"]
    assert all("d" not in k and k["alg"] == "ES256" for k in jwks["keys"])


async def test_a_token_for_another_audience_is_refused():
    ring = _ring("a")
    token = _issuer(ring).service_token("notify")
    with pytest.raises(Unauthorized):
        await _verifier(ring, "contracts").verify(token)


async def test_an_expired_token_is_refused():
    ring = _ring("a")
    token = _issuer(ring, ttl=-10).access_token("acc", ["member"], "sid")
    with pytest.raises(Unauthorized) as refused:
        await _verifier(ring).verify(token)
    assert "expiré" in refused.value.detail


async def test_an_unsigned_token_is_refused():
    token = jwt.encode({"sub": "x", "aud": "contracts", "exp": int(time.time()) + 60}, None, algorithm="none")
    with pytest.raises(Unauthorized):
        await _verifier(_ring("a")).verify(token)


async def test_password_hashing_threads_run_at_a_lower_priority_than_the_event_loop():
    import os
    import threading

    from identity.adapters.hashing import PasswordHashing

    hashing = PasswordHashing(time_cost=1, memory_kib=1024, parallelism=1, threads=1, niceness=7)
    try:
        loop_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        worker_nice = hashing._pool.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
        assert worker_nice == max(7, loop_nice)  # a process already nicer than 7 stays as it is
        assert await hashing.verify(await hashing.hash("Violette-Ecluse#2031"), "Violette-Ecluse#2031")
    finally:
        hashing.close()
