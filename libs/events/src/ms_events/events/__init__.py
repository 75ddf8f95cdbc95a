"""Every context's events, one module per context. Importing this package fills the catalogue.

A context adds its events to its own module (``ms_events/events/<context>.py``); every module
of this package is imported, so nothing here changes when one is added.
"""

import importlib
import pkgutil

__all__ = sorted(info.name for info in pkgutil.iter_modules(__path__))
for _name in __all__:
    importlib.import_module(f"{__name__}.{_name}")
