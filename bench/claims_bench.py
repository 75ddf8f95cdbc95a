"""Benchmark of the claims service, against baselines measured in the same run.

    .venv/bin/python bench/claims_bench.py        (the local stack must be up: make up)

(a) the bare FastAPI hello behind the same nginx (bench/run.py's baseline); (b) a member's
statement listing (GET /v1/statements, first page of 50) through the gateway when the member has
5,000 lines; (g) how the listing's p99 grows with the table: the same member's listing when the
table holds about 1,000 lines (the member's first 1,000) and when it holds 100,000 (the member's
5,000 and other contracts' lines); (u) uploads of 2 MB files: claims submitted through the
gateway (POST /v1/claims, multipart, one 2 MB PDF each: type read from the bytes, checksum,
object store, one transaction with the outbox) against (n) the same multipart body uploaded to a
bare nginx started by this script (same nginx binary; it reads the whole body to a temporary
file and answers 204), by the same client, at the same concurrency.

The member's first line is imported over HTTP (so its beneficiary is claims' own); the others are
copies of it written in SQL with their own dates and references (source_ref "bench-..."), the
filler contracts are "BENCH-..." projections. Everything the run wrote is deleted at the end
(lines, filler contracts, the submitted claims and their files). Targets: (b)/(a) >= 0.25,
p99 at 100,000 / p99 at 1,000 <= 1.5. Each wrk run also records the CPU (user + system, from /proc) the answering
process spent per request: claims-api for the listings, the hello server for (a). Results:
bench/results/claims-<stamp>.json and bench/results/claims-latest.md, with the load average
before and after (the machine is shared: other processes' load moves every number).
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import GATEWAY, ROOT, WRK_CONNECTIONS, WRK_SECONDS, operator_registry, save, start_hello, wrk  # noqa: E402

from e2e_support import MAILDIR, Mailbox, sign_up_and_confirm, unique_email  # noqa: E402

LISTING_TARGET = 0.25
GROWTH_TARGET = 1.5
MEMBER_LINES = 5_000
SMALL_TABLE = 1_000
LARGE_TABLE = int(os.environ.get("BENCH_CLAIMS_TABLE_LINES", "100000"))
UPLOADS = int(os.environ.get("BENCH_CLAIMS_UPLOADS", "60"))
UPLOAD_CONCURRENCY = int(os.environ.get("BENCH_CLAIMS_UPLOAD_CONCURRENCY", "4"))
UPLOAD_BYTES = 2 * 1024 * 1024
NGINX_PORT = int(os.environ.get("BENCH_CLAIMS_NGINX_PORT", "8097"))
DOCUMENTS_DIR = Path(os.environ.get("CLAIMS_DOCUMENTS_DIR", ROOT / "var" / "claims-documents"))
RUN = uuid.uuid4().hex[:8]


def load() -> float:
    return round(os.getloadavg()[0], 2)


def api_pid(process: str = "claims-api") -> int:
    """The pid of a local stack's process, as ``stack status`` gives it."""
    out = subprocess.run([str(ROOT / "deploy" / "local" / "bin" / "stack"), "status"], capture_output=True, text=True).stdout
    return int(next(line.split("pid")[1].split(",")[0] for line in out.splitlines() if line.split()[:1] == [process]))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (every thread), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid: int, path: str, headers: dict | None = None) -> dict:
    """``wrk`` of ``path`` and the CPU the answering process spent per request (ms) meanwhile."""
    before = cpu_seconds(pid)
    result = wrk(path, headers)
    spent = cpu_seconds(pid) - before
    requests = result["rps"] * WRK_SECONDS
    return {**result, "api_cpu_ms_per_request": round(spent * 1000 / requests, 3) if requests else None}


async def member(client: httpx.AsyncClient) -> tuple[dict, dict, str]:
    """A signed-in member with a contract claims has heard of; (person, auth, operator token)."""
    registry = await operator_registry(client)
    [person] = await registry.register(1)
    token = await sign_up_and_confirm(client, Mailbox(MAILDIR), person, unique_email("bench-claims"))
    return person, {"Authorization": f"Bearer {token}"}, registry.token


async def first_line(client: httpx.AsyncClient, person: dict, operator: str) -> None:
    """One line imported over HTTP, retried until claims' worker has projected the contract."""
    line = {"source": "insurer", "source_ref": f"bench-{RUN}-first", "contract_number": person["contract_number"],
            "beneficiary": {k: person[k] for k in ("last_name", "first_name", "birth_date")},
            "care_date": (date.today() - timedelta(days=1)).isoformat(), "care_type": "consultation_gp",
            "billed": "30.00", "br": "30.00", "amo": "20.00", "amc": "9.00", "out_of_pocket": "1.00"}
    deadline = time.monotonic() + 90
    while True:
        r = await client.post("/v1/statement-imports", json={"lines": [line]},
                              headers={"Authorization": f"Bearer {operator}"})
        if r.status_code == 200 and r.json()["accepted"] == 1:
            return
        assert time.monotonic() < deadline, f"claims never accepted the line: {r.status_code} {r.text[:300]}"
        await asyncio.sleep(1)


COPY = """
insert into statement_line (id, source, source_ref, contract_number, holder_id, beneficiary_id, care_date, care_type,
                            billed, br, amo, amc, out_of_pocket, payment_date, paid_to)
select gen_random_uuid(), 'insurer', 'bench-' || $2 || '-' || $3 || '-' || n, l.contract_number, l.holder_id,
       l.beneficiary_id, current_date - 1 - (n % 1500), l.care_type, l.billed, l.br, l.amo, l.amc, l.out_of_pocket,
       l.payment_date, l.paid_to
from statement_line l, generate_series(1, $4) n where l.source = 'insurer' and l.source_ref = $1
"""


async def copies(db: asyncpg.Pool, tag: str, count: int) -> None:
    """``count`` copies of the member's first line, each with its own date and reference."""
    if count > 0:
        await db.execute(COPY, f"bench-{RUN}-first", RUN, tag, count)


async def filler(db: asyncpg.Pool, count: int, per_contract: int = 50) -> None:
    """``count`` lines of other contracts (BENCH-<run>-<n> projections, one beneficiary each)."""
    contracts = (count + per_contract - 1) // per_contract
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            """insert into contract_projection (contract_number, contract_id, holder_id, category)
               select 'BENCH-' || $1 || '-' || n, gen_random_uuid(), gen_random_uuid(), 'sante'
               from generate_series(1, $2) n""", RUN, contracts)
        await conn.execute(
            """insert into beneficiary (id, contract_number, last_name, first_name, birth_date, person_key)
               select gen_random_uuid(), contract_number, 'Banc', 'Essai', date '1980-01-01', 'banc essai'
               from contract_projection where contract_number like 'BENCH-' || $1 || '-%'""", RUN)
        await conn.execute(
            """insert into statement_line (id, source, source_ref, contract_number, holder_id, beneficiary_id,
                   care_date, care_type, billed, br, amo, amc, out_of_pocket)
               select gen_random_uuid(), 'insurer', 'bench-' || $1 || '-filler-' || n, c.contract_number,
                      c.holder_id, b.id, current_date - 1 - (n % 1500), 'pharmacy', 10.00, 10.00, 6.50, 3.00, 0.50
               from generate_series(1, $2) n
               join contract_projection c on c.contract_number = 'BENCH-' || $1 || '-' || (1 + n % $3)
               join beneficiary b on b.contract_number = c.contract_number""", RUN, count, contracts)
    await db.execute("analyze statement_line")


async def table_lines(db: asyncpg.Pool) -> int:
    return await db.fetchval("select count(*) from statement_line")


async def cleanup(db: asyncpg.Pool, account_id: str | None) -> None:
    await db.execute("delete from statement_line where source_ref like 'bench-' || $1 || '-%'", RUN)
    await db.execute("delete from beneficiary where contract_number like 'BENCH-' || $1 || '-%'", RUN)
    await db.execute("delete from contract_projection where contract_number like 'BENCH-' || $1 || '-%'", RUN)
    if account_id:
        claims = await db.fetch("select id from claim where account_id = $1", uuid.UUID(account_id))
        await db.execute("delete from claim_document where claim_id = any($1::uuid[])", [c["id"] for c in claims])
        await db.execute("delete from claim where id = any($1::uuid[])", [c["id"] for c in claims])
        for c in claims:
            shutil.rmtree(DOCUMENTS_DIR / str(c["id"]), ignore_errors=True)


def pdf_bytes(size: int) -> bytes:
    head, tail = b"%PDF-1.4\n1 0 obj<<>>endobj\n", b"\ntrailer<<>>\n%%EOF\n"
    return head + b"%" + b"0" * (size - len(head) - len(tail) - 1) + tail


NGINX_CONF = """
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        # The whole body read and written to a temporary file, as the gateway's upload location does
        # before passing it on; then an empty 204.
        location = /upload {{
            client_max_body_size 21m;
            client_body_in_file_only clean;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_pass http://127.0.0.1:{port}/done;
        }}
        location = /done {{ return 204; }}
    }}
}}
"""


def start_nginx(tmp: Path) -> subprocess.Popen:
    tmp.chmod(0o755)  # run as root, nginx's workers are another user: they write the bodies under it
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=NGINX_PORT))
    proc = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{NGINX_PORT}/done", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the bare nginx did not come up")


async def uploads(url: str, headers: dict, data: dict, body: bytes, expected: int) -> dict:
    """``UPLOADS`` multipart uploads of ``body``, ``UPLOAD_CONCURRENCY`` at a time: files per second,
    MB per second and latency percentiles, counting only the ``expected`` answers."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sem = asyncio.Semaphore(UPLOAD_CONCURRENCY)
    async with httpx.AsyncClient(timeout=120) as client:
        async def one() -> None:
            async with sem:
                started = time.perf_counter()
                r = await client.post(url, headers=headers, data=data,
                                      files=[("documents", ("facture.pdf", body, "application/pdf"))])
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == expected:
                    latencies.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(UPLOADS)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    pct = lambda p: round(ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 1)  # noqa: E731
    return {"files_per_s": round(len(latencies) / elapsed, 2), "mb_per_s": round(len(latencies) * len(body) / elapsed / 1e6, 1),
            "p50_ms": pct(50), "p99_ms": pct(99), "ok": len(latencies), "statuses": statuses}


async def main() -> dict:
    before = load()
    db = await asyncpg.create_pool(os.environ["CLAIMS_DATABASE_URL"], min_size=1, max_size=2)
    account_id = None
    hello = start_hello()
    tmp = Path(tempfile.mkdtemp(prefix="claims-bench-nginx-"))
    nginx = None
    try:
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=60) as client:
            person, auth, operator = await member(client)
            account_id = jwt.decode(auth["Authorization"].split()[1], options={"verify_signature": False})["sub"]
            await first_line(client, person, operator)
        listing = "/v1/statements?limit=50"
        pid = api_pid()
        # (g1): the member's first 1,000 lines; the table as small as the shared stack allows.
        await copies(db, "a", SMALL_TABLE - 1)
        await db.execute("analyze statement_line")
        g_small = {**measured(pid, listing, auth), "table_lines": await table_lines(db), "member_lines": SMALL_TABLE}
        # (a) and (b): the member has 5,000 lines.
        await copies(db, "b", MEMBER_LINES - SMALL_TABLE)
        await db.execute("analyze statement_line")
        a = measured(hello.pid, "/bench/hello")
        b = {**measured(pid, listing, auth), "table_lines": await table_lines(db), "member_lines": MEMBER_LINES}
        # (g2): the table grown to 100,000 lines (other contracts'), the same member's listing.
        await filler(db, max(0, LARGE_TABLE - await table_lines(db)))
        g_large = {**measured(pid, listing, auth), "table_lines": await table_lines(db), "member_lines": MEMBER_LINES}
        # (u) and (n): 2 MB uploads, claims through the gateway, then the bare nginx.
        nginx = start_nginx(tmp)
        body = pdf_bytes(UPLOAD_BYTES)
        form = {"contract_number": person["contract_number"], "care_type": "consultation_gp",
                "care_date": (date.today() - timedelta(days=1)).isoformat(), "billed": "30.00"}
        u = await uploads(GATEWAY + "/v1/claims", auth, form, body, 201)
        n = await uploads(f"http://127.0.0.1:{NGINX_PORT}/upload", {}, form, body, 204)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
        hello.terminate()
        hello.wait(10)
        await cleanup(db, account_id)
        await db.close()
    listing_ratio = round(b["rps"] / a["rps"], 3)
    growth = round(g_large["p99_ms"] / g_small["p99_ms"], 2)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load": {"before": before, "after": load()},
        "settings": {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS, "uploads": UPLOADS,
                     "upload_concurrency": UPLOAD_CONCURRENCY, "upload_bytes": UPLOAD_BYTES},
        "a_hello_via_gateway": a, "b_listing_5000_lines": b,
        "g_listing_small_table": g_small, "g_listing_large_table": g_large,
        "u_claim_uploads_2mb": u, "n_bare_nginx_uploads_2mb": n,
        "verdict": {"listing_over_hello_rps": listing_ratio, "listing_met": listing_ratio >= LISTING_TARGET,
                    "p99_growth": growth, "growth_met": growth <= GROWTH_TARGET,
                    "uploads_over_nginx": round(u["files_per_s"] / n["files_per_s"], 3) if n["files_per_s"] else None},
    }


def markdown(r: dict) -> str:
    a, b, gs, gl = r["a_hello_via_gateway"], r["b_listing_5000_lines"], r["g_listing_small_table"], r["g_listing_large_table"]
    u, n, v, s = r["u_claim_uploads_2mb"], r["n_bare_nginx_uploads_2mb"], r["verdict"], r["settings"]
    row = lambda name, x: (f"| {name} | {x['rps']:.0f} | {x['p50_ms']} | {x['p99_ms']} | {x['non_2xx']} | "  # noqa: E731
                           f"{x.get('api_cpu_ms_per_request')} |")
    return "\n".join([
        f"# Claims benchmark — {r['when']} ({r['machine']['cpus']} cores, load {r['load']['before']} before, "
        f"{r['load']['after']} after)",
        "",
        f"wrk -t2 -c{s['wrk_connections']} -d{s['wrk_seconds']}s through nginx, one after the other; "
        f"GET /v1/statements?limit=50 (first page, keyset).",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx | API CPU ms/request |",
        "|---|---:|---:|---:|---:|---:|",
        row("(a) bare FastAPI hello via gateway", a),
        row(f"(b) statement listing, member with {b['member_lines']:,} lines, table {b['table_lines']:,} lines", b),
        row(f"(g1) statement listing, member with {gs['member_lines']:,} lines, table {gs['table_lines']:,} lines", gs),
        row(f"(g2) statement listing, member with {gl['member_lines']:,} lines, table {gl['table_lines']:,} lines", gl),
        "",
        f"Uploads: {s['uploads']} multipart bodies with one {s['upload_bytes'] // (1024 * 1024)} MB PDF each, "
        f"{s['upload_concurrency']} at a time, by the same httpx client.",
        "",
        "| upload | files/s | MB/s | p50 ms | p99 ms | answers |",
        "|---|---:|---:|---:|---:|---|",
        f"| (u) POST /v1/claims via gateway (201) | {u['files_per_s']} | {u['mb_per_s']} | {u['p50_ms']} | {u['p99_ms']} | {u['statuses']} |",
        f"| (n) bare nginx, body to a temporary file (204) | {n['files_per_s']} | {n['mb_per_s']} | {n['p50_ms']} | {n['p99_ms']} | {n['statuses']} |",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        f"| (b)/(a) ≥ {LISTING_TARGET} | {v['listing_over_hello_rps']} | {'yes' if v['listing_met'] else 'NO'} |",
        f"| p99 (g2)/(g1) ≤ {GROWTH_TARGET} | {v['p99_growth']} | {'yes' if v['growth_met'] else 'NO'} |",
        f"| (u)/(n) files per second (no target) | {v['uploads_over_nginx']} | |",
        "",
    ])


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("claims", outcome, markdown(outcome), "claims-latest.md")
