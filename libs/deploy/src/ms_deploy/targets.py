"""What a service's settings are on each target: local stack, compose, Kubernetes.

A declaration writes ``{public_url}``, ``{api:<service>}`` and ``{personal_data_urls}``; this
module fills them in per target, next to the settings every service gets (host, port, JWKS).

On Kubernetes the hosts are an environment's ([environments.<env>] of deploy/platform.toml):
``service_env(..., "kubernetes")`` is the base, without any setting that names a host of an
environment; ``service_env(..., "kubernetes", environment)`` is what a pod of that
environment's overlay gets.
"""

from __future__ import annotations

import json
import re

from ms_deploy.declaration import DeclarationError, Platform, Service

TARGETS = ("local", "compose", "kubernetes")
PROBE_PORT = 9464
PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([a-z0-9]+))?\}")
# What each Kubernetes environment declares for itself, never the base (targets.kubernetes).
ENVIRONMENT_SETTINGS = ("public_url", "api_host", "jwks_url")


class PerEnvironment(DeclarationError):
    """A setting names an environment's host, and no environment was given (the base)."""


def environment_values(platform: Platform, environment: str) -> dict[str, str]:
    """The hosts of one Kubernetes environment: its public_url and api_host, and the JWKS URL
    (identity's signing keys, fetched through the environment's own API host unless declared)."""
    spec = platform.environments[environment]
    host = spec["api_host"]
    return {"public_url": spec["public_url"], "api_host": host,
            "jwks_url": spec.get("jwks_url", f"https://{host}/.well-known/jwks.json")}


def target_values(platform: Platform, target: str, environment: str | None = None) -> dict[str, str]:
    values = dict(platform.targets[target])
    if environment is not None:
        if target != "kubernetes":
            raise DeclarationError(f"environments are Kubernetes overlays, not {target}")
        values.update(environment_values(platform, environment))
    return values


def api_url(platform: Platform, name: str, target: str) -> str:
    svc = platform.service(name)
    host = "127.0.0.1" if target == "local" else f"{name}-api"
    return f"http://{host}:{svc.port}"


def token_callers(platform: Platform) -> list[Service]:
    """The services that ask identity for service tokens (ADR 0007): those declaring calls."""
    return [s for s in platform.services if s.calls]


def cluster_tokens_url(platform: Platform) -> str:
    """Identity's token endpoint inside the cluster (ADR 0007, amended): the Service's
    cluster-internal name, in the namespace whose NetworkPolicies admit only the callers."""
    port = platform.service("identity").port
    return f"http://identity-api.{platform.namespace}.svc.cluster.local:{port}/internal/v1/service-tokens"


def personal_data_urls(platform: Platform, target: str) -> str:
    """ID-11: every context that answers GET /internal/v1/personal-data, as a JSON object."""
    urls = {s.name: api_url(platform, s.name, target) for s in platform.services if s.exports_personal_data}
    return json.dumps(urls, separators=(",", ":"))


def resolve(platform: Platform, value: str, target: str, environment: str | None = None) -> str:
    values = target_values(platform, target, environment)

    def fill(match: re.Match) -> str:
        what, arg = match.group(1), match.group(2)
        if what == "api" and arg:
            return api_url(platform, arg, target)
        if what == "personal_data_urls":
            return personal_data_urls(platform, target)
        if what == "service_names":
            return json.dumps([s.name for s in platform.services], separators=(",", ":"))
        if what in values:
            return str(values[what])
        if what in ENVIRONMENT_SETTINGS and target == "kubernetes" and environment is None:
            raise PerEnvironment(f"{match.group(0)} in {value!r} is an environment's")
        raise DeclarationError(f"unknown placeholder {match.group(0)} in {value!r}")

    return PLACEHOLDER.sub(fill, value)


def service_env(platform: Platform, svc: Service, target: str, environment: str | None = None) -> dict[str, str]:
    """The non-secret settings of every process of ``svc`` on ``target`` (mounts excluded); on
    Kubernetes without ``environment``, those of the base: none that names an environment's host."""
    p = svc.prefix
    values = target_values(platform, target, environment)
    env = {
        f"{p}_API_HOST": "127.0.0.1" if target == "local" else "0.0.0.0",
        f"{p}_API_PORT": str(svc.port),
    }
    if "jwks_url" in values:
        env[f"{p}_JWKS_URL"] = values["jwks_url"]
    if target != "local":
        # Relays and workers answer /health/live there (each container has its own address).
        env[f"{p}_PROBE_PORT"] = str(PROBE_PORT)
    for key, value in svc.env_for(target).items():
        try:
            env[key] = resolve(platform, str(value), target, environment)
        except PerEnvironment:
            continue  # the overlay of each environment adds it
    if target == "kubernetes" and svc.calls:
        env["SERVICE_TOKENS_URL"] = cluster_tokens_url(platform)
    return env


def environment_env(platform: Platform, svc: Service, environment: str) -> dict[str, str]:
    """What a pod of ``environment`` gets on top of (or instead of) the base's settings of ``svc``."""
    base = service_env(platform, svc, "kubernetes")
    return {key: value for key, value in service_env(platform, svc, "kubernetes", environment).items()
            if base.get(key) != value}


def platform_env(platform: Platform, target: str) -> dict[str, str]:
    """Settings without a service prefix, read by every process."""
    env = {"FORWARDED_ALLOW_IPS": platform.targets[target]["forwarded_allow_ips"]}
    if endpoint := platform.targets[target].get("otel_exporter_otlp_endpoint"):
        # Where the target's processes send spans (the local stack: its trace sink).
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    if ratio := platform.targets[target].get("otel_traces_sampler_arg"):
        # The share of journeys traced when no caller decided (a sampled traceparent always is).
        env["OTEL_TRACES_SAMPLER_ARG"] = str(ratio)
    if sslmode := platform.targets[target].get("database_sslmode"):
        # asyncpg's and libpq's default for every database URL without its own sslmode.
        env["PGSSLMODE"] = sslmode
    if target == "compose" and any(s.name == "identity" for s in platform.services):
        # ADR 0007: where a caller asks identity for service tokens. Local: the settings'
        # default (127.0.0.1:8001), right there; in a container 127.0.0.1 is the caller itself.
        # Kubernetes: only the services declaring calls get one, in their own settings
        # (service_env), identity's cluster-internal name (ADR 0007, amended).
        env["SERVICE_TOKENS_URL"] = f"{api_url(platform, 'identity', target)}/internal/v1/service-tokens"
    return env
