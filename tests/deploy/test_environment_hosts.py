"""Each Kubernetes environment (deploy/k8s/overlays/<env>, from [environments.<env>] of
deploy/platform.toml) talks about its own hosts only: a staging pod must never put a
production link in an email nor fetch production's signing keys, and the reverse.

An environment's hosts are those its table declares: every ``*_host`` value and the host of
every URL (public_url, jwks_url...). The platform's domain is what all of them share
(memberspace.example); every URL under it that a pod of the overlay is given must be a host
of that overlay's environment. In-cluster addresses (identity-api:8001) and third parties
(sms-provider.example) are not the environments' and are left alone.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deployfiles import K8S, bundle, container_command, iter_pods, kubernetes_env, rel, roots, service_process
from ms_deploy import declaration
from ms_deploy.targets import environment_values

PLATFORM = declaration.load()
OVERLAYS = K8S / "overlays"
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"',}\]]+")


def _declared_hosts(spec: dict) -> set[str]:
    hosts = set()
    for key, value in spec.items():
        if not isinstance(value, str):
            continue
        if "://" in value:
            hosts.add(urlsplit(value).hostname)
        elif key.endswith("_host"):
            hosts.add(value)
    return hosts


def environment_hosts(env: str) -> set[str]:
    """The hosts [environments.<env>] declares, with the JWKS host each service derives from them."""
    return _declared_hosts(PLATFORM.environments[env]) | _declared_hosts(environment_values(PLATFORM, env))


def platform_domain() -> str:
    """The longest dot-suffix every environment's hosts share (memberspace.example)."""
    labels = [list(reversed(h.split("."))) for env in PLATFORM.environments for h in environment_hosts(env)]
    common = []
    for parts in zip(*labels):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    assert len(common) >= 2, f"the environments share no domain: {labels}"
    return ".".join(reversed(common))


def _overlays() -> list[Path]:
    return [r for r in roots() if r.parent == OVERLAYS.resolve()]


@functools.lru_cache
def _bundle(root: Path):
    return bundle(root)


def _pods():
    found = []
    for root, doc, container in iter_pods():
        if root.parent == OVERLAYS.resolve() and service_process(container_command(container)):
            found.append(pytest.param(root, doc, container, id=f"{root.name}:{doc.kind}/{doc.name}/{container['name']}"))
    return found


def test_there_is_one_overlay_per_declared_environment_and_more_than_one_environment():
    assert sorted(r.name for r in _overlays()) == sorted(PLATFORM.environments)
    assert len(PLATFORM.environments) >= 2


def test_no_two_environments_declare_the_same_host():
    for env in PLATFORM.environments:
        for other in PLATFORM.environments:
            if other != env:
                shared = environment_hosts(env) & environment_hosts(other)
                assert not shared, f"{env} and {other} both declare {sorted(shared)}"


@pytest.mark.parametrize(("root", "doc", "container"), _pods())
def test_every_url_setting_a_pod_gets_points_at_its_own_environments_hosts_never_another_environments(
        root, doc, container):
    env = root.name
    own, domain = environment_hosts(env), platform_domain()
    others = {h: o for o in PLATFORM.environments if o != env for h in environment_hosts(o)}
    variables = kubernetes_env(_bundle(root), container)
    wrong = []
    for name, value in sorted(variables.values.items()):
        if variables.sources.get(name, "").endswith("secret"):
            continue  # dummy values of Secrets: not the overlay's
        for url in URL.findall(value):
            host = urlsplit(url).hostname or ""
            if host in others:
                wrong.append(f"{name}={value}: {host} is {others[host]}'s")
            elif (host == domain or host.endswith("." + domain)) and host not in own:
                wrong.append(f"{name}={value}: {host} is not a host of {env} ({sorted(own)})")
    assert not wrong, f"{doc.label} in {rel(root)}:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("root", _overlays(), ids=lambda r: r.name)
def test_each_overlay_gives_every_public_url_and_jwks_url_setting_its_own_environments_value(root):
    """The settings that must name the environment's public hosts are all there, and right."""
    spec = PLATFORM.environments[root.name]
    assert "public_url" in spec and "api_host" in spec, f"[environments.{root.name}] declares no public_url/api_host"
    api_host = spec["api_host"]
    jwks = spec.get("jwks_url", f"https://{api_host}/.well-known/jwks.json")
    checked = 0
    for _, doc, container in (p.values for p in _pods() if p.values[0] == root):
        values = kubernetes_env(_bundle(root), container).values
        for name, value in values.items():
            if name.endswith("_PUBLIC_URL"):
                assert value == spec["public_url"], f"{doc.label}: {name}={value}"
                checked += 1
            elif name.endswith("_JWKS_URL"):
                assert value == jwks, f"{doc.label}: {name}={value}"
                checked += 1
    assert checked, f"no pod of {rel(root)} has a public or JWKS URL setting"


@pytest.mark.parametrize("root", _overlays(), ids=lambda r: r.name)
def test_each_overlays_ingress_serves_its_own_environments_api_host_only(root):
    api_host = PLATFORM.environments[root.name]["api_host"]
    ingresses = [d for d in _bundle(root) if d.kind == "Ingress"]
    assert ingresses, f"{rel(root)} has no Ingress"
    for doc in ingresses:
        spec = doc.body["spec"]
        hosts = {r.get("host") for r in spec.get("rules") or []}
        tls = {h for t in spec.get("tls") or [] for h in t.get("hosts") or []}
        assert hosts == {api_host} and tls == {api_host}, f"{doc.label}: rules {hosts}, TLS {tls}"
