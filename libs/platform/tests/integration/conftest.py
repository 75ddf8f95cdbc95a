"""The shared libs' test database (never a service's)."""

from __future__ import annotations

import pytest

from ms_platform.testing import setting


@pytest.fixture
def dsn() -> str:
    return setting("PLATFORM_TEST_DATABASE_URL")
