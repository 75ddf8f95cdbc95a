"""Offline checks of the deployment descriptors (docker-compose.yml, deploy/k8s/base/*.yaml)
against the local stack's single lists: deploy/local/services.txt and deploy/local/Procfile.

Unit-level: no Docker engine, no cluster, no server; only files and PyYAML.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s" / "base"
LOCAL = ROOT / "deploy" / "local"
# A setting that holds a secret: its name ends with one of these words (IDENTITY_TOKEN_AUDIENCES
# does not; KAFKA_SASL_PASSWORD and CONTRACTS_SERVICE_SECRET do).
SECRET_WORDS = re.compile(r"(PASSWORD|SECRET|TOKEN|DATABASE_URL|PRIVATE_KEY)S?$", re.IGNORECASE)
ENV_REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")


def services() -> dict[str, int]:
    """Service name -> API port, from deploy/local/services.txt."""
    found = {}
    for line in (LOCAL / "services.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, port = line.split()
            found[name] = int(port)
    return found


def procfile() -> dict[str, str]:
    """Process name -> command, from deploy/local/Procfile."""
    found = {}
    for line in (LOCAL / "Procfile").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def service_processes() -> dict[str, str]:
    """The Procfile lines of services (<svc>-api, <svc>-relay, <svc>-worker)."""
    names = services()
    return {name: cmd for name, cmd in procfile().items() if name.rsplit("-", 1)[0] in names}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def k8s_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def k8s_documents() -> list[dict]:
    docs = []
    for path in k8s_files():
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def k8s_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == kind}


def pod_containers(workload: dict) -> list[dict]:
    return workload["spec"]["template"]["spec"]["containers"]


def module_command(procfile_command: str) -> list[str]:
    """`.venv/bin/python -m identity api` -> ["python", "-m", "identity", "api"]; a leading
    `env NAME=value ...` (the local probe ports of relays and workers) is the environment, not the command."""
    words = procfile_command.split()
    if words[0] == "env":
        words = words[1:]
        while words and "=" in words[0]:
            words = words[1:]
    assert words and words[0].endswith("python"), procfile_command
    return ["python", *words[1:]]


def test_the_service_and_process_lists_are_not_empty():
    assert services(), "deploy/local/services.txt lists no service"
    assert service_processes(), "deploy/local/Procfile has no <service>-<process> line"


@pytest.mark.parametrize("process", sorted(service_processes()))
def test_every_procfile_process_of_a_service_runs_in_compose_with_the_same_command(process):
    services_ = compose()["services"]
    assert process in services_, f"{process} (deploy/local/Procfile) missing from docker-compose.yml"
    assert services_[process]["command"] == module_command(service_processes()[process])


@pytest.mark.parametrize("process", sorted(service_processes()))
def test_every_procfile_process_of_a_service_is_a_kubernetes_deployment_with_the_same_command(process):
    deployments = k8s_kind("Deployment")
    assert process in deployments, f"{process} (deploy/local/Procfile) has no Deployment in deploy/k8s"
    [container] = pod_containers(deployments[process])
    assert [str(w) for w in container["command"]] == module_command(service_processes()[process])


@pytest.mark.parametrize("service", sorted(services()))
def test_every_service_is_migrated_by_a_one_shot_step_in_compose_and_a_job_in_kubernetes(service):
    step = compose()["services"].get(f"{service}-migrate")
    assert step is not None, f"docker-compose.yml has no {service}-migrate step"
    assert step["command"] == ["python", "-m", service, "migrate"]
    assert step.get("restart") == "no"
    job = k8s_kind("Job").get(f"{service}-migrate")
    assert job is not None, f"deploy/k8s has no {service}-migrate Job"
    [container] = pod_containers(job)
    assert [str(w) for w in container["command"]] == ["python", "-m", service, "migrate"]


@pytest.mark.parametrize("service", sorted(services()))
def test_compose_processes_start_only_after_their_migrations(service):
    for name, spec in compose()["services"].items():
        if name in service_processes() and name.startswith(f"{service}-"):
            condition = spec.get("depends_on", {}).get(f"{service}-migrate", {}).get("condition")
            assert condition == "service_completed_successfully", f"{name} does not wait for {service}-migrate"


@pytest.mark.parametrize("service", sorted(services()))
def test_kubernetes_api_probes_point_at_the_health_routes(service):
    [container] = pod_containers(k8s_kind("Deployment")[f"{service}-api"])
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["port"] in ("http", ports.get("http"))
    assert ports["http"] == services()[service]


@pytest.mark.parametrize("service", sorted(services()))
def test_api_ports_match_the_service_list_in_compose_and_kubernetes(service):
    port = services()[service]
    env = compose()["services"][f"{service}-api"]["environment"]
    assert env[f"{service.upper()}_API_PORT"] == str(port)
    assert env[f"{service.upper()}_API_HOST"] == "0.0.0.0"
    [k8s_port] = k8s_kind("Service")[f"{service}-api"]["spec"]["ports"]
    assert k8s_port["port"] == port


def _compose_values(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _compose_values(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _compose_values(value, f"{path}[{i}]")
    else:
        yield path, node


def test_compose_takes_every_password_from_the_uncommitted_env_file():
    for path, value in _compose_values(compose()):
        key = path.rsplit(".", 1)[-1]
        if SECRET_WORDS.search(key) and not key.endswith("_JWKS_URL"):
            text = str(value)
            if "DATABASE_URL" in key.upper():
                assert re.search(r"://[a-z_]+:\$\{[A-Z0-9_]+:\?[^}]*\}@", text), f"{path} embeds a literal password"
            else:
                assert ENV_REFERENCE.match(text), f"{path} is not an env reference: {text!r}"


def test_the_env_example_holds_placeholders_only():
    example = ROOT / "deploy" / "docker" / ".env.example"
    for line in example.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            if SECRET_WORDS.search(key):
                assert value.startswith("change-me"), f"{key} in .env.example is not a placeholder"


def test_no_kubernetes_manifest_carries_a_secret_value():
    for doc in k8s_documents():
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        assert doc["kind"] != "Secret", f"{name}: Secrets are created outside the repository"
        if doc["kind"] == "ConfigMap":
            leaked = [k for k in doc.get("data", {}) if SECRET_WORDS.search(k)]
            assert not leaked, f"{name} holds secret-like keys {leaked}"
        if doc["kind"] in ("Deployment", "Job"):
            for container in pod_containers(doc):
                for var in container.get("env", []):
                    if SECRET_WORDS.search(var["name"]):
                        assert "value" not in var, f"{name}: {var['name']} has a literal value"
                        assert "secretKeyRef" in var["valueFrom"], f"{name}: {var['name']} not from a Secret"


def test_no_descriptor_has_a_password_key_with_a_literal_value():
    files = [COMPOSE, *K8S.glob("*.yaml"), *(ROOT / "deploy" / "docker").glob("*")]
    for path in files:
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = re.match(r"^\s*-?\s*[\w.-]*password[\w.-]*\s*[:=]\s*(\S.*)$", line, re.IGNORECASE)
                if match and not line.lstrip().startswith("#"):
                    value = match.group(1).strip().strip('"')
                    assert value.startswith(("${", "change-me", "$(")) or value in ("", "|"), \
                        f"{path.relative_to(ROOT)}:{number} has a literal password"


@pytest.mark.parametrize("service", sorted(services()))
def test_each_kubernetes_service_reads_its_database_url_from_its_own_cluster_secret(service):
    clusters = k8s_kind("Cluster")
    assert clusters[f"{service}-db"]["spec"]["bootstrap"]["initdb"]["database"] == service
    for doc in k8s_documents():
        if doc["kind"] in ("Deployment", "Job") and doc["metadata"]["name"].startswith(f"{service}-"):
            [container] = pod_containers(doc)
            env = {v["name"]: v for v in container["env"]}
            ref = env[f"{service.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == (f"{service}-db-app", "uri")


def test_every_catalogue_topic_and_its_dead_letter_topic_is_a_kafka_topic_resource():
    from ms_events.topics import all_topics

    declared = {d["spec"]["topicName"] for d in k8s_kind("KafkaTopic").values()}
    assert declared == set(all_topics())
    assert compose()["services"]["topics"]["command"] == ["python", "-m", "ms_events.topics", "ensure"]


def _locations(text: str) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^\s*location\s+([^{]+)\{", text, re.MULTILINE)}


def test_the_compose_gateway_routes_the_same_paths_as_the_local_gateway():
    local = _locations((ROOT / "deploy" / "gateway" / "nginx.conf.template").read_text())
    docker = _locations((ROOT / "deploy" / "docker" / "nginx.conf").read_text())
    bench_only = {loc for loc in local if "bench" in loc}
    assert docker == local - bench_only
    config = (ROOT / "deploy" / "docker" / "nginx.conf").read_text()
    for service, port in services().items():
        assert f"server {service}-api:{port};" in config


def test_every_kubernetes_manifest_is_listed_in_the_kustomization():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in k8s_files())
