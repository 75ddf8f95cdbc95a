"""A real HTTP receiver for webhook tests: a threaded stdlib server on 127.0.0.1 (a free port)
that keeps every request it gets and answers from a script (e.g. 500, 500, then 204).

Used by tests/e2e/test_25_webhooks.py and services/webhooks/tests/integration (tests/e2e is on
pytest's pythonpath). It verifies nothing itself: the tests verify what it kept, with the
``standardwebhooks`` library, as an integrator would.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.time() on arrival
    answered: int


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a dispatcher posts a whole batch at once (the default backlog is 5)
    daemon_threads = True


class Receiver:
    def __init__(self, answers: Iterable[int] = (), default: int = 204, delay_s: float = 0.0,
                 answer: Callable[[bytes, list["Received"]], int | None] | None = None) -> None:
        """``answer(body, requests so far)`` decides a request's status when it returns one;
        otherwise the next of ``answers``, then ``default``."""
        self._answer = answer
        self._answers = list(answers)
        # The webhook-ids a test waits for: others (real events of journeys running meanwhile on
        # the shared stack, for the same subscription) get 204 and go to ``strays``.
        self.only: set[str] | None = None
        self.strays: list[str] = []
        self._default = default
        self._delay_s = delay_s
        self._lock = threading.Lock()
        self.requests: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if receiver._delay_s:
                    time.sleep(receiver._delay_s)
                with receiver._lock:
                    webhook_id = self.headers.get("webhook-id", "")
                    if receiver.only is not None and webhook_id not in receiver.only:
                        receiver.strays.append(webhook_id)
                        self.send_response(204)
                        self.send_header("content-length", "0")
                        self.end_headers()
                        return
                    status = receiver._answer(body, list(receiver.requests)) if receiver._answer else None
                    if status is None:
                        status = receiver._answers.pop(0) if receiver._answers else receiver._default
                    receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                      body, time.time(), status))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answered(self, status_class: int) -> list[Received]:
        return [r for r in self.requests if r.answered // 100 == status_class]
