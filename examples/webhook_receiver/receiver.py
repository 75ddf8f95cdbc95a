"""A webhook receiver for the member space's events, as an integrator would write it.

Written only from docs/integrators.md ("Webhooks"): a standard-library HTTP server that checks
every delivery with the ``standardwebhooks`` package (pip install standardwebhooks), the
reference implementation of the Standard Webhooks specification the platform follows.

    WEBHOOK_SECRET=whsec_... python receiver.py --port 8765

For each POST: the signature (``webhook-signature``, HMAC-SHA256 of ``id.timestamp.body``) and
the timestamp (no more than 5 minutes away from now: an old request replayed later is refused)
are verified by the library; a ``webhook-id`` already handled is acknowledged and not handled
again (the platform retries with the same id). Verified events print one JSON line on stdout;
refused requests print their reason on stderr and get 400. WEBHOOK_SECRET may hold several
secrets separated by spaces (during a rotation).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# Ids are remembered a little longer than the 5-minute window; after it the timestamp check refuses.
REMEMBER_S = 600


class SeenIds:
    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, webhook_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            self._seen = {k: t for k, t in self._seen.items() if now - t < REMEMBER_S}
            if webhook_id in self._seen:
                return False
            self._seen[webhook_id] = now
            return True


_OUTPUT = threading.Lock()


def emit(record: dict, stream=None) -> None:
    """One JSON line, written whole (requests are handled on several threads)."""
    stream = stream or sys.stdout
    with _OUTPUT:
        stream.write(json.dumps(record) + "\n")
        stream.flush()


def verify(verifiers: list[Webhook], body: bytes, headers: dict[str, str]) -> dict:
    """The event, when one of the secrets verifies the request; raises otherwise."""
    error: Exception = WebhookVerificationError("no secret")
    for verifier in verifiers:
        try:
            return verifier.verify(body, headers)
        except WebhookVerificationError as exc:
            error = exc
    raise error


def make_handler(verifiers: list[Webhook], seen: SeenIds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                event = verify(verifiers, body, headers)
            except (WebhookVerificationError, ValueError) as exc:
                emit({"refused": str(exc), "webhook_id": headers.get("webhook-id")}, sys.stderr)
                return self._answer(400)
            if not seen.first_time(headers["webhook-id"]):
                emit({"duplicate": headers["webhook-id"]})
                return self._answer(204)  # acknowledged, so the platform stops retrying
            # Handle the event here (store it, with its id, in the same transaction as its effect).
            emit({"webhook_id": headers["webhook-id"], "id": event["id"], "type": event["type"],
                  "subject": event.get("subject"), "data": event["data"]})
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    secrets = os.environ.get("WEBHOOK_SECRET", "").split()
    if not secrets:
        raise SystemExit("WEBHOOK_SECRET is not set (the whsec_... secret shown when the subscription was made)")
    server = ThreadingHTTPServer((args.host, args.port), make_handler([Webhook(s) for s in secrets], SeenIds()))
    emit({"ready": f"http://{args.host}:{server.server_address[1]}/"})
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
