from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ms_events.events.identity import AccountCreated

from notify.domain.messages import Brand


@pytest.fixture
def brand() -> Brand:
    return Brand("Mutuelle Exemple", "01 23 45 67 89", "https://espace.mutuelle.example/")


@pytest.fixture
def account_created() -> AccountCreated:
    return AccountCreated(
        account_id=uuid.uuid4(),
        kind="member",
        email="camille.durand@example.org",
        first_name="Camille",
        last_name="Durand",
        confirmation_token="tok+en/with=special&chars",
        # 23:30 UTC on 28 Feb is 00:30 on 1 March in Paris (UTC+1 in winter).
        confirmation_expires_at=datetime(2025, 2, 28, 23, 30, tzinfo=UTC),
        created_at=datetime(2025, 2, 27, 23, 30, tzinfo=UTC),
    )
