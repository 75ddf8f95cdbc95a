"""The revoked-sessions poll every verifier runs (ms_platform.auth.RevokedSessions): one kept
HTTP client for every poll, not a new one (and its TLS context) every two seconds."""

from __future__ import annotations

import httpx

from ms_platform.auth import RevokedSessions


async def test_every_poll_goes_through_one_kept_client_and_reads_from_the_last_cursor():
    created: list[httpx.AsyncClient] = []
    asked: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("since"))
        return httpx.Response(200, json={"revoked": [f"sid-{len(asked)}"], "cursor": f"c{len(asked)}"})

    def factory(**kwargs) -> httpx.AsyncClient:
        created.append(httpx.AsyncClient(transport=httpx.MockTransport(answer), **kwargs))
        return created[-1]

    sessions = RevokedSessions("http://identity.test/.well-known/revoked-sessions", refresh_s=0.0, timeout_s=2.0)
    sessions._client_factory = factory
    assert await sessions.is_revoked("sid-1")
    assert await sessions.is_revoked("sid-2") and await sessions.is_revoked("sid-1")
    assert not await sessions.is_revoked("sid-99")
    assert len(created) == 1 and asked == [None, "c1", "c2", "c3"]
    await sessions.aclose()
    assert created[0].is_closed
