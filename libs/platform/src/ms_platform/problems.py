"""RFC 9457 problem details: one error format for every service."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

import structlog

from ms_platform import errors

PROBLEM_BASE = "https://errors.memberspace.example/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

log = structlog.get_logger()


class Problem(Exception):
    """An error a client can act on; rendered as application/problem+json."""

    def __init__(
        self,
        status: int,
        type_: str,
        title: str,
        detail: str | None = None,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.type = type_
        self.title = title
        self.detail = detail
        self.field = field
        self.headers = headers
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.type,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.field:
            body["field"] = self.field
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = str(request.url.path) if request is not None else None
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


class NotFound(Problem):
    def __init__(self, what: str = "resource") -> None:
        super().__init__(404, "not-found", "Not found", f"Ressource introuvable ({what}).")


class Forbidden(Problem):
    def __init__(self, detail: str = "Vous n'avez pas accès à cette ressource.") -> None:
        super().__init__(403, "forbidden", "Forbidden", detail)


class Unauthorized(Problem):
    def __init__(self, detail: str = "Authentification requise.") -> None:
        super().__init__(
            401,
            "unauthorized",
            "Unauthorized",
            detail,
            headers={"WWW-Authenticate": 'Bearer realm="memberspace"'},
        )


class ServiceUnavailable(Problem):
    def __init__(self, what: str, detail: str | None = None) -> None:
        super().__init__(
            503,
            "service-unavailable",
            "Service unavailable",
            detail or "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
            headers={"Retry-After": "5"},
            dependency=what,
        )


_FRENCH_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "string_too_short": "Ce champ est trop court.",
    "string_too_long": "Ce champ est trop long.",
    "date_from_datetime_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_type": "Date invalide (format attendu : AAAA-MM-JJ).",
    "value_error": "Valeur invalide.",
    "string_pattern_mismatch": "Format invalide.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
    "model_attributes_type": "Le corps de la requête doit être un objet JSON.",
    "dict_type": "Le corps de la requête doit être un objet JSON.",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors():
        kind = err.get("type", "value_error")
        message = _FRENCH_MESSAGES.get(kind)
        if kind == "value_error" and err.get("ctx", {}).get("error"):
            message = str(err["ctx"]["error"])
        elif kind == "value_error" and "email address" in err.get("msg", ""):
            message = "Adresse e-mail invalide."
        errors.append(
            {"field": _field_name(tuple(err.get("loc", ()))), "code": kind, "message": message or err.get("msg", "")}
        )
    return errors


async def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = validation_errors(exc)
    first = errors[0] if errors else {"field": "body", "message": "Requête invalide."}
    problem = Problem(
        422,
        "validation-error",
        "Invalid request",
        f"{first['field']} : {first['message']}",
        field=first["field"],
        errors=errors,
    )
    return problem_response(problem, request)


async def _problem_handler(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(exc, request)


async def _http_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
    problem = Problem(
        exc.status_code,
        {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error"),
        titles.get(exc.status_code, str(exc.detail)),
        str(exc.detail) if exc.status_code not in titles else None,
        headers=getattr(exc, "headers", None),
    )
    return problem_response(problem, request)


# The status of each kind of domain error (ms_platform.errors): the one place HTTP meets them.
DOMAIN_STATUSES: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 422,
    errors.Refused: 400,
    errors.Missing: 404,
    errors.Conflict: 409,
    errors.NotPermitted: 403,
    errors.Unauthenticated: 401,
    errors.Throttled: 429,
    errors.Unavailable: 503,
}


def domain_problem(error: errors.DomainError) -> Problem:
    """The problem+json answer to a domain error: its kind gives the status, its code the type."""
    status = next((s for kind, s in DOMAIN_STATUSES.items() if isinstance(error, kind)), 422)
    headers: dict[str, str] | None = None
    retry_after_s = getattr(error, "retry_after_s", None)  # Throttled, Unavailable
    if isinstance(error, errors.Unauthenticated) and error.bearer_challenge:
        headers = {"WWW-Authenticate": 'Bearer realm="memberspace"'}
    elif retry_after_s is not None:
        headers = {"Retry-After": str(retry_after_s)}
    return Problem(status, error.code, error.title, error.detail, field=error.field, headers=headers, **error.extra)


async def _domain_handler(request: Request, exc: errors.DomainError) -> JSONResponse:
    return problem_response(domain_problem(exc), request)


def unhandled_problem(exc: Exception) -> Problem:
    """The answer to an exception no handler expected: 503 when the database is away, else 500."""
    from ms_platform.db import is_database_unavailable

    if is_database_unavailable(exc):
        log.warning("database.unavailable", error=type(exc).__name__)
        return ServiceUnavailable("database")
    log.error("request.unhandled_error", error=type(exc).__name__, exc_info=exc)
    return Problem(500, "internal-error", "Internal error", "Une erreur inattendue est survenue.")


def install_problem_handlers(app: Any) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Problem, _problem_handler)
    app.add_exception_handler(errors.DomainError, _domain_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    # Unexpected exceptions are answered by RequestContextMiddleware (ms_platform.app): a
    # Starlette handler for Exception re-raises after answering, which breaks keep-alive
    # connections with the gateway.
