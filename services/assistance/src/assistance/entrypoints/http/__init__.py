"""Assistance's HTTP routers, in the order the app includes them."""

from assistance.entrypoints.http import addresses, agents, catalogue, privacy, requests

ROUTERS = [catalogue.router, requests.router, addresses.router, agents.router, privacy.router]
