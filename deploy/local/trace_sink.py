"""Trace sink of the local stack, as the mail sink is for mail: an OTLP/HTTP receiver that keeps
every span it receives.

Listens on TRACE_SINK_HOST:TRACE_SINK_PORT (default 127.0.0.1:4318, OTLP/HTTP's port) for
``POST /v1/traces``, protobuf (``application/x-protobuf``, decoded with opentelemetry-proto's
ExportTraceServiceRequest) or JSON (``application/json``, OTLP's JSON mapping: hex ids),
gzip-compressed or not, and appends each span as one JSON line to TRACE_SINK_DIR/spans.jsonl
(default var/traces/spans.jsonl):

    {"trace_id", "span_id", "parent_id", "name", "kind", "service", "process", "scope",
     "start_ns", "end_ns", "status", "attributes", "events"}

Nothing that could be personal data is kept: attributes that can hold it (query strings,
headers other than the request id, client addresses, user agents, statement parameters, any key
naming a password, token, secret or email) are dropped, URLs lose their query string, any value
that looks like an email address is redacted, and events keep their name and exception type
only (never an exception's message). Services record no statement parameters in the first place.

Logs one JSON line per export request (span count), never a span's content.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest, ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

REPO = Path(__file__).resolve().parents[2]
MAX_BODY = 16 * 1024 * 1024
KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}

# Attributes that may carry personal data or secrets: never kept.
_DROPPED = frozenset({
    "url.query", "http.query", "user_agent.original", "http.user_agent", "client.address", "client.port",
    "net.peer.ip", "net.peer.port", "http.client_ip", "net.sock.peer.addr", "net.sock.peer.port",
    "network.peer.address", "network.peer.port", "db.statement.parameters", "enduser.id",
})
_DROPPED_PREFIXES = ("db.query.parameter.", "http.response.header.")
_KEPT_HEADERS = frozenset({"http.request.header.x-request-id", "http.request.header.x_request_id"})
_SECRET_WORDS = re.compile(r"password|passwd|token|secret|authorization|cookie|email|recipient|phone", re.I)
_URLS = frozenset({"url.full", "http.url", "http.target", "url.path"})
_EMAIL = re.compile(r"[^\s@'\"<>(),;]+@[^\s@'\"<>(),;]+\.[A-Za-z]{2,}")


def log(event: str, **fields: object) -> None:
    record = {"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "event": event,
              "service": "trace-sink", "process": "trace-sink", **fields}
    print(json.dumps(record, separators=(",", ":")), flush=True)


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return getattr(value, kind)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _EMAIL.sub("[redacted]", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def keep_attribute(key: str) -> bool:
    """Whether an attribute may be stored (its value is still cleaned of email addresses)."""
    if key in _KEPT_HEADERS:
        return True
    if key in _DROPPED or key.startswith(_DROPPED_PREFIXES) or key.startswith("http.request.header."):
        return False
    return not _SECRET_WORDS.search(key)


def attributes(pairs: Any) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for kv in pairs:
        if not keep_attribute(kv.key):
            continue
        value = _value(kv.value)
        if kv.key in _URLS and isinstance(value, str):
            value = value.split("?", 1)[0].split("#", 1)[0]
        kept[kv.key] = _clean(value)
    return kept


def span_lines(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """One dict per span of an export request, as stored."""
    lines = []
    for resource_spans in request.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                lines.append({
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_id": span.parent_span_id.hex() or None,
                    "name": span.name,
                    "kind": KINDS.get(span.kind, str(span.kind)),
                    "service": resource.get("service.name"),
                    "process": resource.get("service.instance.role"),
                    "scope": scope_spans.scope.name,
                    "start_ns": span.start_time_unix_nano,
                    "end_ns": span.end_time_unix_nano,
                    "status": STATUS.get(span.status.code, str(span.status.code)),
                    "attributes": attributes(span.attributes),
                    "events": [{"name": e.name, **{kv.key: _value(kv.value) for kv in e.attributes
                                                   if kv.key == "exception.type"}} for e in span.events],
                    "links": [{"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex()} for link in span.links],
                })
    return lines


_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def _hex_ids_to_base64(node: Any) -> None:
    """OTLP/JSON writes ids in hex, where protobuf's JSON mapping of bytes expects base64."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _ID_FIELDS and isinstance(value, str):
                node[key] = base64.b64encode(bytes.fromhex(value)).decode("ascii")
            else:
                _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)


def decode(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    if content_type.startswith("application/json"):
        document = json.loads(body)
        _hex_ids_to_base64(document)
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    else:
        request.ParseFromString(body)
    return request


class Store:
    """spans.jsonl, rotated to spans.jsonl.1 (the one before it dropped) past ``max_bytes``."""

    def __init__(self, directory: Path, max_bytes: int = 50 * 1024 * 1024) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "spans.jsonl"
        self.previous = directory / "spans.jsonl.1"
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def add(self, lines: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n" for line in lines)
        with self._lock:
            if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
                self.path.replace(self.previous)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(text)


def handler_for(store: Store) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            if self.path.split("?", 1)[0] != "/v1/traces":
                self._answer(404, b"", "text/plain")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, b"", "text/plain")
                return
            body = self.rfile.read(length)
            content_type = (self.headers.get("Content-Type") or "application/x-protobuf").lower()
            try:
                if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
                    body = gzip.decompress(body)
                lines = span_lines(decode(body, content_type))
            except Exception as exc:  # a malformed export: refused, the sink goes on
                log("traces.refused", error=type(exc).__name__)
                self._answer(400, b"", "text/plain")
                return
            store.add(lines)
            log("traces.received", spans=len(lines))
            if content_type.startswith("application/json"):
                self._answer(200, b"{}", "application/json")
            else:
                self._answer(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Receiver


def main() -> None:
    host = os.environ.get("TRACE_SINK_HOST", "127.0.0.1")
    port = int(os.environ.get("TRACE_SINK_PORT", "4318"))
    directory = Path(os.environ.get("TRACE_SINK_DIR", REPO / "var" / "traces"))
    try:
        server = ThreadingHTTPServer((host, port), handler_for(Store(directory)))
    except OSError as exc:  # e.g. address already in use
        log("trace_sink.failed", error=str(exc))
        sys.exit(1)
    server.daemon_threads = True

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log("trace_sink.started", address=f"{host}:{port}", path=str(directory / "spans.jsonl"))
    server.serve_forever()
    server.server_close()
    log("trace_sink.stopped")


if __name__ == "__main__":
    main()
