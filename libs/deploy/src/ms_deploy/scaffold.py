"""``python -m ms_deploy new-service NAME``: a new service from templates/service.

What it writes (``make new-service NAME=x`` then locks, syncs and regenerates the deployment):

- ``services/<name>/``: its declaration (service.toml), package (settings, bootstrap, the
  layers domain / app / adapters / entrypoints), alembic migrations (its table, outbox,
  inbox) and tests (unit, and integration on the real PostgreSQL);
- ``libs/events/src/ms_events/events/<name>.py``: its first event, so the catalogue, the
  topics and the published schemas know it;
- the workspace entries in the root ``pyproject.toml``.

The example aggregate (an "item" a member records) exercises every mechanism a service needs:
its API publishes through the outbox, its worker consumes AccountDeleted and erases, it
exports personal data to identity. The service's own model replaces it.
"""

from __future__ import annotations

import keyword
import re
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import jinja2

from ms_deploy import declaration

NAME = re.compile(r"^[a-z][a-z0-9]{1,19}$")
# Ports the platform keeps for itself (gateway, probes).
RESERVED_PORTS = {8080, 9464}
TEMPLATE_PACKAGE = "ms_deploy"


class ScaffoldError(ValueError):
    """The service cannot be created as asked (the message says why)."""


def camel(name: str) -> str:
    return name[:1].upper() + name[1:]


def check_name(name: str, root: Path) -> None:
    if not NAME.match(name):
        raise ScaffoldError(f"{name!r}: a service name is 2-20 lowercase letters or digits, starting with a letter "
                            "(it is the Python package, the database, the consumer group and the env prefix)")
    if keyword.iskeyword(name) or name in sys.stdlib_module_names or name in {"ms", "app", "tests"}:
        raise ScaffoldError(f"{name!r} would shadow a Python module: choose another name")
    if (root / "services" / name).exists():
        raise ScaffoldError(f"services/{name} already exists")
    if (root / "libs" / "events" / "src" / "ms_events" / "events" / f"{name}.py").exists():
        raise ScaffoldError(f"ms_events.events.{name} already exists")


def next_port(platform: declaration.Platform) -> int:
    used = {s.port for s in platform.services} | RESERVED_PORTS
    port = max(s.port for s in platform.services) + 1 if platform.services else 8001
    while port in used:
        port += 1
    return port


def _templates() -> Path:
    return Path(str(resources.files(TEMPLATE_PACKAGE) / "templates" / "service"))


def _destination(relative: Path, name: str, root: Path) -> Path:
    """Where a template file goes: the event module into ms_events, the rest into services/<name>."""
    if relative == Path("events/event.py.j2"):
        return root / "libs" / "events" / "src" / "ms_events" / "events" / f"{name}.py"
    parts = [name if (i == 1 and relative.parts[0] == "src" and p == "pkg") else p
             for i, p in enumerate(relative.parts)]
    out = Path(*parts)
    if out.suffix == ".j2":
        out = out.with_suffix("")
    return root / "services" / name / out


def render(name: str, port: int, summary: str, root: Path) -> list[Path]:
    """Write every template file for the service; return the paths written."""
    source = _templates()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(source)), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    context = {"name": name, "Name": camel(name), "NAME": name.upper(), "port": port,
               "summary": summary, "today": date.today().isoformat()}
    written = []
    for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        relative = path.relative_to(source)
        target = _destination(relative, name, root)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".j2":
            target.write_text(env.get_template(relative.as_posix()).render(**context))
        else:
            target.write_bytes(path.read_bytes())
        written.append(target)
    return written


def add_to_workspace(name: str, root: Path) -> None:
    """The root project depends on every service (one environment) and takes it from the workspace."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    project_deps = re.search(r"(?ms)^\[project\].*?^dependencies = \[\n(.*?)^\]", text)
    if not project_deps:
        raise ScaffoldError("pyproject.toml: no [project] dependencies list to add the service to")
    lines = project_deps.group(1)
    services = [m.end() for m in re.finditer(r'(?m)^    "(?:[a-z][a-z0-9]*)",\n', lines)]
    at = project_deps.start(1) + (services[-1] if services else len(lines))
    text = text[:at] + f'    "{name}",\n' + text[at:]
    sources = re.search(r"(?ms)^\[tool\.uv\.sources\]\n(.*?)(?=^\[|\Z)", text)
    if not sources:
        raise ScaffoldError("pyproject.toml: no [tool.uv.sources] table")
    body = sources.group(1).rstrip("\n")
    at = sources.start(1) + len(body)
    text = text[:at] + f"\n{name} = {{ workspace = true }}" + text[at:]
    pyproject.write_text(text)


def new_service(name: str, *, port: int | None = None, summary: str | None = None,
                root: Path = declaration.ROOT) -> Path:
    """Create services/<name> and its event module; the caller locks, syncs and regenerates."""
    platform = declaration.load(root)
    check_name(name, root)
    if port is None:
        port = next_port(platform)
    elif port in {s.port for s in platform.services} | RESERVED_PORTS or not 1024 < port < 65536:
        raise ScaffoldError(f"port {port} is taken or reserved")
    summary = (summary or f"{name}'s bounded context").strip().rstrip(".")
    if '"' in summary or "\n" in summary:
        raise ScaffoldError("the summary is one line without double quotes")
    render(name, port, summary, root)
    add_to_workspace(name, root)
    return root / "services" / name
