"""The scaffold's choices that need no server: names, ports, where files go, the workspace entry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ms_deploy import declaration, scaffold

PYPROJECT = """[project]
name = "memberspace"
dependencies = [
    "identity",
    "contracts",
    "ms-platform",
]

[tool.uv.sources]
identity = { workspace = true }
contracts = { workspace = true }

[tool.uv.workspace]
members = ["libs/*", "services/*"]
"""


@pytest.mark.parametrize("name", ["Claims", "1claims", "c", "claims-x", "claims_x", "a" * 21])
def test_a_name_that_cannot_be_a_package_database_and_env_prefix_is_refused(name, tmp_path):
    with pytest.raises(scaffold.ScaffoldError, match="lowercase"):
        scaffold.check_name(name, tmp_path)


@pytest.mark.parametrize("name", ["json", "asyncio", "class", "app", "tests"])
def test_a_name_that_would_shadow_a_python_module_is_refused(name, tmp_path):
    with pytest.raises(scaffold.ScaffoldError, match="shadow"):
        scaffold.check_name(name, tmp_path)


def test_an_existing_service_is_never_overwritten(tmp_path):
    (tmp_path / "services" / "claims").mkdir(parents=True)
    with pytest.raises(scaffold.ScaffoldError, match="already exists"):
        scaffold.check_name("claims", tmp_path)


def test_the_default_port_is_the_next_one_no_service_or_platform_process_uses():
    platform = declaration.load()
    port = scaffold.next_port(platform)
    assert port not in {s.port for s in platform.services} | scaffold.RESERVED_PORTS
    assert port > max(s.port for s in platform.services)


def test_the_event_module_goes_to_the_catalogue_and_the_package_is_named_after_the_service(tmp_path):
    event = scaffold._destination(Path("events/event.py.j2"), "claims", tmp_path)
    assert event == tmp_path / "libs/events/src/ms_events/events/claims.py"
    module = scaffold._destination(Path("src/pkg/app/items.py.j2"), "claims", tmp_path)
    assert module == tmp_path / "services/claims/src/claims/app/items.py"
    plain = scaffold._destination(Path("migrations/env.py"), "claims", tmp_path)
    assert plain == tmp_path / "services/claims/migrations/env.py"


def test_the_service_joins_the_root_projects_dependencies_and_workspace_sources(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    scaffold.add_to_workspace("claims", tmp_path)
    text = (tmp_path / "pyproject.toml").read_text()
    assert '    "contracts",\n    "claims",\n    "ms-platform",' in text
    assert 'contracts = { workspace = true }\nclaims = { workspace = true }\n' in text


def test_every_rendered_python_file_parses_and_the_declaration_loads(tmp_path):
    written = scaffold.render("claims", 8123, "reimbursements", tmp_path)
    for path in (p for p in written if p.suffix == ".py"):
        ast.parse(path.read_text(), filename=str(path))
    service = declaration.load_service(tmp_path / "services" / "claims" / "service.toml")
    assert (service.name, service.port) == ("claims", 8123)
    assert service.consumes == ("identity.account.v1",)
    assert not any("{{" in p.read_text() for p in written if p.suffix in {".py", ".toml", ".md"})
