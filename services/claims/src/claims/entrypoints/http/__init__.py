"""Claims's HTTP routers, in the order the app includes them."""

from claims.entrypoints.http import items, privacy

ROUTERS = [items.router, privacy.router]
