"""Notify's HTTP routers, in the order the app includes them."""

from notify.entrypoints.http import deliveries, preferences, privacy

ROUTERS = [deliveries.router, preferences.router, privacy.router]
