"""The published AsyncAPI document (libs/events/schemas/asyncapi.json, written by ms_deploy generate):
valid for the AsyncAPI Initiative's own parser (@asyncapi/parser, tools/asyncapi-check), in step
with the declarations, and naming the brokers and the host its $ids are served from."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from ms_deploy import declaration, kafka
from ms_events.catalogue import SCHEMA_BASE, is_private, public_topics

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "libs" / "events" / "schemas"
DOCUMENT = PUBLISHED / "asyncapi.json"
CHECKER = ROOT / "tools" / "asyncapi-check"


def check(path: Path) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "Node.js 20 is needed for the AsyncAPI checker"
    assert (CHECKER / "node_modules" / "@asyncapi" / "parser").is_dir(), \
        "the AsyncAPI checker is not installed: deploy/local/bin/install (npm ci --prefix tools/asyncapi-check)"
    return subprocess.run([node, str(CHECKER / "check.mjs"), str(path)], capture_output=True, text=True, timeout=120)


def test_the_asyncapi_parser_finds_the_published_document_valid():
    result = check(DOCUMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error:" not in result.stdout
    assert "valid AsyncAPI 3.0.0" in result.stdout


def _receive(document: dict) -> dict:
    return next(op for op in document["operations"].values() if op["action"] == "receive")


def _dangling_channel(document: dict, _: Path) -> None:
    _receive(document)["channel"] = {"$ref": "#/channels/no.such.topic.v1"}


def _asyncapi_2_action(document: dict, _: Path) -> None:
    _receive(document)["action"] = "subscribe"


def _missing_data_schema(_: dict, directory: Path) -> None:
    (directory / "AccountCreated.v2.json").unlink()


def _malformed_binding(document: dict, _: Path) -> None:
    _receive(document)["bindings"]["kafka"]["groupId"] = {"type": "strin"}


@pytest.mark.parametrize(("breakage", "reported"), [
    (_dangling_channel, "no.such.topic.v1"),
    (_asyncapi_2_action, "action"),
    (_missing_data_schema, "AccountCreated.v2.json"),
    (_malformed_binding, "groupId"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_the_asyncapi_parser_rejects_a_broken_document(tmp_path, breakage, reported):
    """The check is real: each breakage alone fails it, with an error that names the place."""
    for name in PUBLISHED.glob("*.json"):
        shutil.copy(name, tmp_path / name.name)
    document = json.loads(DOCUMENT.read_text())
    breakage(document, tmp_path)
    (tmp_path / "asyncapi.json").write_text(json.dumps(document))
    result = check(tmp_path / "asyncapi.json")
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert any(reported in line for line in errors), result.stdout


def test_every_declared_consumer_has_its_receive_operation_and_every_topic_its_send():
    document = json.loads(DOCUMENT.read_text())
    operations = document["operations"]
    platform = declaration.load()
    # Private topics (notify's identity.secret.v1...) are in the internal document only.
    expected_receives = {(svc.name, topic) for svc in platform.services for topic in svc.consumes
                         if not is_private(topic)}
    receives = {(op["x-service"], op["channel"]["$ref"].removeprefix("#/channels/"))
                for op in operations.values() if op["action"] == "receive"}
    assert receives == expected_receives
    sends = {(op["x-service"], op["channel"]["$ref"].removeprefix("#/channels/"))
             for op in operations.values() if op["action"] == "send" and "deadLetters" not in op["channel"]["$ref"]}
    assert sends == {(owner, topic) for topic, owner in kafka.catalogue_topics().items() if not is_private(topic)}
    assert sorted(t for t in document["channels"] if t != "deadLetters") == public_topics()


def test_the_internal_document_of_the_private_topics_is_valid_too():
    result = check(PUBLISHED / "internal" / "asyncapi.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid AsyncAPI 3.0.0" in result.stdout


def test_the_servers_are_the_local_broker_and_the_strimzi_tls_bootstrap():
    servers = json.loads(DOCUMENT.read_text())["servers"]
    platform = declaration.load()
    assert servers["local"]["host"] == kafka.LOCAL_BROKER
    assert servers["production"]["host"] == f"{kafka.CLUSTER}-kafka-bootstrap.{platform.namespace}.svc:{kafka.TLS_PORT}"
    k8s = (ROOT / "deploy" / "k8s" / "base" / "kafka.yaml").read_text()
    assert f"port: {kafka.TLS_PORT}" in k8s and "type: scram-sha-512" in k8s


def test_the_ids_name_the_production_api_host_whose_gateway_serves_them():
    production = tomllib.loads((ROOT / "deploy" / "platform.toml").read_text())["environments"]["production"]
    assert SCHEMA_BASE == f"https://{production['api_host']}/schemas/"
    for conf in ("deploy/gateway/nginx.conf.template", "deploy/docker/nginx.conf", "deploy/k8s/base/gateway-nginx.conf"):
        assert "location ~ ^/schemas/" in (ROOT / conf).read_text(), conf
    assert "COPY libs/events/schemas/*.json /usr/share/nginx/schemas/" in \
        (ROOT / "deploy" / "docker" / "gateway.Dockerfile").read_text()


@pytest.mark.parametrize("name", sorted(p.name for p in PUBLISHED.glob("*.json")))
def test_every_published_document_names_its_url_under_the_schema_base(name):
    document = json.loads((PUBLISHED / name).read_text())
    assert (document.get("$id") or document.get("id")) == SCHEMA_BASE + name
