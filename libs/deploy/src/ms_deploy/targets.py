"""What a service's settings are on each target: local stack, compose, Kubernetes.

A declaration writes ``{public_url}``, ``{api:<service>}`` and ``{personal_data_urls}``; this
module fills them in per target, next to the settings every service gets (host, port, JWKS).
"""

from __future__ import annotations

import json
import re

from ms_deploy.declaration import DeclarationError, Platform, Service

TARGETS = ("local", "compose", "kubernetes")
PROBE_PORT = 9464
PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([a-z0-9]+))?\}")


def api_url(platform: Platform, name: str, target: str) -> str:
    svc = platform.service(name)
    host = "127.0.0.1" if target == "local" else f"{name}-api"
    return f"http://{host}:{svc.port}"


def personal_data_urls(platform: Platform, target: str) -> str:
    """ID-11: every context that answers GET /internal/v1/personal-data, as a JSON object."""
    urls = {s.name: api_url(platform, s.name, target) for s in platform.services if s.exports_personal_data}
    return json.dumps(urls, separators=(",", ":"))


def resolve(platform: Platform, value: str, target: str) -> str:
    def fill(match: re.Match) -> str:
        what, arg = match.group(1), match.group(2)
        if what == "api" and arg:
            return api_url(platform, arg, target)
        if what == "personal_data_urls":
            return personal_data_urls(platform, target)
        if what == "service_names":
            return json.dumps([s.name for s in platform.services], separators=(",", ":"))
        if what in platform.targets[target]:
            return str(platform.targets[target][what])
        raise DeclarationError(f"unknown placeholder {match.group(0)} in {value!r}")

    return PLACEHOLDER.sub(fill, value)


def service_env(platform: Platform, svc: Service, target: str) -> dict[str, str]:
    """The non-secret settings of every process of ``svc`` on ``target`` (mounts excluded)."""
    p = svc.prefix
    env = {
        f"{p}_API_HOST": "127.0.0.1" if target == "local" else "0.0.0.0",
        f"{p}_API_PORT": str(svc.port),
        f"{p}_JWKS_URL": platform.targets[target]["jwks_url"],
    }
    if target != "local":
        # Relays and workers answer /health/live there (each container has its own address).
        env[f"{p}_PROBE_PORT"] = str(PROBE_PORT)
    for key, value in svc.env_for(target).items():
        env[key] = resolve(platform, str(value), target)
    return env


def platform_env(platform: Platform, target: str) -> dict[str, str]:
    """Settings without a service prefix, read by every process."""
    env = {"FORWARDED_ALLOW_IPS": platform.targets[target]["forwarded_allow_ips"]}
    if target == "compose" and any(s.name == "identity" for s in platform.services):
        # ADR 0007: where a caller asks identity for service tokens. Local: the settings'
        # default (127.0.0.1:8001), right there; in a container 127.0.0.1 is the caller itself.
        # Kubernetes sets none: staging and production accept only an https URL, and only
        # with a <SERVICE>_SERVICE_SECRET, which no service declares yet.
        env["SERVICE_TOKENS_URL"] = f"{api_url(platform, 'identity', target)}/internal/v1/service-tokens"
    return env
