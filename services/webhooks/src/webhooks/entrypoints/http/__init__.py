"""Webhooks's HTTP routers, in the order the app includes them."""

from webhooks.entrypoints.http import deliveries, event_types, privacy, subscriptions

ROUTERS = [event_types.router, subscriptions.router, deliveries.router, privacy.router]
