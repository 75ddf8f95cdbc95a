"""Every context's events, one module per context. Importing this package fills the catalogue.

A context adds its events to its own module; nothing here changes when it does.
"""

from ms_events.events import contracts, identity, notify

__all__ = ["contracts", "identity", "notify"]
