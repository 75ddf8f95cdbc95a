"""ADR 0007 on Kubernetes: the services a declaration says it `calls` get, from exactly what
their pods are given, a service secret, identity's cluster-internal token URL and the callee's
URL; identity's API gets every caller's digest as IDENTITY_SERVICE_CLIENTS; the NetworkPolicies
admit those callers to identity's and the callee's API, and no service that neither calls nor
points its settings at them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

from deployfiles import bundle, container_command, iter_pods, kubernetes_env, load_settings, service_process, settings_class
from ms_deploy import declaration
from ms_deploy.declaration import DeclarationError
from ms_platform.settings import ServiceSettings

PLATFORM = declaration.load()
CALLERS = [s for s in PLATFORM.services if s.calls]
PAIRS = [(s.name, callee) for s in CALLERS for callee in s.calls]
CALLING_KINDS = ("api", "worker", "dispatcher")


def _pods(service: str, kind: str) -> list[tuple[Path, dict]]:
    return [(root, container) for root, _, container in iter_pods()
            if service_process(container_command(container)) == (service, kind)]


def test_contracts_and_claims_declare_the_calls_they_make():
    assert ("contracts", "claims") in PAIRS and ("claims", "contracts") in PAIRS


@pytest.mark.parametrize(("caller", "callee"), PAIRS)
def test_each_calling_pod_loads_in_production_with_its_secret_the_token_url_and_the_callee_url(
        caller, callee, monkeypatch):
    svc = PLATFORM.service(caller)
    kinds = [k for k in svc.processes if k in CALLING_KINDS]
    checked = 0
    for kind in kinds:
        for root, container in _pods(caller, kind):
            env = kubernetes_env(bundle(root), container)
            assert env.sources.get(f"{svc.prefix}_SERVICE_SECRET") == "secret", f"{root}: {caller}-{kind}"
            settings = load_settings(settings_class(caller), env.values, monkeypatch)  # refuses insecure
            assert not settings.is_development
            assert settings.service_client_secret().get_secret_value() == env.values[f"{svc.prefix}_SERVICE_SECRET"]
            url = urlsplit(settings.service_tokens_url)
            assert url.hostname == f"identity-api.{PLATFORM.namespace}.svc.cluster.local"
            assert url.port == PLATFORM.service("identity").port and url.path == "/internal/v1/service-tokens"
            callee_url = getattr(settings, f"{callee}_url")
            assert urlsplit(callee_url).hostname == f"{callee}-api"
            assert urlsplit(callee_url).port == PLATFORM.service(callee).port
            checked += 1
    assert checked, f"no pod of {caller} checked"


def test_a_relay_gets_no_service_secret():
    for svc in CALLERS:
        for root, container in _pods(svc.name, "relay"):
            assert f"{svc.prefix}_SERVICE_SECRET" not in kubernetes_env(bundle(root), container).values


def test_identity_api_knows_exactly_the_declared_callers(monkeypatch):
    pods = _pods("identity", "api")
    assert pods
    for root, container in pods:
        env = kubernetes_env(bundle(root), container)
        settings = load_settings(settings_class("identity"), env.values, monkeypatch)
        assert set(settings.service_clients) == {s.name for s in CALLERS}
        for svc in CALLERS:  # each digest from the caller's Secret, no value in the repository
            ref = next(v for v in container["env"] if v["name"] == f"SERVICE_CLIENT_SHA256_{svc.prefix}")
            assert ref["valueFrom"]["secretKeyRef"] == {"name": f"{svc.name}-service-token", "key": "sha256"}
            assert settings.service_clients[svc.name] == env.values[f"SERVICE_CLIENT_SHA256_{svc.prefix}"]


def _admitted(service: str) -> set[str]:
    """The services whose pods the API NetworkPolicy of ``service`` admits (gateway aside)."""
    for root, _, _ in iter_pods():
        for doc in bundle(root):
            if doc.kind == "NetworkPolicy" and doc.name == f"{service}-api":
                peers = [p for rule in doc.body["spec"]["ingress"] for p in rule["from"]]
                return {p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in peers
                        if "podSelector" in p} - {"gateway"}
    raise AssertionError(f"no NetworkPolicy {service}-api")


def _expected_callers(service: str) -> set[str]:
    found = set()
    for other in PLATFORM.services:
        if other.name == service:
            continue
        values = " ".join(other.env_for("kubernetes").values())
        points = f"{{api:{service}}}" in values or (
            "{personal_data_urls}" in values and PLATFORM.service(service).exports_personal_data)
        if points or service in other.calls or (service == "identity" and other.calls):
            found.add(other.name)
    return found


@pytest.mark.parametrize("service", [s.name for s in PLATFORM.services])
def test_each_api_network_policy_admits_exactly_its_callers(service):
    admitted = _admitted(service)
    assert admitted == _expected_callers(service)
    for caller, callee in PAIRS:
        if callee == service:
            assert caller in admitted
    if service == "identity":
        assert {s.name for s in CALLERS} <= admitted


@pytest.mark.parametrize(("url", "safe"), [
    ("https://identity.example.fr/internal/v1/service-tokens", True),
    ("http://identity-api.memberspace.svc.cluster.local:8001/internal/v1/service-tokens", True),
    ("http://identity-api:8001/internal/v1/service-tokens", False),
    ("http://identity.example.fr/internal/v1/service-tokens", False),
    ("http://svc.cluster.local.example.fr/x", False),
])
def test_production_settings_accept_only_https_or_a_cluster_internal_token_url(url, safe):
    settings = ServiceSettings.model_construct(service_secret=SecretStr("s" * 64), service_tokens_url=url)
    reasons = settings._service_secret_reasons()
    assert (not any("service_tokens_url" in r for r in reasons)) is safe


def test_the_declaration_check_refuses_a_call_to_no_service_or_without_a_url(tmp_path):
    contracts = PLATFORM.service("contracts")
    with pytest.raises(DeclarationError, match="not another service"):
        declaration._check_calls(_with(contracts, calls=("nowhere",)))
    with pytest.raises(DeclarationError, match="no setting points"):
        declaration._check_calls(_with(contracts, calls=("notify",)))


def _with(svc, **changes):
    from dataclasses import replace

    return replace(PLATFORM, services=tuple(replace(s, **changes) if s is svc else s for s in PLATFORM.services))
