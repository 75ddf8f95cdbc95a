"""Each container that runs a service process, started with exactly the environment its
descriptor gives it: do the service's settings load, and are they the ones meant?

- Kubernetes: every container of every kustomization one applies (deploy/k8s/overlays/*),
  its variables from env and envFrom (ConfigMaps of the same bundle), each Secret key a
  strong dummy value. The settings must load in production mode (their own checks refuse
  anything insecure), take every variable given, fall back to no loopback address, find every
  path the process uses on a mount (the root filesystem is read-only), and still load when the
  optional Secrets do not exist.
- Compose: every service docker-compose.yml runs with ``python -m <service>``, its variables
  as compose-go interpolates them from deploy/docker/.env.example. The stack is a development
  one (MS_ENVIRONMENT=local, see its header), so the settings load in that mode; the rest is
  checked the same way.

Which processes use a path setting comes from the declarations: a [[mounts]] or [[volumes]]
entry of services/<name>/service.toml names them (a Secret's files are read, a volume is
written); a path setting no declaration names must be writable in every process.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path, PurePosixPath

import pytest
from pydantic import SecretStr

from deployfiles import (
    ENV_EXAMPLE, Mount, bundle, compose_mounts, compose_project, compose_raw, compose_service_processes,
    container_command, covering_mount, env_names, iter_pods, kubernetes_env, kubernetes_mounts, load_settings,
    loopback_defaults, path_fields, rel, run_composecheck, secret_fields, secrets_required_in_production,
    service_process, services, settings_class,
)
from ms_deploy import declaration
from ms_platform.settings import Environment

PLATFORM = declaration.load()
PRODUCTION_MODES = (Environment.PRODUCTION, Environment.STAGING)


# ---- what the checks share ----------------------------------------------------------------------


def _fields_by_variable(cls) -> dict[str, str]:
    return {variable: name for name in cls.model_fields for variable in env_names(cls, name)}


def _value(value) -> str | None:
    if value is None:
        return None
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def _unknown_variables(cls, env: dict[str, str]) -> list[str]:
    # The settings ignore unknown variables (extra="ignore"): a misspelt one is silently lost.
    known = _fields_by_variable(cls)
    return sorted(k for k in env if k.upper() not in known)


def _unused(settings) -> set[str]:
    """Settings the process cannot use with these values. service_tokens_url is read only by
    ServiceSettings.service_client_secret()'s callers, which outside local/test refuse to call
    without a service secret (and the settings refuse an http URL as soon as there is one)."""
    if not settings.is_development and settings.service_secret is None:
        return {"service_tokens_url"}
    return set()


def _path_uses(service: str, process: str, cls) -> dict[str, bool]:
    """Path setting -> whether the process writes there, for the path settings it uses."""
    declared = {}
    for mount in PLATFORM.service(service).mounts:
        for name, field in _fields_by_variable(cls).items():
            if name == mount.env:
                declared[field] = mount
    uses = {}
    for name in path_fields(cls):
        mount = declared.get(name)
        if mount is None:
            uses[name] = True
        elif process in mount.processes:
            uses[name] = mount.secret is None
    return uses


def _path_problems(settings, service: str, process: str, mounts: list[Mount]) -> list[str]:
    problems = []
    for name, writes in _path_uses(service, process, type(settings)).items():
        value = getattr(settings, name)
        declared = any(m.env in env_names(type(settings), name) for m in PLATFORM.service(service).mounts)
        if value is None and declared:
            problems.append(f"{name} is not set, yet the declaration mounts it for {process}")
            continue
        if value is None:
            continue
        path = PurePosixPath(str(value))
        if not path.is_absolute():
            problems.append(f"{name}={value} is relative: it depends on the image's working directory")
            continue
        mount = covering_mount(str(path), mounts)
        if mount is None:
            problems.append(f"{name}={value} is on no mount")
        elif writes and not mount.writable:
            problems.append(f"{name}={value} is written to, but its mount {mount.volume} is read-only")
    return problems


def _secrets_reaching_their_fields(settings, env: dict[str, str], secret_variables: list[str]) -> list[str]:
    fields = _fields_by_variable(type(settings))
    problems = []
    for variable in secret_variables:
        name = fields.get(variable.upper())
        if name is None:
            continue  # reported as an unknown variable
        got = _value(getattr(settings, name))
        if got != env[variable] and not (name.endswith("database_url") and got and got.rstrip("/") == env[variable]):
            problems.append(f"{variable} does not reach {name}")
    return problems


# ---- Kubernetes ---------------------------------------------------------------------------------


@functools.lru_cache
def _bundle(root: Path):
    return bundle(root)


def _pods():
    found = []
    for root, doc, container in iter_pods():
        process = service_process(container_command(container))
        if process:
            found.append(pytest.param(root, doc, container, process,
                                      id=f"{root.name}:{doc.kind}/{doc.name}/{container['name']}"))
    return found


PODS = _pods()


def test_every_kustomization_runs_every_declared_process_and_migration():
    expected = {f"{s.name}-{kind}" for s in PLATFORM.services for kind in (*s.processes, "migrate")}
    roots = {p.values[0] for p in PODS}
    assert roots, "no kustomization runs a service process"
    for root in roots:
        running = {p.values[1].name for p in PODS if p.values[0] == root}
        assert running == expected, f"{rel(root)} runs {sorted(running)}, the declarations {sorted(expected)}"


@pytest.mark.parametrize(("root", "doc", "container", "process"), PODS)
def test_each_pods_variables_all_come_from_its_own_bundle(root, doc, container, process):
    env = kubernetes_env(_bundle(root), container)
    assert not env.problems, f"{doc.label} in {rel(root)}:\n  " + "\n  ".join(env.problems)


@pytest.mark.parametrize(("root", "doc", "container", "process"), PODS)
def test_each_pod_loads_its_service_settings_in_production_mode_from_exactly_its_environment(
        root, doc, container, process, monkeypatch):
    service, _ = process
    env = kubernetes_env(_bundle(root), container)
    settings = load_settings(settings_class(service), env.values, monkeypatch)  # raises when insecure
    # Production mode: the settings' own refusal of insecure values applies (staging too).
    assert not settings.is_development and settings.environment in PRODUCTION_MODES, \
        f"{doc.label} runs as {settings.environment}"
    secret_variables = [k for k, source in env.sources.items() if source.endswith("secret")]
    problems = _secrets_reaching_their_fields(settings, env.values, secret_variables)
    assert not problems, f"{doc.label}: {problems}"


@pytest.mark.parametrize(("root", "doc", "container", "process"), PODS)
def test_every_variable_a_pod_is_given_is_a_setting_of_its_service(root, doc, container, process):
    service, _ = process
    # A variable only expanded into another's value ($(VAR), e.g. a caller's digest gathered in
    # IDENTITY_SERVICE_CLIENTS, ADR 0007) is read by Kubernetes, not by the settings.
    expanded = {m for var in container.get("env") or [] for m in re.findall(r"\$\(([A-Z0-9_]+)\)", str(var.get("value", "")))}
    env = {k: v for k, v in kubernetes_env(_bundle(root), container).values.items() if k not in expanded}
    unknown = _unknown_variables(settings_class(service), env)
    assert not unknown, f"{doc.label}: {service}'s settings read none of {unknown}"


@pytest.mark.parametrize(("root", "doc", "container", "process"), PODS)
def test_no_setting_of_a_pod_falls_back_to_a_loopback_default(root, doc, container, process, monkeypatch):
    service, _ = process
    settings = load_settings(settings_class(service), kubernetes_env(_bundle(root), container).values, monkeypatch)
    loopback = [name for name in loopback_defaults(settings) if name not in _unused(settings)]
    assert not loopback, f"{doc.label}: {loopback} left at a 127.0.0.1/localhost default (the pod itself)"


@pytest.mark.parametrize(("root", "doc", "container", "process"), PODS)
def test_every_path_a_pods_process_uses_is_on_a_mount_writable_where_it_writes(
        root, doc, container, process, monkeypatch):
    service, kind = process
    assert (container.get("securityContext") or {}).get("readOnlyRootFilesystem") is True, \
        f"{doc.label}: the root filesystem is writable"
    settings = load_settings(settings_class(service), kubernetes_env(_bundle(root), container).values, monkeypatch)
    problems = _path_problems(settings, service, kind, kubernetes_mounts(doc.body, container))
    assert not problems, f"{doc.label}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(("root", "doc", "container", "process"), PODS)
def test_a_pod_still_loads_in_production_mode_when_its_optional_secrets_do_not_exist(
        root, doc, container, process, monkeypatch):
    service, _ = process
    env = kubernetes_env(_bundle(root), container, optional_secrets=False)
    settings = load_settings(settings_class(service), env.values, monkeypatch)
    assert settings.environment in PRODUCTION_MODES
    optional = [k for k, s in kubernetes_env(_bundle(root), container).sources.items() if s == "optional-secret"]
    fields = _fields_by_variable(settings_class(service))
    assert all(getattr(settings, fields[v.upper()]) is None for v in optional if v.upper() in fields)


@pytest.mark.parametrize(("root", "doc", "container", "process"), PODS)
def test_every_secret_production_requires_is_a_mandatory_secret_of_the_pod(
        root, doc, container, process, monkeypatch):
    service, _ = process
    sources = kubernetes_env(_bundle(root), container).sources
    required = secrets_required_in_production(settings_class(service), monkeypatch)
    wrong = {field: [sources.get(v, "not given") for v in variables]
             for field, variables in required.items() if "secret" not in (sources.get(v) for v in variables)}
    assert not wrong, f"{doc.label}: secrets production refuses to run without, not from a mandatory Secret key: {wrong}"


@pytest.mark.parametrize("service", services())
def test_the_required_secret_detection_finds_what_the_settings_refuse_without(service, monkeypatch):
    # The check above is only as good as secrets_required_in_production(): each secret it
    # reports must really stop a production load of a pod's environment when missing.
    cls = settings_class(service)
    [(root, doc, container, _)] = [p.values for p in PODS if p.values[3] == (service, "api")][:1]
    env = kubernetes_env(_bundle(root), container).values
    required = secrets_required_in_production(cls, monkeypatch)
    for field, variables in required.items():
        with pytest.raises(ValueError, match=field):
            load_settings(cls, {k: v for k, v in env.items() if k not in variables}, monkeypatch)
    assert set(required) <= set(secret_fields(cls))


# ---- Compose ------------------------------------------------------------------------------------


COMPOSE_SERVICES = sorted(compose_service_processes())


def _compose_env(name: str) -> dict[str, str]:
    return {k: str(v) for k, v in (compose_project()["services"][name].get("environment") or {}).items()}


def _compose_secret_variables(name: str) -> list[str]:
    """The variables of a container that hold a declared secret (or its database password)."""
    service, _ = compose_service_processes()[name]
    svc = PLATFORM.service(service)
    return [f"{svc.prefix}_DATABASE_URL", *(s.env for s in svc.secrets if s.env in _compose_env(name))]


def test_compose_runs_every_declared_process_with_the_services_module():
    expected = {f"{s.name}-{kind}" for s in PLATFORM.services for kind in (*s.processes, "migrate")}
    assert expected <= set(COMPOSE_SERVICES), f"missing: {sorted(expected - set(COMPOSE_SERVICES))}"


@pytest.mark.parametrize("name", COMPOSE_SERVICES)
def test_each_compose_service_loads_its_settings_from_exactly_the_environment_compose_gives_it(name, monkeypatch):
    service, _ = compose_service_processes()[name]
    env = _compose_env(name)
    settings = load_settings(settings_class(service), env, monkeypatch)
    # The compose stack declares itself a development one; what it says is what runs.
    assert settings.environment == Environment(env.get("MS_ENVIRONMENT", "production"))
    problems = _secrets_reaching_their_fields(settings, env, _compose_secret_variables(name))
    assert not problems, f"{name}: {problems}"


@pytest.mark.parametrize("name", COMPOSE_SERVICES)
def test_every_variable_a_compose_service_is_given_is_a_setting_of_its_service(name):
    service, _ = compose_service_processes()[name]
    unknown = _unknown_variables(settings_class(service), _compose_env(name))
    assert not unknown, f"{name}: {service}'s settings read none of {unknown}"


@pytest.mark.parametrize("name", COMPOSE_SERVICES)
def test_no_setting_of_a_compose_service_falls_back_to_a_loopback_default(name, monkeypatch):
    service, _ = compose_service_processes()[name]
    settings = load_settings(settings_class(service), _compose_env(name), monkeypatch)
    loopback = [n for n in loopback_defaults(settings) if n not in _unused(settings)]
    assert not loopback, f"{name}: {loopback} left at a 127.0.0.1/localhost default (the container itself)"


@pytest.mark.parametrize("name", COMPOSE_SERVICES)
def test_every_path_a_compose_service_uses_is_on_a_volume_writable_where_it_writes(name, monkeypatch):
    service, kind = compose_service_processes()[name]
    settings = load_settings(settings_class(service), _compose_env(name), monkeypatch)
    # What the process writes outside a volume is lost with the container.
    problems = _path_problems(settings, service, kind, compose_mounts(compose_project()["services"][name]))
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def _optional_secrets(name: str) -> list[declaration.Secret]:
    service, _ = compose_service_processes()[name]
    return [s for s in PLATFORM.service(service).secrets if s.optional and s.env in _compose_env(name)]


COMPOSE_WITH_OPTIONAL_SECRETS = [n for n in COMPOSE_SERVICES if _optional_secrets(n)]


def test_some_compose_service_has_optional_secrets_to_check():
    assert COMPOSE_WITH_OPTIONAL_SECRETS, "no compose service gets an optional secret: the checks below check nothing"


@pytest.mark.parametrize("name", COMPOSE_WITH_OPTIONAL_SECRETS)
def test_a_compose_services_optional_secrets_are_unset_without_the_env_file_and_set_with_it(
        name, monkeypatch, tmp_path):
    service, _ = compose_service_processes()[name]
    cls, optional = settings_class(service), _optional_secrets(name)
    fields = _fields_by_variable(cls)
    raw = compose_raw()["services"][name]["environment"]
    for secret in optional:
        assert raw[secret.env] == f"${{{secret.compose}:-}}", f"{name}: {secret.env} is not optional in compose"
    without = load_settings(cls, _compose_env(name), monkeypatch)
    assert not any(_value(getattr(without, fields[s.env])) for s in optional), \
        f"{name}: optional secrets left out of .env.example are not empty in the settings"
    given = {s.compose: f"given-{s.compose.lower()}-value" for s in optional}
    env_file = tmp_path / "env"
    env_file.write_text(ENV_EXAMPLE.read_text() + "".join(f"{k}={v}\n" for k, v in given.items()))
    result = run_composecheck(env_file=env_file)
    assert result.returncode == 0, result.stderr
    env = {k: str(v) for k, v in json.loads(result.stdout)["services"][name]["environment"].items()}
    with_them = load_settings(cls, env, monkeypatch)
    for secret in optional:
        assert _value(getattr(with_them, fields[secret.env])) == given[secret.compose], \
            f"{name}: {secret.compose} in .env does not reach {fields[secret.env]}"


@pytest.mark.parametrize("name", COMPOSE_SERVICES)
def test_every_secret_production_requires_is_a_required_variable_of_the_compose_service(name, monkeypatch):
    service, _ = compose_service_processes()[name]
    raw = compose_raw()["services"][name].get("environment") or {}
    wrong = {}
    for field, variables in secrets_required_in_production(settings_class(service), monkeypatch).items():
        values = [str(raw[v]) for v in variables if v in raw]
        if not any(re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]*\}", v) for v in values):
            wrong[field] = values or "not given"
    assert not wrong, f"{name}: secrets production requires, not a required .env variable: {wrong}"
