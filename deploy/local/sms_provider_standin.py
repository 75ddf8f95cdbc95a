"""Local stand-in for the SMS provider: the provider's HTTP API, keeping each SMS as a JSON file.

The machines running the local stack cannot reach a real SMS provider, so this small
server speaks the API notify's SMS adapter uses and writes every accepted message to
``$SMS_OUTBOX`` (default ``<repo>/var/sms``), one JSON file per message:

    POST /v1/messages   Authorization: Bearer <key>
         {"to": "+33612345678", "text": "...", "reference": "...", "sender": "MUTUELLE"}
      → 202 {"id": "<provider id>", "status": "accepted", "segments": 1}
    GET  /health        → 200 {"status": "ok"}

The key is ``$SMS_STANDIN_KEY``, else ``$NOTIFY_SMS_PROVIDER_KEY``, else notify's local
default. It does not deduplicate on ``reference``: a message sent twice is kept twice,
so duplicates stay visible. Run: ``.venv/bin/python deploy/local/sms_provider_standin.py``
(``SMS_STANDIN_HOST``/``SMS_STANDIN_PORT``, default 127.0.0.1:8090).
"""

from __future__ import annotations

import hmac
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_KEY = "local-sms-standin-key"  # notify's default for local and test environments

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


class SmsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(pattern=r"^\+?[0-9 .]{8,20}$")
    text: str = Field(min_length=1, max_length=1530)
    reference: str = Field(min_length=1, max_length=200)
    sender: str | None = Field(None, max_length=11)


def segments(text: str) -> tuple[str, int]:
    """The encoding an SMS needs (GSM-7 or UCS-2) and how many parts it takes."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return "GSM-7", 1 if units <= 160 else -(-units // 153)
    return "UCS-2", 1 if len(text) <= 70 else -(-len(text) // 67)


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"title": title, "status": status, "detail": detail}, status_code=status,
                        media_type="application/problem+json")


def create_app(outbox: Path, key: str) -> FastAPI:
    app = FastAPI(title="SMS provider stand-in", docs_url=None, redoc_url=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return _problem(400, "Invalid message", f"invalid fields: {fields}")

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.post("/v1/messages", status_code=202)
    async def send(message: SmsIn, authorization: str = Header("")) -> JSONResponse:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), key.encode()):
            return _problem(401, "Unauthorized", "a valid API key is required")
        encoding, parts = segments(message.text)
        received = datetime.now(UTC)
        provider_id = uuid.uuid4().hex
        record = {"id": provider_id, **message.model_dump(), "encoding": encoding, "segments": parts,
                  "received_at": received.isoformat()}
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{received.strftime('%Y%m%dT%H%M%S%f')}-{provider_id}.json"
        tmp = outbox / f".{name}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1))
        os.replace(tmp, outbox / name)
        return JSONResponse({"id": provider_id, "status": "accepted", "segments": parts}, status_code=202)

    return app


def settings_from_env() -> tuple[Path, str, str, int]:
    outbox = Path(os.environ.get("SMS_OUTBOX") or ROOT / "var" / "sms")
    key = os.environ.get("SMS_STANDIN_KEY") or os.environ.get("NOTIFY_SMS_PROVIDER_KEY") or DEFAULT_KEY
    host = os.environ.get("SMS_STANDIN_HOST", "127.0.0.1")
    port = int(os.environ.get("SMS_STANDIN_PORT", "8090"))
    return outbox, key, host, port


def main() -> None:
    import uvicorn

    outbox, key, host, port = settings_from_env()
    uvicorn.run(create_app(outbox, key), host=host, port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
