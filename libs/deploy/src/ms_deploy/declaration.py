"""The platform and service declarations (deploy/platform.toml, services/*/service.toml).

Everything that runs a service (Procfile, gateway, compose, Kubernetes) is generated from
these files and the event catalogue; this module reads and checks them, nothing more.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[4]
# A dispatcher is a process of its own that works from its database alone (webhooks posts
# deliveries): no Kafka consumer group, scaled apart from the worker.
PROCESS_KINDS = ("api", "relay", "worker", "dispatcher")
NAME = re.compile(r"^[a-z][a-z0-9]{1,30}$")
# An nginx size: digits and k or m (client_max_body_size); every body is capped at BODY_LIMIT
# but on the upload prefixes a service declares, which get its max_upload_body.
SIZE = re.compile(r"^([1-9][0-9]*)([km])$")
BODY_LIMIT = "1m"
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")


class DeclarationError(ValueError):
    """A declaration file is missing something or contradicts another."""


@dataclass(frozen=True)
class Process:
    kind: str
    replicas: int = 1
    max_replicas: int | None = None
    cpu: str = "50m"
    memory: str = "128Mi"
    memory_limit: str = "256Mi"
    consumes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limited:
    prefix: str
    zone: str
    burst: int


@dataclass(frozen=True)
class Secret:
    """A secret setting: a Kubernetes Secret key, a compose .env variable, a local generator."""

    env: str
    secret: str
    key: str
    compose: str
    local: str | None
    optional: bool
    processes: tuple[str, ...]


@dataclass(frozen=True)
class Mount:
    """A directory a process reads (a Secret's files) or writes (a volume)."""

    name: str
    env: str
    path: str
    processes: tuple[str, ...]
    local: str
    secret: str | None = None  # read-only files from a Secret; None: a writable volume
    size: str = "1Gi"


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    summary: str
    exports_personal_data: bool
    processes: dict[str, Process]
    prefixes: tuple[str, ...]
    exact: tuple[str, ...]
    limited: tuple[Limited, ...]
    env: dict[str, dict[str, str]]  # target ("all", "local", "compose", "kubernetes") -> env
    secrets: tuple[Secret, ...]
    mounts: tuple[Mount, ...]
    topics: dict[str, dict]
    path: Path = field(compare=False, default=ROOT)
    # [gateway] upload_prefixes: routes taking files (multipart), whose bodies may reach
    # max_upload_body; every other route keeps BODY_LIMIT.
    uploads: tuple[str, ...] = ()
    max_upload_body: str = BODY_LIMIT
    # `calls`: the services whose internal routes this one calls with service tokens from
    # identity (ADR 0007): each gets the caller's secret, identity's client list, the token URL
    # and the NetworkPolicies of exactly those pairs generated.
    calls: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        return self.name.upper()

    @property
    def consumes(self) -> tuple[str, ...]:
        worker = self.processes.get("worker")
        return worker.consumes if worker else ()

    def env_for(self, target: str) -> dict[str, str]:
        return {**self.env.get("all", {}), **self.env.get(target, {})}

    def secrets_of(self, kind: str) -> list[Secret]:
        return [s for s in self.secrets if kind in s.processes or kind == "migrate"]

    def mounts_of(self, kind: str) -> list[Mount]:
        return [m for m in self.mounts if kind in m.processes]


@dataclass(frozen=True)
class Platform:
    name: str
    namespace: str
    gateway_port: int
    targets: dict[str, dict[str, str]]
    infrastructure: tuple[tuple[str, str], ...]
    environments: dict[str, dict]
    services: tuple[Service, ...]

    def service(self, name: str) -> Service:
        for svc in self.services:
            if svc.name == name:
                return svc
        raise DeclarationError(f"no service named {name!r}")


def _process(kind: str, raw: dict) -> Process:
    unknown = set(raw) - {"replicas", "max_replicas", "cpu", "memory", "memory_limit", "consumes"}
    if unknown:
        raise DeclarationError(f"process {kind}: unknown keys {sorted(unknown)}")
    if "consumes" in raw and kind != "worker":
        raise DeclarationError(f"only a worker consumes topics, not {kind}")
    return Process(kind=kind, **{**raw, "consumes": _topics(raw.get("consumes", ()))})


# ``consumes = ["public"]``: every public topic of the event catalogue, whatever is added later
# (webhooks carries them all to integrators); never a private one.
EVERY_PUBLIC_TOPIC = "public"


def _topics(declared: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if EVERY_PUBLIC_TOPIC not in declared:
        return tuple(declared)
    from ms_events.catalogue import public_topics

    return tuple(sorted({*public_topics(), *(t for t in declared if t != EVERY_PUBLIC_TOPIC)}))


def _secret(name: str, raw: dict, kinds: tuple[str, ...]) -> Secret:
    env = raw["env"]
    default_secret = f"{name}-{env.removeprefix(name.upper() + '_').lower().replace('_', '-')}"
    return Secret(
        env=env,
        secret=raw.get("secret", default_secret),
        key=raw.get("key", "value"),
        compose=raw.get("compose", env),
        local=raw.get("local"),
        optional=raw.get("optional", False),
        processes=tuple(raw.get("processes", kinds)),
    )


def _mount(raw: dict) -> Mount:
    return Mount(
        name=raw["name"], env=raw["env"], path=raw["path"], processes=tuple(raw["processes"]),
        local=raw["local"], secret=raw.get("secret"), size=raw.get("size", "1Gi"),
    )


def size_bytes(size: str) -> int:
    """An nginx size ("12m") in bytes."""
    match = SIZE.match(size)
    if not match:
        raise DeclarationError(f"{size!r} is not a size like 512k or 12m")
    return int(match[1]) * {"k": 1024, "m": 1024 * 1024}[match[2]]


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _uploads(path: Path, gateway: dict, prefixes: tuple[str, ...], limited: tuple[Limited, ...]) -> tuple[tuple[str, ...], str]:
    """The upload prefixes and their body limit, checked: each lies under one of the service's
    prefixes, none overlaps a limited prefix (nginx would pick one location and drop the other's
    limit), and the limit is larger than every other route's."""
    uploads = tuple(gateway.get("upload_prefixes", ()))
    size = gateway.get("max_upload_body")
    if bool(uploads) != (size is not None):
        raise DeclarationError(f"{path}: [gateway] upload_prefixes and max_upload_body go together")
    if not uploads:
        return (), BODY_LIMIT
    if size_bytes(size) <= size_bytes(BODY_LIMIT):
        raise DeclarationError(f"{path}: max_upload_body {size} is not above the gateway's {BODY_LIMIT}")
    for upload in uploads:
        if not any(_under(upload, p) for p in prefixes):
            raise DeclarationError(f"{path}: upload prefix {upload} is under none of the service's prefixes")
        if any(_under(upload, lim.prefix) or _under(lim.prefix, upload) for lim in limited):
            raise DeclarationError(f"{path}: upload prefix {upload} overlaps a limited prefix")
    return uploads, size


def load_service(path: Path) -> Service:
    raw = tomllib.loads(path.read_text())
    name = raw.get("name", "")
    if not NAME.match(name) or path.parent.name != name:
        raise DeclarationError(f"{path}: name must be the folder's name, lower-case letters/digits")
    processes = {kind: _process(kind, spec) for kind, spec in raw.get("processes", {}).items()}
    if "api" not in processes or "relay" not in processes or set(processes) - set(PROCESS_KINDS):
        raise DeclarationError(f"{path}: processes are api, relay and optionally worker and dispatcher")
    gateway = raw.get("gateway", {})
    env = {"all": raw.get("env", {})}
    for target in ("local", "compose", "kubernetes"):
        env[target] = raw.get(f"env_{target}", {})
    for values in env.values():
        for key in values:
            if not key.startswith(f"{name.upper()}_"):
                raise DeclarationError(f"{path}: setting {key} must start with {name.upper()}_")
    prefixes = tuple(gateway.get("prefixes", ()))
    limited = tuple(Limited(**spec) for spec in gateway.get("limited", ()))
    uploads, max_upload_body = _uploads(path, gateway, prefixes, limited)
    return Service(
        name=name,
        port=int(raw["port"]),
        summary=raw.get("summary", name),
        exports_personal_data=bool(raw.get("exports_personal_data", True)),
        processes=processes,
        prefixes=prefixes,
        exact=tuple(gateway.get("exact", ())),
        limited=limited,
        env=env,
        secrets=tuple(_secret(name, s, tuple(processes)) for s in raw.get("secrets", ())),
        mounts=tuple(_mount(m) for m in [*raw.get("mounts", ()), *raw.get("volumes", ())]),
        topics=raw.get("topics", {}),
        path=path.parent,
        uploads=uploads,
        max_upload_body=max_upload_body,
        calls=tuple(raw.get("calls", ())),
    )


def load(root: Path = ROOT) -> Platform:
    """Read deploy/platform.toml and every services/*/service.toml, and check them together."""
    raw = tomllib.loads((root / "deploy" / "platform.toml").read_text())
    found = (load_service(p) for p in (root / "services").glob("*/service.toml"))
    services = tuple(sorted(found, key=lambda s: s.port))  # start order: by port
    platform = Platform(
        name=raw["name"],
        namespace=raw["namespace"],
        gateway_port=int(raw["gateway_port"]),
        targets=raw["targets"],
        infrastructure=tuple((p["name"], p["command"]) for p in raw["local"]["infrastructure"]),
        environments=raw.get("environments", {}),
        services=services,
    )
    _check(platform)
    return platform


def _check(platform: Platform) -> None:
    ports = [s.port for s in platform.services]
    if len(set(ports)) != len(ports):
        raise DeclarationError(f"two services share a port: {sorted(ports)}")
    if platform.gateway_port in ports:
        raise DeclarationError("a service uses the gateway's port")
    prefixes = [p for s in platform.services for p in (*s.prefixes, *(lim.prefix for lim in s.limited))]
    if len(set(prefixes)) != len(prefixes):
        raise DeclarationError("two services claim the same route prefix")
    for svc in platform.services:
        for env in (*(s.env for s in svc.secrets), *(m.env for m in svc.mounts)):
            if not ENV_NAME.match(env):
                raise DeclarationError(f"{svc.name}: bad setting name {env!r}")
    _check_calls(platform)
    _check_environments(platform)


def _check_calls(platform: Platform) -> None:
    """ADR 0007: a service calls only services that exist, other than itself and identity (whose
    token endpoint every caller reaches anyway), and its settings point at each one's API."""
    names = {s.name for s in platform.services}
    for svc in platform.services:
        if svc.calls and svc.name == "identity":
            raise DeclarationError("identity signs its own service tokens: it declares no calls")
        if len(set(svc.calls)) != len(svc.calls):
            raise DeclarationError(f"{svc.name}: calls lists a service twice")
        for callee in svc.calls:
            if callee not in names or callee in (svc.name, "identity"):
                raise DeclarationError(f"{svc.name}: calls {callee!r}, which is not another service")
            if not any(f"{{api:{callee}}}" in str(v) for v in svc.env_for("kubernetes").values()):
                raise DeclarationError(f"{svc.name}: calls {callee} but no setting points at {{api:{callee}}}")


def _check_environments(platform: Platform) -> None:
    """Each Kubernetes environment declares its own hosts; the base (targets.kubernetes) none."""
    shared = {"public_url", "api_host", "jwks_url"} & set(platform.targets.get("kubernetes", {}))
    if shared:
        raise DeclarationError(f"[targets.kubernetes] declares {sorted(shared)}: hosts are each "
                               "[environments.*]'s own, or every overlay would inherit them")
    owner: dict[str, str] = {}
    for env, spec in platform.environments.items():
        missing = {"image_tag", "public_url", "api_host"} - set(spec)
        if missing:
            raise DeclarationError(f"[environments.{env}] lacks {sorted(missing)}")
        urls = [spec["public_url"], *([spec["jwks_url"]] if "jwks_url" in spec else [])]
        if any(not u.startswith("https://") for u in urls):
            raise DeclarationError(f"[environments.{env}]: public_url and jwks_url must be https")
        for host in {urlsplit(u).hostname for u in urls} | {spec["api_host"]}:
            if owner.setdefault(host, env) != env:
                raise DeclarationError(f"[environments.{env}] and [environments.{owner[host]}] both use {host}")
