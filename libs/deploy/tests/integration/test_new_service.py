"""``make new-service`` as a contributor runs it, on a copy of this working tree.

The copy gets a service with a random name; then, against the local stack's real PostgreSQL
and Kafka, the steps ``make up`` would take for it (settings, role and database, topics,
migrations, processes) run from the copy, and the new service must: leave every generated
file in step, migrate, answer its health routes, publish what its use case records through its
outbox and relay, erase on ``AccountDeleted`` through its worker, and pass its own generated
tests. The database, role and topics it made are removed at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from ms_events.catalogue import dead_letter_topic
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_deploy import declaration, local_kafka
from ms_events.kafka import KafkaConfig, make_admin, make_producer
from ms_platform.testing import eventually, free_port, kafka_password

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[4]
PROCESSES = ("api", "relay", "worker")


class Copy:
    """A copy of the working tree with one scaffolded service, and the processes it runs."""

    def __init__(self, root: Path, name: str, port: int) -> None:
        self.root, self.name, self.port = root, name, port
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run(args, cwd=self.root, capture_output=True, text=True, timeout=timeout,
                                env=_clean_env())
        assert result.returncode == 0, f"{' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result

    def with_env(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return self.run("deploy/local/bin/with-env", *args, timeout=timeout)

    @property
    def python(self) -> str:
        return str(self.root / ".venv" / "bin" / "python")

    def env(self) -> dict[str, str]:
        values = {}
        for line in (self.root / "var" / "local.env").read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.startswith("#"):
                values[key.strip()] = value.strip()
        return values

    def dsn(self) -> str:
        return self.env()[f"{self.name.upper()}_DATABASE_URL"]

    def start(self, process: str) -> None:
        log = open(self.root / "var" / "log" / f"{self.name}-{process}.log", "ab")
        self.processes[process] = subprocess.Popen(
            ["deploy/local/bin/with-env", "--kafka-principal", self.name, self.python, "-m", self.name, process],
            cwd=self.root,
            stdout=log, stderr=subprocess.STDOUT, env=_clean_env(), start_new_session=True)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def log_tail(self, process: str) -> str:
        path = self.root / "var" / "log" / f"{self.name}-{process}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


def _clean_env() -> dict[str, str]:
    """The caller's environment without the local stack's settings: the copy loads its own."""
    stack_keys = set()
    local_env = ROOT / "var" / "local.env"
    if local_env.exists():
        stack_keys = {line.partition("=")[0].strip() for line in local_env.read_text().splitlines()}
    stack_keys |= {"KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"}  # the tests' admin sign-in (root conftest)
    return {k: v for k, v in os.environ.items() if k not in stack_keys and not k.startswith("VIRTUAL_ENV")}


def _copy_working_tree(destination: Path) -> None:
    """Tracked and untracked-but-not-ignored files, as they are now (what a clone would hold, plus edits)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            target = destination / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # The stack's settings as they are, so the shared roles keep their passwords.
    (destination / "var").mkdir()
    shutil.copy2(ROOT / "var" / "local.env", destination / "var" / "local.env")
    # And the Kafka passwords: admin's is the broker's, the services' are their principals'.
    shutil.copytree(ROOT / "var" / "secrets" / "kafka", destination / "var" / "secrets" / "kafka")


def _psql_admin(sql: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-d", "postgres", "-c", sql],
                   check=False, capture_output=True, timeout=60)


def _forget_principal(name: str) -> None:
    """The scaffolded service's Kafka principal (its ACLs and its credential), and what the copy's
    declarations gave the other principals on its topics (e.g. a service that reads every public
    topic): the ACLs go back to this working tree's declarations."""
    client = local_kafka.admin_client(os.environ["KAFKA_BOOTSTRAP_SERVERS"], kafka_password(local_kafka.ADMIN))
    local_kafka.forget_principal(client, name)
    local_kafka.reconcile_acls(client, local_kafka.desired_bindings(declaration.load()))


async def _delete_topics(topics: list[str]) -> None:
    admin = make_admin(KafkaConfig.from_env("scaffold-test"))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [t for t in topics if t in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Iterator[Copy]:
    name = "scaf" + secrets.token_hex(4)
    copy = Copy(tmp_path_factory.mktemp("new-service") / "repo", name, free_port())
    _copy_working_tree(copy.root)
    try:
        copy.run("make", "new-service", f"NAME={name}", f"PORT={copy.port}", "SUMMARY=a scaffold probe")
        # What `make up` does for a new service, minus what already runs.
        copy.run("deploy/local/bin/secrets")
        copy.run("deploy/local/bin/postgres-setup")
        copy.with_env(copy.python, "-m", "ms_deploy", "local-kafka", "apply")  # its principal and ACLs
        copy.with_env("--kafka-principal", "admin", copy.python, "-m", "ms_events.topics", "ensure")
        copy.with_env(copy.python, "-m", name, "migrate")
        for process in PROCESSES:
            copy.start(process)
        yield copy
    finally:
        copy.stop()
        _psql_admin(f'drop database if exists "{name}" with (force)')
        _psql_admin(f'drop role if exists "{name}"')
        topic = f"{name}.item.v1"
        asyncio.run(_delete_topics([topic, dead_letter_topic(topic)]))
        _forget_principal(name)


def test_make_new_service_leaves_every_generated_file_in_step(scaffolded):
    scaffolded.run(scaffolded.python, "-m", "ms_deploy", "check")
    procfile = (scaffolded.root / "deploy" / "local" / "Procfile").read_text()
    assert all(f"{scaffolded.name}-{p}:" in procfile for p in PROCESSES)
    gateway = (scaffolded.root / "deploy" / "gateway" / "nginx.conf.template").read_text()
    assert f"location ~ ^/v1/({scaffolded.name}-items)(/|$)" in gateway
    assert (scaffolded.root / "deploy" / "k8s" / "base" / f"{scaffolded.name}.yaml").exists()


async def test_the_new_service_migrates_and_its_api_answers_its_health_routes(scaffolded):
    base = f"http://127.0.0.1:{scaffolded.port}"

    async def ready() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{base}/health/ready")).status_code == 200
        except httpx.TransportError:
            return False

    assert await eventually(ready, timeout=60, interval=0.5), scaffolded.log_tail("api")
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(f"{base}/health/live")).status_code == 200
    conn = await asyncpg.connect(scaffolded.dsn())
    try:
        tables = {r["tablename"] for r in await conn.fetch("select tablename from pg_tables where schemaname = 'public'")}
    finally:
        await conn.close()
    assert {"item", "outbox", "inbox"} <= tables


async def test_what_its_use_case_records_reaches_kafka_through_the_outbox_and_relay(scaffolded):
    account = uuid.uuid4()
    # The service's own use case, in its own environment (the copy's virtualenv and settings).
    script = (f"import asyncio, uuid, asyncpg\n"
              f"from ms_events import outbox\n"
              f"from {scaffolded.name} import bootstrap\n"
              f"from {scaffolded.name}.app.items import create_item\n"
              f"async def main():\n"
              f"    pool = await asyncpg.create_pool(bootstrap.load_settings().dsn, min_size=1, max_size=1)\n"
              f"    item = await create_item(outbox.unit_of_work(pool), uuid.UUID('{account}'), 'Publié', 100)\n"
              f"    print(item.id)\n"
              f"    await pool.close()\n"
              f"asyncio.run(main())\n")
    # The last line: the service logs to standard output too.
    item_id = scaffolded.with_env(scaffolded.python, "-c", script).stdout.strip().splitlines()[-1]
    consumer = AIOKafkaConsumer(f"{scaffolded.name}.item.v1", **KafkaConfig.from_env("scaffold-test").common(),
                                auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        seen = None
        deadline = asyncio.get_running_loop().time() + 60
        while seen is None and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    if record.key and record.key.decode() == item_id:
                        seen = Envelope.from_bytes(record.value)
    finally:
        await consumer.stop()
    assert seen is not None, f"no event for item {item_id} on Kafka:\n{scaffolded.log_tail('relay')}"
    assert seen.type.endswith("ItemCreated") and seen.data["account_id"] == str(account)


async def test_its_worker_erases_an_accounts_items_on_account_deleted_from_kafka(scaffolded):
    account = uuid.uuid4()
    conn = await asyncpg.connect(scaffolded.dsn())
    try:
        await conn.execute("insert into item (id, account_id, title) values ($1, $2, 'À effacer')",
                           uuid.uuid4(), account)
        envelope = Envelope.wrap(AccountDeleted(account_id=account, person_id=None, kind="member",
                                                deleted_at=datetime.now(UTC)))
        producer = make_producer(KafkaConfig.from_env("scaffold-test"))
        await producer.start()
        try:
            await producer.send_and_wait("identity.account.v1", envelope.to_bytes(), key=str(account).encode())
        finally:
            await producer.stop()

        async def erased() -> bool:
            return await conn.fetchval("select count(*) from item where account_id = $1", account) == 0

        assert await eventually(erased, timeout=90, interval=0.5), scaffolded.log_tail("worker")
        assert await conn.fetchval("select count(*) from inbox where event_id = $1", envelope.id) == 1
    finally:
        await conn.close()


def test_the_new_service_passes_its_own_generated_tests(scaffolded):
    svc = f"services/{scaffolded.name}/tests"
    result = scaffolded.run("deploy/local/bin/pytest-run", f"{scaffolded.name}", f"{svc}/unit", f"{svc}/integration",
                            "-q", "-p", "no:cacheprovider", timeout=600)
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout[-3000:]

