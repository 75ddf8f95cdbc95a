"""Local stand-in for the school transport carrier (AS-8): the carrier's HTTP API, keeping each trip
as a JSON file.

The machines running the local stack cannot reach a real carrier, so this small server speaks
the API assistance's carrier adapter uses (services/assistance/src/assistance/adapters/carrier.py)
and writes every trip it accepts to ``$CARRIER_OUTBOX`` (default ``<repo>/var/carrier``), one JSON
file per trip, rewritten with ``"status": "cancelled"`` when it is cancelled:

    POST   /v1/trips        Authorization: Bearer <key>
           {"reference", "child_first_name", "pickup_at", "from": {...}, "to": {...}}
        → 201 {"id": "<carrier id>"}; the same reference again → 200 with the same id
    DELETE /v1/trips/<id>   → 204, 404 for an unknown id
    GET    /health          → 200 {"status": "ok"}

The key is ``$CARRIER_STANDIN_KEY``, else ``$ASSISTANCE_CARRIER_KEY``, else assistance's local
default. Run: ``.venv/bin/python deploy/local/carrier_standin.py`` (``CARRIER_STANDIN_HOST``/
``CARRIER_STANDIN_PORT``, default 127.0.0.1:8091).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_KEY = "local-carrier-standin-key"  # assistance's default for local and test environments


class Place(BaseModel):
    label: str = Field(min_length=1, max_length=60)
    street_number: str | None = Field(None, max_length=10)
    street: str = Field(min_length=1, max_length=120)
    postcode: str = Field(pattern=r"^[0-9]{5}$")
    city: str = Field(min_length=1, max_length=80)


class TripIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=100)
    child_first_name: str = Field(min_length=1, max_length=100)
    pickup_at: datetime
    from_: Place = Field(alias="from")
    to: Place


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"title": title, "status": status, "detail": detail}, status_code=status,
                        media_type="application/problem+json")


def create_app(outbox: Path, key: str) -> FastAPI:
    app = FastAPI(title="Carrier stand-in", docs_url=None, redoc_url=None)

    def authorised(authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), key.encode())

    def path_of(carrier_id: str) -> Path:
        return outbox / f"{carrier_id}.json"

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return _problem(400, "Invalid trip", f"invalid fields: {fields}")

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.post("/v1/trips")
    async def add(trip: TripIn, authorization: str = Header("")) -> JSONResponse:
        if not authorised(authorization):
            return _problem(401, "Unauthorized", "a valid API key is required")
        # The carrier's id derives from the reference: a retried trip is the same trip.
        carrier_id = hashlib.sha256(trip.reference.encode()).hexdigest()[:20]
        outbox.mkdir(parents=True, exist_ok=True)
        if path_of(carrier_id).exists():
            return JSONResponse({"id": carrier_id}, status_code=200)
        record = {"id": carrier_id, **trip.model_dump(mode="json", by_alias=True), "status": "planned",
                  "received_at": datetime.now(UTC).isoformat()}
        _write(path_of(carrier_id), record)
        return JSONResponse({"id": carrier_id}, status_code=201)

    @app.delete("/v1/trips/{carrier_id}")
    async def cancel(carrier_id: str, authorization: str = Header("")) -> Response:
        if not authorised(authorization):
            return _problem(401, "Unauthorized", "a valid API key is required")
        if not carrier_id.isalnum() or not path_of(carrier_id).exists():
            return _problem(404, "Not found", "no such trip")
        record = json.loads(path_of(carrier_id).read_text())
        record.update(status="cancelled", cancelled_at=datetime.now(UTC).isoformat())
        _write(path_of(carrier_id), record)
        return Response(status_code=204)

    return app


def _write(path: Path, record: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1))
    os.replace(tmp, path)


def settings_from_env() -> tuple[Path, str, str, int]:
    outbox = Path(os.environ.get("CARRIER_OUTBOX") or ROOT / "var" / "carrier")
    key = os.environ.get("CARRIER_STANDIN_KEY") or os.environ.get("ASSISTANCE_CARRIER_KEY") or DEFAULT_KEY
    host = os.environ.get("CARRIER_STANDIN_HOST", "127.0.0.1")
    port = int(os.environ.get("CARRIER_STANDIN_PORT", "8091"))
    return outbox, key, host, port


def main() -> None:
    import uvicorn

    outbox, key, host, port = settings_from_env()
    uvicorn.run(create_app(outbox, key), host=host, port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
