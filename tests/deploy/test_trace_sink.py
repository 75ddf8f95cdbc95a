"""The local trace sink: OTLP/HTTP protobuf and JSON in, one JSON line per span out, nothing
personal kept; and every local process is told where it is."""

from __future__ import annotations

import gzip
import importlib.util
import json
import threading
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from ms_deploy.declaration import load
from ms_deploy.local import local_env, procfile

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("trace_sink", ROOT / "deploy" / "local" / "trace_sink.py")
sink = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sink)


def serve(tmp_path: Path):
    store = sink.Store(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), sink.handler_for(store))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, store.path


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_spans_from_the_sdk_exporter_are_kept_as_json_lines_with_their_tree_and_no_personal_data(tmp_path):
    server, path = serve(tmp_path)
    try:
        provider = TracerProvider(resource=Resource.create({"service.name": "identity",
                                                            "service.instance.role": "api"}))
        provider.add_span_processor(SimpleSpanProcessor(
            OTLPSpanExporter(endpoint=f"http://127.0.0.1:{server.server_port}/v1/traces")))
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("POST /v1/accounts", kind=SpanKind.SERVER, attributes={
            "http.url": "http://gw/v1/accounts?email=claire%40example.org&token=abc",
            "http.request.header.x-request-id": ("req-1",), "http.request.header.authorization": ("Bearer x",),
            "user_agent.original": "curl", "client.address": "10.0.0.1",
        }) as parent:
            with tracer.start_as_current_span("insert", kind=SpanKind.CLIENT, attributes={
                "db.statement": "insert into account (email) values ($1) -- claire.martin@example.org",
                "db.statement.parameters": "('claire.martin@example.org',)", "password_hash": "x",
            }):
                pass
        provider.shutdown()
    finally:
        server.shutdown()
    child, root = read(path)
    assert (root["name"], root["kind"], root["service"], root["process"]) == ("POST /v1/accounts", "SERVER", "identity", "api")
    assert child["parent_id"] == root["span_id"] == format(parent.get_span_context().span_id, "016x")
    assert child["trace_id"] == root["trace_id"] and root["parent_id"] is None
    assert root["attributes"] == {"http.url": "http://gw/v1/accounts", "http.request.header.x-request-id": ["req-1"]}
    assert child["attributes"] == {"db.statement": "insert into account (email) values ($1) -- [redacted]"}
    assert root["end_ns"] >= root["start_ns"] > 0


def test_otlp_json_with_hex_ids_and_gzip_is_accepted_too(tmp_path):
    server, path = serve(tmp_path)
    body = {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "notify"}}]},
        "scopeSpans": [{"scope": {"name": "notify.smtp"}, "spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "parentSpanId": "eee19b7ec3c1b173", "name": "smtp send", "kind": 3,
            "startTimeUnixNano": "1544712660000000000", "endTimeUnixNano": "1544712661000000000",
            "attributes": [{"key": "server.port", "value": {"intValue": "1025"}}],
            "events": [{"name": "exception", "attributes": [
                {"key": "exception.type", "value": {"stringValue": "SMTPRecipientsRefused"}},
                {"key": "exception.message", "value": {"stringValue": "550 claire@example.org unknown"}}]}],
        }]}],
    }]}
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.server_port}/v1/traces", data=gzip.compress(json.dumps(body).encode()),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 200
        bad = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/v1/traces", data=b"\xff\x00garbage",
                                     headers={"Content-Type": "application/x-protobuf"})
        try:
            urllib.request.urlopen(bad)
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
    finally:
        server.shutdown()
    [span] = read(path)
    assert (span["trace_id"], span["span_id"], span["parent_id"]) == (
        "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "eee19b7ec3c1b173")
    assert (span["name"], span["kind"], span["service"], span["attributes"]) == (
        "smtp send", "CLIENT", "notify", {"server.port": 1025})
    assert span["events"] == [{"name": "exception", "exception.type": "SMTPRecipientsRefused"}]


def test_the_sink_is_local_infrastructure_and_every_local_process_exports_to_it():
    platform = load(ROOT)
    assert "trace-sink: .venv/bin/python deploy/local/trace_sink.py" in procfile(platform).splitlines()
    env = {key: value for key, value, _ in local_env(platform, ROOT)}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"


def test_the_span_file_is_rotated_past_its_size_keeping_the_one_before(tmp_path):
    store = sink.Store(tmp_path, max_bytes=200)
    for i in range(20):
        store.add([{"trace_id": f"{i:032x}", "name": "span"}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spans.jsonl", "spans.jsonl.1"]
    kept = read(store.previous) + read(store.path)
    assert kept[-1]["trace_id"] == f"{19:032x}" and store.path.stat().st_size <= 200 + 100
    assert [int(s["trace_id"], 16) for s in kept] == list(range(20 - len(kept), 20))
