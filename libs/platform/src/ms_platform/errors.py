"""Domain errors: how a use case says no without knowing about HTTP.

``app/`` and ``domain/`` raise these; the entry points render them as problem+json
(ms_platform.problems maps each kind to its status). A service subclasses a kind for each of
its refusals, with a stable ``code`` (the problem type clients switch on) and a French
``detail`` a member can read::

    class TooManyItems(Conflict):
        code = "too-many-items"
        title = "Too many items"

    raise TooManyItems("Vous ne pouvez pas enregistrer plus de 100 éléments.")

The kinds are few on purpose: a client needs to know whether to fix its input (InvalidInput,
Refused), look elsewhere (Missing), reload and retry (Conflict), stop (NotPermitted,
Unauthenticated) or wait (Throttled, Unavailable).
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A rule of the domain refused the request."""

    code: ClassVar[str] = "domain-error"
    title: ClassVar[str] = "Request refused"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None,
                 title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # Per-instance code/title for one-off refusals; subclasses set the class attributes.
        if code is not None:
            self.code = code  # type: ignore[misc]
        if title is not None:
            self.title = title  # type: ignore[misc]
        self.extra = extra


class InvalidInput(DomainError):
    """The input breaks a rule the client can fix (a field, a date, a format)."""

    code = "validation-error"
    title = "Invalid request"


class Refused(DomainError):
    """The request is well-formed but cannot be honoured as sent (an expired or used token)."""

    code = "refused"
    title = "Request refused"


class Missing(DomainError):
    """What the request names does not exist, or is not the caller's to see (same answer)."""

    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    """The current state forbids it (already done, a limit reached, a concurrent change)."""

    code = "conflict"
    title = "Conflict"


class NotPermitted(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"
    title = "Forbidden"


class Unauthenticated(DomainError):
    """The caller could not be recognised (bad credentials, expired session)."""

    code = "unauthorized"
    title = "Unauthorized"
    # False when the credentials came in the body (a password, a refresh token, a code):
    # asking for a bearer token (WWW-Authenticate) would point the client the wrong way.
    bearer_challenge: ClassVar[bool] = True


class Throttled(DomainError):
    """Too many attempts: ``retry_after_s`` says when to come back."""

    code = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after_s = retry_after_s


class Unavailable(DomainError):
    """Something this use case depends on is away; retrying later may work."""

    code = "service-unavailable"
    title = "Service unavailable"
    # None when waiting will not help (a feature switched off), so no Retry-After is sent.
    retry_after_s: ClassVar[int | None] = 5

    def __init__(self, detail: str, *, dependency: str | None = None, **extra: Any) -> None:
        if dependency is not None:
            extra["dependency"] = dependency
        super().__init__(detail, **extra)
        self.dependency = dependency
