"""Text PostgreSQL cannot store is refused at the door, naming the field (every service, one place).

PostgreSQL's ``text`` holds no NUL character and only valid UTF-8, so a JSON string with
``\\u0000`` or a lone surrogate (``\\ud800`` without its pair) passes pydantic and then fails
deep in a use case, after other effects may have started. This middleware looks at JSON bodies,
query strings and paths before any route runs and answers 422 problem+json with the field at
fault. The raw bytes are scanned first, so a clean request costs one regular-expression search;
only a request that may hold such text is parsed to find the field.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ms_platform.problems import Problem, problem_response

# \u0000 and any escaped surrogate (a valid pair passes the check after parsing).
_SUSPECT_JSON = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_SUSPECT_URL = re.compile(rb"%00|%[eE][dD]%[aAbB]", re.IGNORECASE)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MESSAGE = "Ce champ contient un caractère non autorisé."


def storable(text: str) -> bool:
    """True when PostgreSQL can store ``text``: no NUL and valid UTF-8 (no lone surrogate)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_fields(document: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted path of every key or string value in a parsed JSON document that cannot be stored."""
    if isinstance(document, str):
        if not storable(document):
            yield ".".join(path) or "body"
    elif isinstance(document, dict):
        for key, value in document.items():
            if not storable(key):
                yield ".".join(path) or "body"
            else:
                yield from unstorable_fields(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from unstorable_fields(value, (*path, str(index)))


def _problem(fields: list[str]) -> Problem:
    errors = [{"field": f, "code": "unstorable_text", "message": MESSAGE} for f in fields]
    return Problem(422, "validation-error", "Invalid request", f"{fields[0]} : {MESSAGE}", field=fields[0],
                   errors=errors)


def _query_fields(raw: bytes) -> list[str]:
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="surrogateescape")
    return [name if storable(name) else "query" for name, value in pairs
            if not (storable(name) and storable(value))]


def _json_fields(body: bytes) -> list[str]:
    try:
        return list(unstorable_fields(json.loads(body)))
    except ValueError:
        return []  # not JSON: the route's own validation answers


class StorableTextMiddleware:
    """Answers 422 problem+json before any route when a request carries text PostgreSQL cannot store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields = self._url_fields(scope)
        if not fields and scope["method"] in _BODY_METHODS and self._is_json(scope):
            body, receive = await self._buffer(receive)
            if _SUSPECT_JSON.search(body):
                fields = _json_fields(body)
        if fields:
            await problem_response(_problem(fields))(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _url_fields(scope: Scope) -> list[str]:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if _SUSPECT_URL.search(raw_path) and not storable(unquote(raw_path.decode("latin-1"), errors="surrogateescape")):
            return ["path"]
        query = scope.get("query_string", b"")
        return _query_fields(query) if query and _SUSPECT_URL.search(query) else []

    @staticmethod
    def _is_json(scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                return b"json" in value.lower()
        return False

    @staticmethod
    async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away: hand the message on as it came.
                async def replay_disconnect() -> Message:
                    return message
                return b"".join(chunks), replay_disconnect
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return body, replay
