"""Benchmark of the employer space's employee list (AF-4) for a company of 50,000 employees.

    .venv/bin/python bench/affiliation_bench.py        (the local stack must be up: make up)

A company of ``BENCH_AFFILIATION_EMPLOYEES`` (50,000) offline-affiliated employees is written
once straight into affiliation's database (reused by later runs), with an employer user made by
identity's operator command. Then, through the gateway: (a) the bare FastAPI hello (bench/run.py's
baseline), (b) the first page of the employee list (50 by name) with the employer's token; (c)
the full CSV download, then (d) the XLSX one, each timed, while the affiliation API processes'
resident memory is sampled every 20 ms. Targets: (b)/(a) >= 0.3; peak resident memory of an API
process during an export < 200 MB. Results: bench/results/affiliation-<stamp>.json and
bench/results/affiliation-latest.md.

The first page is what an employer opens: after its first read it comes from the API's page cache
(adapters/pages_cache.py, dropped at commit when the company's employees change). So that the
database path is measured too, (b') reads pages 2 to PAGES_UNCACHED + 1 in turn (keyset cursors),
more pages than the cache keeps (256, first in first out): every one of them is read from
PostgreSQL and serialized. (b') has no target; it is reported next to (b).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from stdnum import luhn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import GATEWAY, ROOT, WRK_CONNECTIONS, WRK_SECONDS, save, start_hello, wrk  # noqa: E402

from e2e_support import PASSWORD, PYTHON, unique_email  # noqa: E402

EMPLOYEES = int(os.environ.get("BENCH_AFFILIATION_EMPLOYEES", "50000"))
PAGE_SIZE = 50
PAGES_UNCACHED = int(os.environ.get("BENCH_AFFILIATION_UNCACHED_PAGES", "600"))
PAGE_TARGET = 0.3
MEMORY_TARGET_MB = 200
COMPANY_NAME = f"Bench {EMPLOYEES} salariés"
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]
FIRST_NAMES = ["Camille", "Léa", "Louis", "Gabriel", "Emma", "Jules", "Chloé", "Hugo", "Inès", "Lucas"]


def _siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def _nir(n: int, birth: date) -> str:
    body = f"{1 + n % 2}{birth.year % 100:02d}{birth.month:02d}{(n // 999) % 95 + 1:02d}{n % 999 + 1:03d}" \
           f"{(n // 94905) % 999 + 1:03d}"
    return body + f"{97 - int(body) % 97:02d}"


async def big_company() -> str:
    """The SIREN of a company with EMPLOYEES employees (written directly: seeding, not the API)."""
    conn = await asyncpg.connect(os.environ["AFFILIATION_DATABASE_URL"])
    try:
        siren = await conn.fetchval(
            "select c.siren from company c where c.name = $1 and (select count(*) from employee e"
            " where e.siren = c.siren) = $2 limit 1", COMPANY_NAME, EMPLOYEES)
        if siren:
            return siren
        siren, contract_id, now = _siren(), uuid.uuid4(), datetime.now(UTC)
        async with conn.transaction():
            await conn.execute("insert into company (siren, name, notice_email) values ($1, $2, $3)",
                               siren, COMPANY_NAME, f"rh-{siren}@entreprise.example")
            await conn.execute(
                "insert into group_contract (id, siren, contract_number, category, label, contribution_formula,"
                " start_date, options) values ($1, $2, $3, 'sante', 'Santé collective', 'family', '2024-01-01',"
                " '{optique-renforcee}')", contract_id, siren, f"GB-{siren}")
            address = json.dumps({"line1": "12 rue des Lilas", "line2": None, "postcode": "75013", "city": "Paris"})
            rows = []
            for n in range(EMPLOYEES):
                birth = date(1960, 1, 1) + timedelta(days=n % 15000)
                rows.append((uuid.uuid4(), siren, contract_id, "offline", FIRST_NAMES[n % len(FIRST_NAMES)],
                             f"{LAST_NAMES[n % len(LAST_NAMES)]}", birth, _nir(n, birth),
                             f"salarie{n}@entreprise.example", address, ["optique-renforcee"], date(2024, 1, 1), now))
            await conn.copy_records_to_table(
                "employee", records=rows, columns=["id", "siren", "group_contract_id", "source", "first_name",
                                                   "last_name", "birth_date", "nir", "email", "address", "options",
                                                   "start_date", "affiliated_at"])
        return siren
    finally:
        await conn.close()


async def later_pages(siren: str) -> list[str]:
    """The paths of pages 2, 3, ... (PAGES_UNCACHED of them), with the cursors the API would give."""
    from affiliation.app.employees import encode_cursor

    conn = await asyncpg.connect(os.environ["AFFILIATION_DATABASE_URL"])
    try:
        rows = await conn.fetch(
            "select last_name, first_name, id from (select last_name, first_name, id, row_number() over"
            " (order by last_name, first_name, id) as n from employee where siren = $1) t"
            " where n % $2 = 0 order by n limit $3", siren, PAGE_SIZE, PAGES_UNCACHED)
    finally:
        await conn.close()
    return [f"/v1/companies/{siren}/employees?limit={PAGE_SIZE}&cursor={encode_cursor(dict(r))}" for r in rows]


def paths_script(paths: list[str]) -> Path:
    """A wrk script reading ``paths`` in turn, each thread from its own place in the list."""
    script = ROOT / "var" / "bench-affiliation-pages.lua"
    listed = ",\n".join(json.dumps(p) for p in paths)
    script.write_text(
        "-- generated by bench/affiliation_bench.py: pages read in turn (none twice in a row)\n"
        f"local paths = {{\n{listed}\n}}\n"
        "local threads = 0\n"
        "function setup(thread) thread:set('start', threads * 7919); threads = threads + 1 end\n"
        "local i = nil\n"
        "function request()\n"
        "  i = (i or tonumber(start) or 0) + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\n"
        "end\n")
    return script


async def employer_token(client: httpx.AsyncClient, siren: str) -> str:
    address = unique_email("bench-employer", "entreprise.example")
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "employer", "--email", address,
         "--first-name", "Estelle", "--last-name", "Bench", "--company-siren", siren],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    r = await client.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["access_token"]


def api_pids() -> list[int]:
    """The affiliation API processes of the local stack (and their workers' children)."""
    out = subprocess.run([str(ROOT / "deploy/local/bin/stack"), "status"], capture_output=True, text=True).stdout
    pids = [int(p) for p in re.findall(r"^affiliation-api\S*\s+RUNNING\s+pid (\d+)", out, re.M)]
    children = []
    for pid in pids:
        try:
            children += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            pass
    return pids + children


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def timed_download(path: str, token: str) -> dict:
    """Download ``path`` through the gateway, timing it, while sampling the API processes' memory."""
    pids = api_pids()
    before = {pid: rss_mb(pid) for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss_mb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    size, first_byte = 0, None
    with httpx.stream("GET", GATEWAY + path, headers={"Authorization": f"Bearer {token}"}, timeout=300) as r:
        assert r.status_code == 200, r.read()[:300]
        for chunk in r.iter_bytes():
            first_byte = first_byte or time.perf_counter() - started
            size += len(chunk)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return {"seconds": round(elapsed, 2), "first_byte_s": round(first_byte or elapsed, 3),
            "megabytes": round(size / 1e6, 1), "api_pids": pids,
            "rss_before_mb": {str(p): round(v, 1) for p, v in before.items()},
            "rss_peak_mb": {str(p): round(v, 1) for p, v in peak.items()},
            "peak_mb": round(max(peak.values(), default=0.0), 1)}


async def main() -> dict:
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "settings": {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS,
                                  "employees": EMPLOYEES}}
    started = time.perf_counter()
    siren = await big_company()
    results["seed_seconds"] = round(time.perf_counter() - started, 1)
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
        token = await employer_token(client, siren)
        first = await client.get(f"/v1/companies/{siren}/employees", params={"limit": PAGE_SIZE},
                                 headers={"Authorization": f"Bearer {token}"})
        assert first.status_code == 200 and len(first.json()["items"]) == PAGE_SIZE, first.text[:300]
        later = await later_pages(siren)
        second = await client.get(later[0], headers={"Authorization": f"Bearer {token}"})
        assert second.status_code == 200 and second.json()["items"][0]["id"] != first.json()["items"][0]["id"]
    page = f"/v1/companies/{siren}/employees?limit={PAGE_SIZE}"
    hello = start_hello()
    try:
        results["a_hello_via_gateway"] = wrk("/bench/hello")
        results["b_first_page_via_gateway"] = wrk(page, {"Authorization": f"Bearer {token}"})
        results["b2_uncached_pages_via_gateway"] = wrk("", {"Authorization": f"Bearer {token}"},
                                                       script=paths_script(later))
        results["b2_uncached_pages_via_gateway"]["pages"] = len(later)
    finally:
        hello.terminate()
        hello.wait()
    results["c_csv_export"] = await asyncio.to_thread(
        timed_download, f"/v1/companies/{siren}/employees/export?format=csv", token)
    results["d_xlsx_export"] = await asyncio.to_thread(
        timed_download, f"/v1/companies/{siren}/employees/export?format=xlsx", token)
    a, b = results["a_hello_via_gateway"]["rps"], results["b_first_page_via_gateway"]["rps"]
    b2 = results["b2_uncached_pages_via_gateway"]["rps"]
    peak = max(results["c_csv_export"]["peak_mb"], results["d_xlsx_export"]["peak_mb"])
    results["load_average"] = os.getloadavg()
    results["verdict"] = {"page_over_hello_rps": round(b / a, 3), "page_target": PAGE_TARGET,
                          "uncached_pages_over_hello_rps": round(b2 / a, 3),
                          "page_met": b / a >= PAGE_TARGET, "peak_rss_mb": peak,
                          "memory_target_mb": MEMORY_TARGET_MB, "memory_met": 0 < peak < MEMORY_TARGET_MB}
    return results


def markdown(r: dict) -> str:
    a, b, b2 = r["a_hello_via_gateway"], r["b_first_page_via_gateway"], r["b2_uncached_pages_via_gateway"]
    c, d, v = r["c_csv_export"], r["d_xlsx_export"], r["verdict"]

    def row(label: str, m: dict) -> str:
        return f"| {label} | {m['rps']:.0f} | {m['p50_ms']} | {m['p99_ms']} | {m['non_2xx']} |"

    def export(label: str, m: dict) -> str:
        return (f"| {label} | {m['seconds']} | {m['first_byte_s']} | {m['megabytes']} | "
                f"{max(m['rss_before_mb'].values(), default=0)} | {m['peak_mb']} |")

    return "\n".join([
        f"# Affiliation benchmark — {r['when']} ({r['machine']['cpus']} cores, "
        f"{r['settings']['employees']} employees, load average at the end "
        f"{' / '.join(f'{x:.2f}' for x in r['load_average'])})",
        "",
        f"wrk -t2 -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_seconds']}s through nginx, one after the other.",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|",
        row("(a) bare FastAPI hello via gateway", a),
        row("(b) GET /v1/companies/{siren}/employees?limit=50 (employer token) via gateway", b),
        row(f"(b') pages 2 to {b2['pages'] + 1} in turn (&cursor=..., never cached) via gateway", b2),
        "",
        "| download via gateway | seconds | first byte s | MB | API RSS before MB | API RSS peak MB |",
        "|---|---:|---:|---:|---:|---:|",
        export("(c) CSV, every employee", c),
        export("(d) XLSX, every employee", d),
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        f"| (b)/(a) ≥ {v['page_target']} | {v['page_over_hello_rps']} | {'yes' if v['page_met'] else 'NO'} |",
        f"| (b')/(a), no target (the database path) | {v['uncached_pages_over_hello_rps']} | – |",
        f"| API peak RSS during an export < {v['memory_target_mb']} MB | {v['peak_rss_mb']} | "
        f"{'yes' if v['memory_met'] else 'NO'} |",
        "",
    ])


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("affiliation", outcome, markdown(outcome), "affiliation-latest.md")
