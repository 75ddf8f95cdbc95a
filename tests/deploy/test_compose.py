"""docker-compose.yml as `docker compose` reads it: loaded by compose-go v2, the Compose
Specification's reference loader (tools/composecheck), with deploy/docker/.env.example as
its only source of variables. The loader validates the schema, interpolates, normalizes and
checks consistency (services, networks and volumes referred to exist); these tests prove it
refuses broken files, then compare what it loads with the declarations.

Needs Go (the first run builds tools/composecheck into var/bin, with its modules from the
Go module proxy; later runs reuse var/go).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from deployfiles import (
    COMPOSE, COMPOSECHECK, ENV_EXAMPLE, ROOT, compose_project, compose_raw, run_composecheck,
)
from ms_deploy import declaration

PLATFORM = declaration.load()


def _declared_containers() -> dict[str, list[str]]:
    """<service>-<process> -> its command, for every process and migration of the declarations."""
    found = {}
    for svc in PLATFORM.services:
        for kind in (*svc.processes, "migrate"):
            found[f"{svc.name}-{kind}"] = ["python", "-m", svc.name, kind]
    return found


def _write(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _env_file_without(tmp_path: Path, variable: str) -> Path:
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if not line.startswith(f"{variable}=")]
    assert len(lines) < len(ENV_EXAMPLE.read_text().splitlines()), f".env.example does not set {variable}"
    path = tmp_path / "env"
    path.write_text("\n".join(lines) + "\n")
    return path


# ---- the loader itself ------------------------------------------------------------------------


def test_the_compose_loader_module_has_a_checksum_for_every_module_it_requires():
    # go build runs with -mod=readonly: a missing go.sum line fails the build on a fresh machine.
    go_mod = (COMPOSECHECK / "go.mod").read_text()
    go_sum = (COMPOSECHECK / "go.sum").read_text()
    required = re.findall(r"^\s*(?:require\s+)?([a-z0-9.\-]+\.[a-z]+/\S+)\s+(v\S+)", go_mod, re.MULTILINE)
    assert required, "tools/composecheck/go.mod requires nothing"
    missing = [f"{m} {v}" for m, v in required if f"{m} {v} h1:" not in go_sum or f"{m} {v}/go.mod h1:" not in go_sum]
    assert not missing, f"tools/composecheck/go.sum lacks the checksums of {missing} (run go mod tidy there)"


def test_compose_go_loads_the_compose_file_with_the_env_example():
    result = run_composecheck()
    assert result.returncode == 0, f"compose-go refuses docker-compose.yml with .env.example:\n{result.stderr}"
    assert compose_project()["name"] == PLATFORM.name


def test_an_unchanged_copy_of_the_compose_file_loads_elsewhere_too(tmp_path):
    # The control for the refusals below: a copy in another folder loads, so each refusal is
    # the breakage's doing.
    result = run_composecheck(_write(tmp_path / "compose.yml", compose_raw()))
    assert result.returncode == 0, result.stderr


def _depends_on_an_unknown_service(doc):
    doc["services"]["identity-api"]["depends_on"]["identity-cache"] = {"condition": "service_started"}
    return "identity-cache"


def _uses_an_undeclared_volume(doc):
    doc["services"]["notify-worker"]["volumes"] = ["notify-archive:/var/spool/memberspace/letters"]
    return "notify-archive"


def _joins_an_undeclared_network(doc):
    doc["services"]["contracts-api"]["networks"] = ["frontend"]
    return "frontend"


def _has_a_misspelled_key(doc):
    doc["services"]["notify-api"]["enviroment"] = doc["services"]["notify-api"].pop("environment")
    return "enviroment"


def _waits_on_an_unknown_condition(doc):
    doc["services"]["contracts-relay"]["depends_on"]["topics"]["condition"] = "service_done"
    return "contracts-relay.depends_on.topics.condition"


@pytest.mark.parametrize("breakage", [
    _depends_on_an_unknown_service, _uses_an_undeclared_volume, _joins_an_undeclared_network,
    _has_a_misspelled_key, _waits_on_an_unknown_condition,
], ids=lambda f: f.__name__.strip("_"))
def test_compose_go_refuses_a_compose_file_that(breakage, tmp_path):
    doc = compose_raw()
    culprit = breakage(doc)
    result = run_composecheck(_write(tmp_path / "compose.yml", doc))
    assert result.returncode != 0, f"compose-go accepted a file that {breakage.__name__.strip('_')}"
    assert culprit in result.stderr, f"compose-go refused it without naming {culprit}:\n{result.stderr}"


def _required_variables() -> list[str]:
    return sorted(set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text())))


def test_the_compose_file_requires_variables_from_the_env_file():
    assert _required_variables(), "docker-compose.yml requires no variable: nothing proves interpolation is checked"


@pytest.mark.parametrize("variable", _required_variables())
def test_compose_go_refuses_the_compose_file_when_the_env_file_lacks_the_required(variable, tmp_path):
    result = run_composecheck(env_file=_env_file_without(tmp_path, variable))
    assert result.returncode != 0, f"compose-go loaded docker-compose.yml without {variable}"
    assert variable in result.stderr, result.stderr


# ---- what it loads, against the declarations --------------------------------------------------


@pytest.mark.parametrize("name", sorted(_declared_containers()))
def test_every_declared_process_runs_in_the_project_compose_go_loads(name):
    services = compose_project()["services"]
    assert name in services, f"{name} (services/*/service.toml) is not a service of the loaded project"
    assert services[name]["command"] == _declared_containers()[name]


@pytest.mark.parametrize("name", sorted(_declared_containers()))
def test_every_declared_process_gets_a_fully_interpolated_environment(name):
    env = compose_project()["services"][name].get("environment") or {}
    assert env, f"{name} gets no environment"
    # None: a bare variable passed through from the caller's shell, which nobody sets.
    unresolved = {k: v for k, v in env.items() if v is None or "${" in str(v) or "$(" in str(v)}
    assert not unresolved, f"{name}: variables left unresolved after interpolation: {unresolved}"


def test_the_loaded_project_has_exactly_the_services_of_the_file():
    assert set(compose_project()["services"]) == set(compose_raw()["services"])


def test_every_named_volume_a_service_mounts_is_declared_and_every_declared_one_is_used():
    project = compose_project()
    used = {v["source"] for spec in project["services"].values() for v in spec.get("volumes") or []
            if v.get("type") == "volume"}
    assert used == set(project.get("volumes") or {}), (
        f"mounted but undeclared: {sorted(used - set(project.get('volumes') or {}))}; "
        f"declared but unused: {sorted(set(project.get('volumes') or {}) - used)}")


def test_bind_mounts_point_at_files_of_the_repository():
    for name, spec in compose_project()["services"].items():
        for volume in spec.get("volumes") or []:
            if volume.get("type") == "bind":
                source = Path(volume["source"])
                assert source.is_relative_to(ROOT) and source.exists(), f"{name} binds {source}, which is not in the repository"
