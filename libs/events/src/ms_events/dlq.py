"""Inspect and replay dead letters.

    python -m ms_events.dlq list   --topic identity.account.v1
    python -m ms_events.dlq replay --topic identity.account.v1 [--consumer notify]

Replay copies each dead letter back to its original topic (same key, value and event id),
so every consumer's inbox still prevents a second effect.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from ms_events.catalogue import dead_letter_topic
from ms_events.kafka import KafkaConfig, make_consumer, make_producer


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or []) if k.startswith("dlq.")}


async def _drain(config: KafkaConfig, topic: str, group: str, commit: bool):
    consumer = make_consumer(config, group, dead_letter_topic(topic))
    await consumer.start()
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=2000, max_records=500)
            if not batch:
                return
            for tp, records in batch.items():
                for record in records:
                    yield record
                if commit:
                    await consumer.commit({tp: records[-1].offset + 1})
    finally:
        await consumer.stop()


async def list_dead_letters(config: KafkaConfig, topic: str) -> list[dict[str, str]]:
    rows = []
    async for record in _drain(config, topic, f"dlq-inspect-{os.getpid()}", commit=False):
        rows.append({"offset": str(record.offset), **_headers(record)})
    return rows


async def replay(config: KafkaConfig, topic: str, consumer: str | None) -> int:
    """Re-publish dead letters (of one consumer, or all) to their original topic."""
    producer = make_producer(config)
    await producer.start()
    count = 0
    try:
        async for record in _drain(config, topic, f"dlq-replay.{consumer or 'all'}", commit=True):
            headers = _headers(record)
            if consumer and headers.get("dlq.consumer") != consumer:
                continue
            original = [(k, v) for k, v in (record.headers or []) if not k.startswith("dlq.")]
            await producer.send_and_wait(
                headers.get("dlq.original_topic", topic), value=record.value, key=record.key,
                headers=original + [("dlq.replayed", b"true")],
            )
            count += 1
    finally:
        await producer.stop()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("--topic", required=True, help="the original topic, e.g. identity.account.v1")
    parser.add_argument("--consumer", help="replay only what this consumer group dead-lettered")
    args = parser.parse_args()
    config = KafkaConfig.from_env("dlq-tool")
    if args.command == "list":
        for row in asyncio.run(list_dead_letters(config, args.topic)):
            print(row)
    else:
        print(f"replayed {asyncio.run(replay(config, args.topic, args.consumer))} message(s)")


if __name__ == "__main__":
    main()
