"""Create every catalogue topic and its dead-letter topic (idempotent), as a principal that may:
the local stack runs it as admin (``deploy/local/bin/with-env --kafka-principal admin``)."""

from __future__ import annotations

import argparse
import asyncio
import os

import structlog
from aiokafka.admin import NewTopic

from ms_events.catalogue import dead_letter_topic, topics
from ms_events.kafka import KafkaConfig, make_admin

log = structlog.get_logger()


def all_topics() -> list[str]:
    return [name for topic in topics() for name in (topic, dead_letter_topic(topic))]


async def ensure_topics(config: KafkaConfig, partitions: int, replication: int) -> list[str]:
    """Create missing topics; returns the ones created."""
    admin = make_admin(config)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in all_topics() if t not in existing]
        if missing:
            await admin.create_topics(
                [NewTopic(t, num_partitions=partitions, replication_factor=replication,
                          topic_configs={"min.insync.replicas": str(min(2, replication))})
                 for t in missing]
            )
        return missing
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["ensure", "list"])
    args = parser.parse_args()
    if args.command == "list":
        print("\n".join(all_topics()))
        return
    config = KafkaConfig.from_env("topics-admin")
    created = asyncio.run(ensure_topics(
        config,
        partitions=int(os.environ.get("KAFKA_TOPIC_PARTITIONS", "3")),
        replication=int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1")),
    ))
    print(f"topics ready ({len(all_topics())}); created: {', '.join(created) or 'none'}")


if __name__ == "__main__":
    main()
