"""Callback's HTTP routers, in the order the app includes them."""

from callback.entrypoints.http import callbacks, capacity, contact, contact_queue, partners, privacy, queue, slots

ROUTERS = [slots.router, callbacks.router, queue.router, capacity.router, contact.router, contact_queue.router,
           partners.router, privacy.router]
