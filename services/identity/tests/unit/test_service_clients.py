"""Service tokens on identity's side: who may ask, and what the token says."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from identity.adapters.service_clients import ServiceClients, secret_digest
from identity.adapters.tokens import KeyRing, LocalServiceTokens, SigningKey, TokenIssuer
from ms_platform.auth import TokenVerifier
from ms_platform.settings import development_service_secret


def _issuer() -> tuple[TokenIssuer, KeyRing]:
    ring = KeyRing([SigningKey("k", ec.generate_private_key(ec.SECP256R1()))])
    return TokenIssuer(ring, "memberspace-identity", ("identity", "contracts"), 900), ring


def test_a_service_is_recognised_by_its_secret_and_nothing_else():
    clients = ServiceClients({"notify": secret_digest("s" * 64)})
    assert clients.authenticate("notify", "s" * 64)
    assert not clients.authenticate("notify", "t" * 64)
    assert not clients.authenticate("contracts", "s" * 64)


def test_development_clients_accept_each_service_s_documented_secret_only():
    clients = ServiceClients.development(("contracts", "notify"))
    assert clients.authenticate("notify", development_service_secret("notify"))
    assert not clients.authenticate("notify", development_service_secret("contracts"))


async def test_a_service_token_names_its_caller_and_verifies_for_its_audience_only():
    issuer, ring = _issuer()
    token = issuer.service_token("contracts", caller="notify")
    principal = await TokenVerifier("http://127.0.0.1:9/jwks", "contracts", "memberspace-identity",
                                    keys=ring.public_keys()).verify(token)
    assert principal.calling_service == "notify" and principal.roles == {"service"}
    assert "sid" not in principal.claims


async def test_identity_s_own_calls_reuse_one_token_per_audience():
    issuer, _ = _issuer()
    tokens = LocalServiceTokens(issuer)
    assert await tokens.token("contracts") == await tokens.token("contracts")
    assert await tokens.token("contracts") != await tokens.token("notify")


def test_a_development_secret_in_service_clients_is_refused_outside_local_and_test(monkeypatch):
    from identity.settings import IdentitySettings

    monkeypatch.setenv("MS_ENVIRONMENT", "local")
    s = IdentitySettings(database_url="postgresql://id:pw@127.0.0.1/id",
                         service_clients={"notify": secret_digest(development_service_secret("notify")),
                                          "contracts": secret_digest("c" * 64)})
    reasons = [r for r in s.insecure_reasons() if "service_clients" in r]
    assert reasons == ["service_clients: notify has the development secret"]
