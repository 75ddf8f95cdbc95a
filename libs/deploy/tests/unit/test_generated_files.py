"""The committed deployment files are exactly what the declarations generate."""

from __future__ import annotations

import json

import pytest
import yaml

from ms_deploy import declaration, generate, kafka, local
from ms_deploy.declaration import DeclarationError

PLATFORM = declaration.load()
FILES = generate.files(PLATFORM)


@pytest.mark.parametrize("path", sorted(FILES))
def test_the_committed_file_is_what_make_generate_writes(path):
    committed = declaration.ROOT / path
    assert committed.exists(), f"{path} missing: run make generate"
    assert committed.read_text() == FILES[path], f"{path} edited by hand or stale: run make generate"


def test_every_declared_service_has_its_processes_in_the_procfile():
    procfile = FILES["deploy/local/Procfile"]
    for svc in PLATFORM.services:
        for kind in svc.processes:
            probe = "" if kind == "api" else (
                f"env {svc.prefix}_PROBE_HOST=127.0.0.1 {svc.prefix}_PROBE_PORT={local.metrics_port(svc, kind)} ")
            assert f"{svc.name}-{kind}: {probe}.venv/bin/python -m {svc.name} {kind}\n" in procfile


def test_the_local_prometheus_scrapes_every_process_on_its_own_port_once():
    config = yaml.safe_load(FILES["deploy/local/prometheus.yml"])
    targets = [t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]]
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs == {f"{s.name}-{k}" for s in PLATFORM.services for k in s.processes}
    assert len(targets) == len(set(targets)) == len(jobs)
    assert config["rule_files"] == ["../prometheus/rules.yml"]


def test_the_gateway_routes_every_declared_prefix_to_its_service_in_both_configurations():
    for path in ("deploy/gateway/nginx.conf.template", "deploy/docker/nginx.conf"):
        conf = FILES[path]
        for svc in PLATFORM.services:
            assert f"location = /openapi/{svc.name}.json" in conf
            for prefix in svc.prefixes:
                assert prefix.removeprefix("/v1/") in conf
            for lim in svc.limited:
                assert f"location ~ ^{lim.prefix}(/|$)" in conf
                assert f"limit_req zone={lim.zone} burst={lim.burst} nodelay;" in conf


def test_the_bench_route_exists_only_in_the_local_gateway():
    assert "/bench/hello" in FILES["deploy/gateway/nginx.conf.template"]
    assert "/bench/hello" not in FILES["deploy/docker/nginx.conf"]


def test_the_gateway_sets_the_client_address_itself_instead_of_appending_to_the_clients():
    for path in ("deploy/gateway/nginx.conf.template", "deploy/docker/nginx.conf"):
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in FILES[path]
        assert "proxy_add_x_forwarded_for" not in FILES[path]


def test_every_catalogue_topic_and_its_dead_letter_topic_is_a_kafka_topic_resource():
    docs = list(yaml.safe_load_all(FILES["deploy/k8s/base/kafka.yaml"]))
    names = {d["spec"]["topicName"] for d in docs if d["kind"] == "KafkaTopic"}
    for topic in kafka.catalogue_topics():
        assert {topic, f"{topic}.dlq"} <= names


def test_a_service_principal_may_read_only_what_its_worker_consumes():
    docs = list(yaml.safe_load_all(FILES["deploy/k8s/base/kafka.yaml"]))
    users = {d["metadata"]["name"]: d for d in docs if d["kind"] == "KafkaUser"}
    assert set(users) == {s.name for s in PLATFORM.services} | {kafka.INTEGRATOR}
    for svc in PLATFORM.services:
        reads = {a["resource"]["name"] for a in users[svc.name]["spec"]["authorization"]["acls"]
                 if "Read" in a["operations"] and a["resource"]["type"] == "topic"}
        assert reads == set(svc.consumes)


def test_identity_asks_every_context_that_exports_personal_data_on_every_target():
    identity = PLATFORM.service("identity")
    for target in ("local", "compose", "kubernetes"):
        env = json.loads(__import__("ms_deploy.targets", fromlist=["x"]).service_env(
            PLATFORM, identity, target)["IDENTITY_PERSONAL_DATA_URLS"])
        assert set(env) == {s.name for s in PLATFORM.services if s.exports_personal_data}


def test_local_settings_give_every_service_a_database_with_its_own_random_password():
    first = {k: v for k, v, _ in local.local_env(PLATFORM, declaration.ROOT)}
    second = {k: v for k, v, _ in local.local_env(PLATFORM, declaration.ROOT)}
    for svc in PLATFORM.services:
        url = first[f"{svc.prefix}_DATABASE_URL"]
        assert url.startswith(f"postgresql://{svc.name}:") and url.endswith(f"/{svc.name}")
        assert url != second[f"{svc.prefix}_DATABASE_URL"]


def test_a_declaration_whose_name_is_not_its_folder_is_refused(tmp_path):
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "service.toml").write_text('name = "claim"\nport = 8009\n[processes.api]\n[processes.relay]\n')
    with pytest.raises(DeclarationError, match="folder"):
        declaration.load_service(folder / "service.toml")


def test_a_setting_outside_the_services_prefix_is_refused(tmp_path):
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "service.toml").write_text(
        'name = "claims"\nport = 8009\n[processes.api]\n[processes.relay]\n[env]\nNOTIFY_X = "1"\n')
    with pytest.raises(DeclarationError, match="CLAIMS_"):
        declaration.load_service(folder / "service.toml")


def test_merging_local_settings_keeps_drawn_passwords_and_follows_declared_values(tmp_path):
    env = tmp_path / "local.env"
    env.write_text("IDENTITY_DATABASE_URL=postgresql://identity:kept@127.0.0.1:5432/identity\n"
                   "IDENTITY_API_PORT=1\nSMTP_HOST=127.0.0.1\n")
    changed = local.merge_local_env(env, PLATFORM, declaration.ROOT)
    text = env.read_text()
    assert "IDENTITY_DATABASE_URL=postgresql://identity:kept@" in text
    assert "IDENTITY_API_PORT=8001\n" in text and "IDENTITY_API_PORT" in changed
    assert "SMTP_HOST=127.0.0.1\n" in text  # not declared by a service: left alone
    assert local.merge_local_env(env, PLATFORM, declaration.ROOT) == []


def _platform_with(tmp_path, old: str, new: str):
    (tmp_path / "deploy").mkdir()
    text = (declaration.ROOT / "deploy" / "platform.toml").read_text()
    assert old in text
    (tmp_path / "deploy" / "platform.toml").write_text(text.replace(old, new))
    return declaration.load(tmp_path)


def test_an_environment_without_its_own_public_url_is_refused(tmp_path):
    with pytest.raises(DeclarationError, match=r"environments.staging.*public_url"):
        _platform_with(tmp_path, 'public_url = "https://espace.staging.memberspace.example"\n', "")


def test_two_environments_sharing_a_host_are_refused(tmp_path):
    with pytest.raises(DeclarationError, match="espace.memberspace.example"):
        _platform_with(tmp_path, "https://espace.staging.memberspace.example", "https://espace.memberspace.example")


def test_hosts_declared_for_the_kubernetes_base_are_refused(tmp_path):
    with pytest.raises(DeclarationError, match="targets.kubernetes"):
        _platform_with(tmp_path, 'forwarded_allow_ips = "*"', 'forwarded_allow_ips = "*"\npublic_url = "https://x.example"')


def test_the_kubernetes_base_names_no_host_of_any_environment_and_each_overlay_adds_its_own():
    from ms_deploy import targets

    base = "".join(v for k, v in FILES.items() if k.startswith("deploy/k8s/base/"))
    for env in PLATFORM.environments:
        own = targets.environment_values(PLATFORM, env)
        assert own["api_host"] not in base and own["public_url"] not in base
        overlay = FILES[f"deploy/k8s/overlays/{env}/kustomization.yaml"]
        assert own["public_url"] in overlay and own["jwks_url"] in overlay
        for svc in PLATFORM.services:
            env_settings = targets.service_env(PLATFORM, svc, "kubernetes", env)
            assert env_settings[f"{svc.prefix}_JWKS_URL"] == own["jwks_url"]


def test_prometheus_in_the_monitoring_namespace_may_scrape_every_annotated_pod_on_its_port():
    docs = [d for path, text in FILES.items() if path.startswith("deploy/k8s/base/") and path.endswith(".yaml")
            for d in yaml.safe_load_all(text) if d]
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    scraped = [d for d in docs if d["kind"] == "Deployment"
               and d["spec"]["template"]["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true"]
    assert scraped
    for deployment in scraped:
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        port = int(deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"])
        allowed = [rule for p in policies
                   if p["spec"]["podSelector"].get("matchLabels", {}).items() <= pod_labels.items()
                   and p["spec"]["podSelector"].get("matchLabels")
                   for rule in p["spec"].get("ingress", [])
                   if any(peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                          == "monitoring" for peer in rule["from"])
                   and any(pp["port"] == port for pp in rule["ports"])]
        assert allowed, deployment["metadata"]["name"]


def test_the_docs_page_lists_every_declared_services_public_document():
    initializer = FILES["deploy/gateway/docs/swagger-initializer.js"]
    for svc in PLATFORM.services:
        assert f'{{ url: "/openapi/{svc.name}.json", name: "{svc.name}" }}' in initializer


def test_every_gateway_serves_the_docs_page_and_swagger_uis_assets_without_a_cdn():
    for path in ("deploy/gateway/nginx.conf.template", "deploy/docker/nginx.conf", "deploy/k8s/base/gateway-nginx.conf"):
        conf = FILES[path]
        assert "location = /docs/ {" in conf and "node_modules/swagger-ui-dist/$1" in conf, path
    page = (declaration.ROOT / "deploy" / "gateway" / "docs" / "index.html").read_text()
    assert "http://" not in page and "https://" not in page
