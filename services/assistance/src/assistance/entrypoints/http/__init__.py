"""Assistance's HTTP routers, in the order the app includes them."""

from assistance.entrypoints.http import items, privacy

ROUTERS = [items.router, privacy.router]
