"""Real PostgreSQL (a schema of its own in the platform test database) and the real Kafka broker."""

from __future__ import annotations

import os
import uuid
from typing import AsyncIterator

import asyncpg
import pytest

from ms_events.kafka import KafkaConfig
from ms_events.outbox import INBOX_DDL_V1, OUTBOX_DDL_V1
from ms_platform.db import create_pool

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def kafka() -> KafkaConfig:
    return KafkaConfig.from_env(f"test-{RUN}")  # as admin (the root conftest): topics of its own


@pytest.fixture(scope="session")
def schema_dsn() -> str:
    base = os.environ.get("PLATFORM_TEST_DATABASE_URL")
    assert base, "PLATFORM_TEST_DATABASE_URL missing: run make up (it writes var/local.env)"
    return f"{base}?search_path=evt_{RUN}"


@pytest.fixture(scope="session")
async def pool(schema_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    base = schema_dsn.split("?")[0]
    admin = await asyncpg.connect(base)
    await admin.execute(f"create schema evt_{RUN}")
    await admin.execute(f"set search_path = evt_{RUN}")
    await admin.execute(OUTBOX_DDL_V1 + INBOX_DDL_V1)
    # One effect per consumer group and event: every group reads the whole probe topic.
    await admin.execute(
        "create table effect (consumer text not null, event_id uuid not null, n int not null,"
        " primary key (consumer, event_id))"
    )
    await admin.close()
    pool = await create_pool(schema_dsn, min_size=1, max_size=4)
    yield pool
    await pool.close()
    admin = await asyncpg.connect(base)
    await admin.execute(f"drop schema evt_{RUN} cascade")
    await admin.close()
