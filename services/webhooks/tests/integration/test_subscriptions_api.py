"""Subscriptions through the real app on the local PostgreSQL: operators only, secrets sealed."""

import uuid

import pytest

pytestmark = pytest.mark.integration

BASE = "/v1/webhook-subscriptions"


def body(**overrides):
    return {"url": "https://integrateur.example/hooks", "event_types": ["AccountConfirmed"], **overrides}


async def test_the_api_answers_its_health_routes(client):
    assert (await client.get("/health/live")).status_code == 200
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


async def test_an_operator_creates_a_subscription_and_sees_its_secret_once_sealed_in_the_database(
        client, operator, pool):
    created = await client.post(BASE, json=body(description="CRM du partenaire"), headers=operator)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["secret"].startswith("whsec_") and answer["status"] == "active"
    stored = await pool.fetchrow("select secret_sealed, created_by from subscription where id = $1",
                                 uuid.UUID(answer["id"]))
    assert answer["secret"] not in stored["secret_sealed"] and answer["secret"][6:] not in stored["secret_sealed"]
    read = await client.get(f"{BASE}/{answer['id']}", headers=operator)
    listed = await client.get(BASE, headers=operator)
    assert read.status_code == 200 and "secret" not in read.json()
    assert answer["id"] in [s["id"] for s in listed.json()["items"]]
    assert "whsec_" not in listed.text


async def test_a_member_an_agent_and_a_service_get_403_and_no_token_gets_401(client, token, operator):
    sub = (await client.post(BASE, json=body(), headers=operator)).json()
    for role in ("member", "agent", "employer", "service"):
        for method, path in (("get", BASE), ("post", BASE), ("get", f"{BASE}/{sub['id']}"),
                             ("get", f"{BASE}/{sub['id']}/deliveries"), ("get", "/v1/webhook-event-types"),
                             ("delete", f"{BASE}/{sub['id']}")):
            response = await client.request(method, path, json=body() if method == "post" else None,
                                            headers=token(role))
            assert response.status_code == 403, (role, method, path, response.text)
    assert (await client.get(BASE)).status_code == 401
    assert (await client.get(f"{BASE}/{sub['id']}", headers=operator)).status_code == 200


async def test_an_unknown_subscription_is_404_on_every_route(client, operator):
    missing = uuid.uuid4()
    for method, path in (("get", f"{BASE}/{missing}"), ("post", f"{BASE}/{missing}/disable"),
                         ("post", f"{BASE}/{missing}/secret-rotations"), ("delete", f"{BASE}/{missing}"),
                         ("get", f"{BASE}/{missing}/deliveries"),
                         ("post", f"{BASE}/{missing}/deliveries/{uuid.uuid4()}/replay")):
        response = await client.request(method, path, headers=operator)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("url", ["http://integrateur.example/hooks", "https://10.0.0.1/hooks",
                                 "https://user:pw@integrateur.example/x", "http://localhost:9000/x"])
async def test_a_target_url_outside_the_rules_is_a_422_naming_url_and_nothing_is_stored(client, operator, pool, url):
    before = await pool.fetchval("select count(*) from subscription where url = $1", url)
    response = await client.post(BASE, json=body(url=url), headers=operator)
    assert response.status_code == 422 and response.json()["field"] == "url", response.text
    assert await pool.fetchval("select count(*) from subscription where url = $1", url) == before


async def test_http_to_127_0_0_1_is_accepted_on_the_local_stack(client, operator, settings):
    assert settings.allow_http_loopback  # the local stack's setting (service.toml [env_local])
    response = await client.post(BASE, json=body(url="http://127.0.0.1:9/hook"), headers=operator)
    assert response.status_code == 201, response.text


def _refused_types() -> list[str]:
    """Every private event and every event with a secret field, and one that does not exist."""
    from ms_events.catalogue import registered, secret_fields

    return sorted(n for n, c in registered().items() if c.meta().private or secret_fields(c)) + ["NoSuchEvent"]


@pytest.mark.parametrize("event_type", _refused_types())
async def test_an_event_with_a_secret_a_private_or_unknown_one_is_a_422_naming_its_index(client, operator, event_type):
    response = await client.post(BASE, json=body(event_types=["AccountConfirmed", event_type]), headers=operator)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "event_types.1"


async def test_the_event_types_route_lists_only_what_may_be_subscribed(client, operator):
    from webhooks.domain.model import subscribable

    response = await client.get("/v1/webhook-event-types", headers=operator)
    types = [t["type"] for t in response.json()["items"]]
    assert types == list(subscribable()) and "AccountConfirmed" in types
    assert not set(types) & set(_refused_types())


async def test_disable_enable_rotate_and_delete(client, operator, pool):
    sub = (await client.post(BASE, json=body(), headers=operator)).json()
    disabled = await client.post(f"{BASE}/{sub['id']}/disable", headers=operator)
    assert disabled.json()["status"] == "disabled" and disabled.json()["disabled_at"]
    enabled = await client.post(f"{BASE}/{sub['id']}/enable", headers=operator)
    assert enabled.json()["status"] == "active" and enabled.json()["disabled_at"] is None
    rotated = await client.post(f"{BASE}/{sub['id']}/secret-rotations", headers=operator)
    assert rotated.status_code == 201 and rotated.json()["secret"] not in (sub["secret"],)
    row = await pool.fetchrow("select previous_secret_sealed, previous_secret_until > now() as overlapping "
                              "from subscription where id = $1", uuid.UUID(sub["id"]))
    assert row["previous_secret_sealed"] and row["overlapping"]
    assert (await client.delete(f"{BASE}/{sub['id']}", headers=operator)).status_code == 204
    assert (await client.get(f"{BASE}/{sub['id']}", headers=operator)).status_code == 404


async def test_an_extra_field_or_a_description_with_an_invisible_character_is_a_422(client, operator):
    extra = await client.post(BASE, json={**body(), "secret": "whsec_mine"}, headers=operator)
    assert extra.status_code == 422 and "secret" in extra.text
    invisible = await client.post(BASE, json=body(description="CRM\u202e"), headers=operator)
    assert invisible.status_code == 422 and invisible.json()["field"] == "description"
