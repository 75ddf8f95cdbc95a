"""Log lines always name their service and process; traces go where the OTLP specification says."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import structlog

from ms_platform.observability import configure_logging, otlp_traces_url, tracer_provider


@pytest.fixture
def logging_configured_here():
    """structlog's configuration is global: the other tests get back the one they had."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
    structlog.contextvars.clear_contextvars()


def test_every_line_names_its_service_and_process_even_after_a_request_cleared_the_context(capsys,
                                                                                            logging_configured_here):
    configure_logging("contracts", "INFO", process="worker")
    structlog.get_logger().info("first")
    structlog.contextvars.clear_contextvars()  # what the request middleware does at each request
    structlog.contextvars.bind_contextvars(request_id="r-1")
    structlog.get_logger().info("second")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["service"], line["process"]) for line in lines] == [("contracts", "worker")] * 2
    assert lines[1]["request_id"] == "r-1"


def test_the_otlp_endpoint_is_a_base_url_and_traces_are_posted_under_v1_traces():
    paths: list[str] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            paths.append(self.path)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        provider = tracer_provider("identity", f"http://127.0.0.1:{server.server_port}/", process="api")
        with provider.get_tracer("test").start_as_current_span("span"):
            pass
        provider.force_flush(5000)
        provider.shutdown()
    finally:
        server.shutdown()
    assert paths == ["/v1/traces"]
    assert otlp_traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
