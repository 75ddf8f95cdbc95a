"""Readers of the deployment descriptors for tests/deploy, all offline.

- Kubernetes: every YAML file under deploy/k8s (recursively), the kustomizations that tie
  them together (``resources``, strategic-merge ``patches``, ``configMapGenerator``), the
  Kubernetes JSON schemas of KUBERNETES_VERSION shipped by the PyPI package
  kubernetes-validate, and the operators' CRDs vendored in deploy/schemas/.
- Compose: docker-compose.yml as the Compose Specification's reference loader
  (compose-go, tools/composecheck) loads it with deploy/docker/.env.example.
- Settings: each service's settings class (<svc>.settings, a ServiceSettings subclass), loaded
  from exactly the environment a container gets.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import inspect
import json
import os
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "docker" / ".env.example"
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = ROOT / "deploy" / "schemas"
COMPOSECHECK = ROOT / "tools" / "composecheck"
VAR = ROOT / "var"

# The Kubernetes version the manifests must be valid for (schemas from kubernetes-validate).
KUBERNETES_VERSION = "1.31"

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
POD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")


def rel(path: Path) -> str:
    return str(Path(path).resolve().relative_to(ROOT))


def yaml_documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(Path(path).read_text()) if d]


# ---- Kubernetes: files and kustomizations --------------------------------------------------


def kustomization_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*") if p.name in KUSTOMIZATION_NAMES)


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def _patch_paths(kustomization: dict) -> list[str]:
    paths = [p for p in kustomization.get("patchesStrategicMerge") or [] if isinstance(p, str)]
    for entry in (kustomization.get("patches") or []) + (kustomization.get("patchesJson6902") or []):
        if isinstance(entry, dict) and entry.get("path"):
            paths.append(entry["path"])
        elif isinstance(entry, str):
            paths.append(entry)
    return paths


def _generator_paths(kustomization: dict) -> list[str]:
    paths = []
    for generator in (kustomization.get("configMapGenerator") or []) + (kustomization.get("secretGenerator") or []):
        paths += list(generator.get("envs") or []) + ([generator["env"]] if generator.get("env") else [])
        paths += [f.split("=", 1)[-1] for f in generator.get("files") or []]
    return paths


def not_manifests() -> set[Path]:
    """Files under deploy/k8s that are inputs of a kustomization but not resources: patches, generator files."""
    found = set()
    for kfile in kustomization_files():
        k = yaml.safe_load(kfile.read_text()) or {}
        for p in _patch_paths(k) + _generator_paths(k):
            found.add((kfile.parent / p).resolve())
    return found


def manifest_files() -> list[Path]:
    """Every YAML file under deploy/k8s holding Kubernetes objects (not kustomizations, patches)."""
    skip = not_manifests()
    return sorted(
        p for p in K8S.rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".yml") and p.name not in KUSTOMIZATION_NAMES
        and p.resolve() not in skip
    )


def kustomization_resources(directory: Path) -> list[Path]:
    k = yaml.safe_load(kustomization_file(directory).read_text()) or {}
    return [(directory / r).resolve() for r in (k.get("resources") or []) + (k.get("bases") or [])
            + (k.get("components") or [])]


def roots() -> list[Path]:
    """The kustomizations one applies (not included by another); deploy/k8s itself if none."""
    dirs = [k.parent.resolve() for k in kustomization_files()]
    included = {r for d in dirs for r in kustomization_resources(d)}
    found = [d for d in dirs if d not in included]
    return sorted(found) or [K8S.resolve()]


@dataclass
class Doc:
    path: Path
    body: dict
    derived: bool = False  # generated or patched by a kustomization: not as in its file

    @property
    def kind(self) -> str:
        return self.body.get("kind", "")

    @property
    def name(self) -> str:
        return (self.body.get("metadata") or {}).get("name", "")

    @property
    def label(self) -> str:
        return f"{rel(self.path)}: {self.kind}/{self.name}"


def _smp_merge(base: Any, patch: Any) -> Any:
    """A strategic-merge patch as kustomize applies it to our fields: maps merge, lists of
    named maps (containers, env, volumes, volumeMounts, ports) merge by name, other lists
    are replaced, ``null`` deletes."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = _smp_merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if (isinstance(base, list) and isinstance(patch, list) and patch
            and all(isinstance(i, dict) and "name" in i for i in base + patch)):
        out = [copy.deepcopy(i) for i in base]
        for item in patch:
            for i, existing in enumerate(out):
                if existing["name"] == item["name"]:
                    out[i] = _smp_merge(existing, item)
                    break
            else:
                out.append(copy.deepcopy(item))
        return out
    return copy.deepcopy(patch)


class UnsupportedKustomization(AssertionError):
    pass


def _json6902(body: dict, operations: list[dict], where: str) -> dict:
    """add / replace / remove / test of RFC 6902 (what the generated overlays use)."""
    out = copy.deepcopy(body)
    for op in operations:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = out
        try:
            for part in parts[:-1]:
                parent = parent[int(part)] if isinstance(parent, list) else parent[part]
            last = parts[-1]
            if isinstance(parent, list):
                index = len(parent) if last == "-" else int(last)
                if op["op"] == "add":
                    parent.insert(index, copy.deepcopy(op["value"]))
                elif op["op"] == "replace":
                    parent[index] = copy.deepcopy(op["value"])
                elif op["op"] == "remove":
                    del parent[index]
                elif op["op"] == "test":
                    assert parent[index] == op["value"]
                else:
                    raise UnsupportedKustomization(f"{where}: JSON 6902 op {op['op']!r} is not supported here")
            else:
                if op["op"] == "replace" and last not in parent:
                    raise KeyError(last)
                if op["op"] in ("add", "replace"):
                    parent[last] = copy.deepcopy(op["value"])
                elif op["op"] == "remove":
                    del parent[last]
                elif op["op"] == "test":
                    assert parent[last] == op["value"]
                else:
                    raise UnsupportedKustomization(f"{where}: JSON 6902 op {op['op']!r} is not supported here")
        except (KeyError, IndexError, ValueError, TypeError, AssertionError) as error:
            raise UnsupportedKustomization(f"{where}: {op['op']} {op['path']} does not apply ({error!r})") from None
    return out


def _env_file_pairs(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def bundle(directory: Path) -> list[Doc]:
    """The objects `kubectl apply -k <directory>` creates, as far as these tests need them:
    resources, strategic-merge patches, generated ConfigMaps (without hash suffixes)."""
    directory = directory.resolve()
    kfile = kustomization_file(directory)
    if kfile is None:  # no kustomization at all: every manifest file
        return [Doc(p, d) for p in manifest_files() for d in yaml_documents(p)]
    k = yaml.safe_load(kfile.read_text()) or {}
    docs: list[Doc] = []
    for resource in kustomization_resources(directory):
        if resource.is_dir():
            docs += bundle(resource)
        elif resource.is_file():
            docs += [Doc(resource, d) for d in yaml_documents(resource)]
        else:
            raise UnsupportedKustomization(f"{rel(kfile)}: resource {resource} does not exist (remote bases are not checked)")
    for generator in k.get("configMapGenerator") or []:
        data: dict[str, str] = {}
        for env_file in list(generator.get("envs") or []) + ([generator["env"]] if generator.get("env") else []):
            data.update(_env_file_pairs(directory / env_file))
        for literal in generator.get("literals") or []:
            key, _, value = literal.partition("=")
            data[key] = value
        for entry in generator.get("files") or []:
            key, _, path = entry.rpartition("=")
            data[key or Path(path).name] = (directory / path).read_text()
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data}
        existing = [d for d in docs if d.kind == "ConfigMap" and d.name == generator["name"]]
        if generator.get("behavior") in ("merge", "replace") and existing:
            existing[0].body = _smp_merge(existing[0].body, body) if generator["behavior"] == "merge" else body
            existing[0].derived = True
        else:
            docs.append(Doc(kfile, body, derived=True))
    patches: list[tuple[str, Any, dict | None]] = []
    for p in k.get("patchesStrategicMerge") or []:
        patches += [(p, d, None) for d in yaml_documents(directory / p)]
    for entry in (k.get("patches") or []) + (k.get("patchesJson6902") or []):
        text = (directory / entry["path"]).read_text() if entry.get("path") else entry.get("patch") or ""
        patches += [(entry.get("path") or "inline patch", d, entry.get("target")) for d in yaml.safe_load_all(text) if d]
    for where, patch, target in patches:
        if isinstance(patch, list):  # JSON 6902: needs a target
            if not target:
                raise UnsupportedKustomization(f"{rel(kfile)}: {where} is a JSON 6902 patch without a target")
            matches = [d for d in docs if d.kind == target.get("kind") and d.name == target.get("name")]
        else:
            target = target or {"kind": patch.get("kind"), "name": (patch.get("metadata") or {}).get("name")}
            matches = [d for d in docs if d.kind == target.get("kind") and d.name == target.get("name")]
        if not matches:
            raise UnsupportedKustomization(f"{rel(kfile)}: {where} patches {target.get('kind')}/{target.get('name')}, which is not a resource")
        for doc in matches:
            doc.body = _json6902(doc.body, patch, f"{rel(kfile)}: {where}") if isinstance(patch, list) else _smp_merge(doc.body, patch)
            doc.derived = True
    return docs


# ---- Kubernetes: schemas --------------------------------------------------------------------


@functools.lru_cache
def _kubernetes_schemas():
    import importlib_resources
    import referencing
    from kubernetes_validate import utils

    versions = [v for v in utils.all_versions() if utils.major_minor(v) == KUBERNETES_VERSION]
    assert versions, f"kubernetes-validate ships no schemas for Kubernetes {KUBERNETES_VERSION}: {utils.all_versions()}"
    directory = importlib_resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{versions[-1]}-local-strict"
    definitions = json.loads((directory / "_definitions.json").read_text())
    registry = referencing.Resource.from_contents(definitions) @ referencing.Registry()
    return directory, registry


def _errors(schema: dict, instance: Any, registry=None, prefix: str = "") -> list[str]:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema, registry=registry) if registry is not None else cls(schema)
    found = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in error.absolute_path) or "(root)"
        found.append(f"{prefix}{where}: {error.message[:300]}")
    return found


def _kubernetes_schema_file(api_version: str, kind: str) -> str:
    # kubernetes-validate's file names: apps/v1 -> apps-v1, networking.k8s.io/v1 -> networking-v1
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


def kubernetes_schema(api_version: str, kind: str) -> dict | None:
    directory, _ = _kubernetes_schemas()
    file = directory / _kubernetes_schema_file(api_version, kind)
    return json.loads(file.read_text()) if file.is_file() else None


def crd_to_json_schema(node: Any, structural: bool = True) -> Any:
    """A CRD's openAPIV3Schema as JSON Schema, strict as the API server's pruning: an object
    accepts only its declared properties unless it sets x-kubernetes-preserve-unknown-fields
    (or additionalProperties, a map). Value-only branches (allOf/anyOf/oneOf/not) are not
    made strict: in a structural schema they cannot declare fields of their own."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: crd_to_json_schema(v) for name, v in value.items()}
        elif key == "items":
            out[key] = crd_to_json_schema(value) if isinstance(value, dict) else [crd_to_json_schema(v) for v in value]
        elif key == "additionalProperties":
            out[key] = crd_to_json_schema(value) if isinstance(value, dict) else value
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [crd_to_json_schema(v, structural=False) for v in value]
        elif key == "not":
            out[key] = crd_to_json_schema(value, structural=False)
        elif key.startswith("x-kubernetes-") or key in ("nullable", "format", "default", "description", "example", "externalDocs"):
            continue  # handled below, or annotations only (formats are not checked)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if (structural and out.get("type") == "object" and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@functools.lru_cache
def vendored_crds() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> JSON Schema, for every served version of every CRD in deploy/schemas."""
    found = {}
    for path in sorted(SCHEMAS.rglob("*.yaml")):
        for crd in yaml_documents(path):
            if crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                schema = crd_to_json_schema(version["schema"]["openAPIV3Schema"])
                schema["properties"]["metadata"] = {"type": "object"}  # checked as ObjectMeta instead
                schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                found[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = schema
    return found


def schema_errors(doc: dict) -> list[str]:
    """Strict schema errors of one object: Kubernetes' own kinds, then the vendored CRDs."""
    api_version, kind = doc.get("apiVersion", ""), doc.get("kind", "")
    directory, registry = _kubernetes_schemas()
    builtin = kubernetes_schema(api_version, kind)
    if builtin is not None:
        return _errors(builtin, doc, registry)
    crd = vendored_crds().get((api_version, kind))
    if crd is None:
        served = sorted(v for v, k in vendored_crds() if k == kind)
        hint = f" (deploy/schemas serves {kind} as {', '.join(served)})" if served else ""
        return [f"(root): no schema for {api_version} {kind} in Kubernetes {KUBERNETES_VERSION} nor deploy/schemas{hint}"]
    meta = json.loads((directory / "objectmeta-meta-v1.json").read_text())
    return _errors(crd, doc) + _errors(meta, doc.get("metadata") or {}, registry, prefix="metadata.")


# ---- Kubernetes: pods and the environment of a container ------------------------------------


def pod_spec(doc: dict) -> dict | None:
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec")
    if kind in POD_KINDS:
        return (spec.get("template") or {}).get("spec")
    return None


def pod_containers(doc: dict) -> list[dict]:
    spec = pod_spec(doc) or {}
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def _dummy_secret(name: str) -> str:
    if name.upper().endswith("DATABASE_URL"):
        service = name.split("_", 1)[0].lower()
        return f"postgresql://{service}:{secrets.token_hex(16)}@{service}-db-rw.memberspace:5432/{service}"
    return f"k{secrets.token_hex(2)}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@dataclass
class ContainerEnv:
    values: dict[str, str] = field(default_factory=dict)
    # name -> "secret" | "optional-secret" | "configmap:<name>" | "value" | "field"
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _expand(value: str, env: dict[str, str]) -> str:
    # Kubernetes' $(VAR) expansion of env values from earlier variables; $$ escapes.
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), value)


def kubernetes_env(docs: list[Doc], container: dict, optional_secrets: bool = True) -> ContainerEnv:
    """Exactly the variables Kubernetes gives this container: envFrom ConfigMaps resolved from
    ``docs``, env values, secretKeyRefs as strong dummy values (dropped when optional and
    ``optional_secrets`` is False: the Secret may not exist)."""
    configmaps = {d.name: d.body for d in docs if d.kind == "ConfigMap"}
    out = ContainerEnv()
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            ref = source["configMapRef"]
            cm = configmaps.get(ref.get("name"))
            if cm is None:
                if not ref.get("optional"):
                    out.problems.append(f"envFrom ConfigMap {ref.get('name')!r} is not declared by any manifest")
                continue
            for key, value in (cm.get("data") or {}).items():
                out.values[prefix + key] = str(value)
                out.sources[prefix + key] = f"configmap:{ref['name']}"
        elif "secretRef" in source:
            out.problems.append(f"envFrom Secret {source['secretRef'].get('name')!r}: its keys cannot be known offline; use env[].valueFrom.secretKeyRef")
    for var in container.get("env") or []:
        name = var["name"]
        if "value" in var:
            out.values[name] = _expand(str(var["value"]), out.values)
            out.sources[name] = "value"
            continue
        source = var.get("valueFrom") or {}
        if "secretKeyRef" in source:
            optional = bool(source["secretKeyRef"].get("optional"))
            if optional and not optional_secrets:
                out.values.pop(name, None)
                out.sources.pop(name, None)
                continue
            out.values[name] = _dummy_secret(name)
            out.sources[name] = "optional-secret" if optional else "secret"
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            cm = configmaps.get(ref.get("name"))
            value = None if cm is None else (cm.get("data") or {}).get(ref.get("key"))
            if value is None:
                if not ref.get("optional"):
                    out.problems.append(f"{name}: ConfigMap key {ref.get('name')}/{ref.get('key')} is not declared")
                continue
            out.values[name] = str(value)
            out.sources[name] = f"configmap:{ref['name']}"
        else:  # fieldRef / resourceFieldRef: filled in by the kubelet
            out.values[name] = "from-the-pod"
            out.sources[name] = "field"
    return out


@dataclass
class Mount:
    path: str
    writable: bool
    volume: str


_READ_ONLY_VOLUMES = ("secret", "configMap", "downwardAPI", "projected")


def kubernetes_mounts(doc: dict, container: dict) -> list[Mount]:
    volumes = {v["name"]: v for v in (pod_spec(doc) or {}).get("volumes") or []}
    mounts = []
    for m in container.get("volumeMounts") or []:
        volume = volumes.get(m["name"], {})
        kind = next((k for k in volume if k != "name"), "missing")
        writable = not m.get("readOnly") and kind not in _READ_ONLY_VOLUMES and kind != "missing"
        mounts.append(Mount(m["mountPath"], writable, f"{m['name']} ({kind})"))
    return mounts


def covering_mount(path: str, mounts: list[Mount]) -> Mount | None:
    target = PurePosixPath(path)
    best = None
    for mount in mounts:
        mp = PurePosixPath(mount.path)
        if (target == mp or mp in target.parents) and (best is None or len(mount.path) > len(best.path)):
            best = mount
    return best


# ---- commands, services and their settings ---------------------------------------------------


def service_process(command: list[str] | None) -> tuple[str, str] | None:
    """``python -m identity api`` -> ("identity", "api") when identity.settings has a settings class."""
    words = [str(w) for w in command or []]
    if len(words) >= 3 and PurePosixPath(words[0]).name.startswith("python") and words[1] == "-m":
        service = words[2].split(".")[0]
        if words[2] == service and settings_class(service) is not None:
            return service, words[3] if len(words) > 3 else ""
    return None


def container_command(container: dict) -> list[str]:
    return [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]


@functools.lru_cache
def settings_class(service: str):
    from ms_platform.settings import ServiceSettings

    try:
        module = importlib.import_module(f"{service}.settings")
    except ModuleNotFoundError:
        return None
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, ServiceSettings) and c is not ServiceSettings and c.__module__ == module.__name__]
    assert len(found) <= 1, f"{service}.settings defines several settings classes: {found}"
    return found[0] if found else None


def services() -> list[str]:
    """Every service of the repository: services/<name> with a settings class."""
    return sorted(p.name for p in (ROOT / "services").iterdir() if p.is_dir() and settings_class(p.name))


def env_names(cls, name: str) -> list[str]:
    """The environment variables a settings field is read from (upper case)."""
    from pydantic import AliasChoices

    alias = cls.model_fields[name].validation_alias
    if isinstance(alias, str):
        return [alias.upper()]
    if isinstance(alias, AliasChoices):
        return [c.upper() for c in alias.choices if isinstance(c, str)]
    return [(cls.model_config.get("env_prefix", "") + name).upper()]


def load_settings(cls, env: dict[str, str], monkeypatch):
    """The settings a process started with exactly ``env`` gets: no other variable, no .env file."""
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return cls(_env_file=None, _secrets_dir=None)


def secret_fields(cls) -> list[str]:
    from pydantic import SecretStr

    return [name for name, f in cls.model_fields.items()
            if SecretStr in (getattr(f.annotation, "__args__", ()) or (f.annotation,))]


def path_fields(cls) -> list[str]:
    return [name for name, f in cls.model_fields.items()
            if Path in (getattr(f.annotation, "__args__", ()) or (f.annotation,))]


def secrets_required_in_production(cls, monkeypatch) -> dict[str, list[str]]:
    """Secret fields whose absence makes the settings insecure outside local development:
    field -> its variables. Found by the class's own insecure_reasons(), given every secret
    but one (loaded as local, so that no other reason stops the load)."""
    prefix = cls.model_config.get("env_prefix", "")
    base = {"MS_ENVIRONMENT": "local", f"{prefix}DATABASE_URL": _dummy_secret(f"{prefix}DATABASE_URL")}
    every = {name: _dummy_secret(env_names(cls, name)[0]) for name in secret_fields(cls)}
    with_all = set(load_settings(cls, base | {env_names(cls, n)[0]: v for n, v in every.items()}, monkeypatch).insecure_reasons())
    required = {}
    for name in every:
        env = base | {env_names(cls, n)[0]: v for n, v in every.items() if n != name}
        if set(load_settings(cls, env, monkeypatch).insecure_reasons()) - with_all:
            required[name] = env_names(cls, name)
    return required


def loopback_defaults(settings) -> list[str]:
    """Fields left at a default that points at 127.0.0.1/localhost (another process, unset)."""
    found = []
    for name, f in type(settings).model_fields.items():
        default = f.get_default(call_default_factory=False)
        text = json.dumps(default, default=str) if default is not None else ""
        if re.search(r"127\.0\.0\.1|localhost", text) and getattr(settings, name) == default:
            found.append(name)
    return found


# ---- Compose: the reference loader ------------------------------------------------------------


def go_binary() -> str:
    found = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").is_file() else None)
    assert found, ("Go is needed by tests/deploy to load docker-compose.yml with compose-go "
                   "(tools/composecheck): install Go (e.g. Debian's golang-go, or /usr/local/go)")
    return found


def go_env() -> dict[str, str]:
    go_root = VAR / "go"
    return {
        **os.environ,
        "GOPATH": str(go_root),
        "GOCACHE": str(go_root / "cache"),
        "GOMODCACHE": str(go_root / "pkg" / "mod"),
        "GOFLAGS": "-modcacherw -mod=readonly",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }


@functools.lru_cache
def composecheck_binary() -> Path:
    """tools/composecheck built into var/bin (go build is cached under var/go: fast after the first time)."""
    binary = VAR / "bin" / "composecheck"
    binary.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([go_binary(), "build", "-o", str(binary), "."], cwd=COMPOSECHECK,
                            env=go_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"go build of tools/composecheck failed:\n{result.stderr}"
    return binary


def run_composecheck(compose_file: Path = COMPOSE, env_file: Path = ENV_EXAMPLE) -> subprocess.CompletedProcess:
    return subprocess.run([str(composecheck_binary()), str(compose_file), str(env_file)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={"PATH": os.environ.get("PATH", "")})


@functools.lru_cache
def compose_project() -> dict:
    """docker-compose.yml normalized by compose-go with deploy/docker/.env.example."""
    result = run_composecheck()
    assert result.returncode == 0, f"compose-go refuses docker-compose.yml:\n{result.stderr}"
    return json.loads(result.stdout)


def compose_raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def compose_service_processes() -> dict[str, tuple[str, str]]:
    """Compose service -> (service, process) for those running ``python -m <svc> ...`` (from
    the file itself, so that the tests are collected even where Go is missing)."""
    found = {}
    for name, spec in (compose_raw().get("services") or {}).items():
        sp = service_process(spec.get("command") if isinstance(spec.get("command"), list) else
                             str(spec.get("command") or "").split())
        if sp:
            found[name] = sp
    return found


def compose_mounts(spec: dict) -> list[Mount]:
    mounts = []
    for v in spec.get("volumes") or []:
        mounts.append(Mount(v["target"], not v.get("read_only"), f"{v.get('source')} ({v.get('type')})"))
    for t in spec.get("tmpfs") or []:
        mounts.append(Mount(str(t).split(":")[0], True, "tmpfs"))
    return mounts


def iter_pods() -> Iterator[tuple[Path, Doc, dict]]:
    """(kustomization root, workload, container) for every container of every root's bundle."""
    for root in roots():
        for doc in bundle(root):
            for container in pod_containers(doc.body):
                yield root, doc, container
