"""Fixtures for assistance's integration tests: the real app on the local PostgreSQL.

Tokens are signed with a key generated here and trusted by the app's verifier, so the tests
exercise the real role and ownership checks without a running identity service.
"""

from __future__ import annotations


import pytest

from assistance import bootstrap
from ms_platform.testing.service_app import service_app_fixtures



settings, signing_key, app, client, pool, token = service_app_fixtures(bootstrap, "assistance")
