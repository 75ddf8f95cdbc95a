"""The published document says who may call each route (no server: the app is only built)."""

from webhooks import bootstrap
from webhooks.settings import WebhooksSettings


def test_every_public_route_is_for_operators_and_the_document_says_so():
    app = bootstrap.create_app(WebhooksSettings(database_url="postgresql://w:pw@127.0.0.1/w",
                                                MS_ENVIRONMENT="local"))
    document = app.openapi()
    public = {(path, method): op for path, ops in document["paths"].items() for method, op in ops.items()
              if not path.startswith("/internal/")}
    assert {path for path, _ in public} >= {"/v1/webhook-subscriptions", "/v1/webhook-event-types",
                                           "/v1/webhook-subscriptions/{subscription_id}/deliveries"}
    for (path, method), operation in public.items():
        assert operation["x-roles"] == ["operator"], (method, path)
        assert {"401", "403"} <= set(operation["responses"]), (method, path)
    schemas = document["components"]["schemas"]
    assert "secret" in schemas["SubscriptionCreated"]["properties"]  # shown once, at creation
    assert "secret" in schemas["SecretRotated"]["properties"]  # and at each rotation
    for name in ("SubscriptionOut", "SubscriptionList", "DeliveryOut"):
        assert "'secret'" not in str(schemas[name]), name  # never in a read
