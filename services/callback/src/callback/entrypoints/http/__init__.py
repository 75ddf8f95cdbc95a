"""Callback's HTTP routers, in the order the app includes them."""

from callback.entrypoints.http import callbacks, capacity, privacy, queue, slots

ROUTERS = [slots.router, callbacks.router, queue.router, capacity.router, privacy.router]
