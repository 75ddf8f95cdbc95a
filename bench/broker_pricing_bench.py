"""Benchmark of the broker's pricing tool (BR-2), against a baseline measured in the same run.

    .venv/bin/python bench/broker_pricing_bench.py        (the local stack must be up: make up)

(a) the bare FastAPI hello behind the same nginx (bench/run.py's baseline), (b) POST
/v1/broker-pricings for a family of four through the gateway (bench/broker_pricing.lua), signed in
as a firm's admin: an operator registers the firm at identity, the admin accepts the emailed
invitation and signs in, so the token carries identity's broker claims (ADR 0013).
Target: (b)/(a) >= 0.3. Results: bench/results/broker-pricing-<stamp>.json and
bench/results/broker-pricing-latest.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import re
import sys
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import httpx
from stdnum import luhn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import GATEWAY, ROOT, WRK_CONNECTIONS, WRK_SECONDS, operator_registry, save, start_hello, wrk  # noqa: E402

from e2e_support import MAILDIR, PASSWORD, Mailbox, unique_email  # noqa: E402

TARGET = 0.3
SCRIPT = ROOT / "bench" / "broker_pricing.lua"
OFFERS = ["SANTE-ESSENTIEL", "SANTE-CONFORT", "SANTE-OPTIMUM"]


def _siren() -> str:
    body = f"{random.randint(10_000_000, 99_999_999)}"
    return body + luhn.calc_check_digit(body)


async def broker_admin(client: httpx.AsyncClient) -> str:
    """A new firm registered by an operator; its admin accepts the invitation and signs in."""
    registry = await operator_registry(client)
    address = unique_email("bench-broker")
    firm = await client.post("/v1/broker-firms", headers={"Authorization": f"Bearer {registry.token}"}, json={
        "name": "Cabinet Banc d'Essai", "orias": f"{random.randint(10_000_000, 99_999_999)}", "siren": _siren(),
        "offers": OFFERS, "admin": {"email": address, "first_name": "Alice", "last_name": "Courtier"}})
    assert firm.status_code == 201, firm.text
    message = await Mailbox(MAILDIR).wait_for(address)
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"accepter-mon-invitation\?token=(\S+)", body)
    assert match, "the invitation email carries no link"
    accepted = await client.post("/v1/accounts/accept-invitation",
                                 json={"token": urllib.parse.unquote(match.group(1)), "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    session = await client.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    session.raise_for_status()
    return session.json()["access_token"]


async def main() -> dict:
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "load_average_before": os.getloadavg()},
                     "settings": {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS}}
    hello = start_hello()
    try:
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=60) as client:
            auth = {"Authorization": f"Bearer {await broker_admin(client)}"}
            sample = SCRIPT.read_text().split("wrk.body = ", 1)[1]
            priced = await client.post("/v1/broker-pricings", headers=auth, json={
                "product_code": "SANTE-ESSENTIEL", "postcode": "75011", "option_level": 1,
                "people": [{"relationship": r, "birth_date": d} for r, d in re.findall(
                    r'"relationship": "(\w+)", "birth_date": "([\d-]+)"', sample)]})
            assert priced.status_code == 200 and len(priced.json()["people"]) == 4, priced.text
        results["a_hello_via_gateway"] = wrk("/bench/hello")
        results["b_pricing_via_gateway"] = wrk("/v1/broker-pricings", auth, SCRIPT)
    finally:
        hello.terminate()
        hello.wait()
    results["machine"]["load_average_after"] = os.getloadavg()
    a, b = results["a_hello_via_gateway"]["rps"], results["b_pricing_via_gateway"]["rps"]
    results["verdict"] = {"pricing_over_hello_rps": round(b / a, 3), "target": TARGET, "met": b / a >= TARGET}
    return results


def markdown(r: dict) -> str:
    a, b, v = r["a_hello_via_gateway"], r["b_pricing_via_gateway"], r["verdict"]

    def row(label: str, m: dict) -> str:
        return f"| {label} | {m['rps']:.0f} | {m['p50_ms']} | {m['p99_ms']} | {m['non_2xx']} |"

    load = ", ".join(f"{x:.2f}" for x in r["machine"]["load_average_before"])
    return "\n".join([
        f"# Broker pricing benchmark — {r['when']} ({r['machine']['cpus']} cores, load average before: {load})",
        "",
        f"wrk -t2 -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_seconds']}s through nginx, one after the other.",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|",
        row("(a) bare FastAPI hello via gateway", a),
        row("(b) POST /v1/broker-pricings (family of four) via gateway", b),
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        f"| (b)/(a) ≥ {TARGET} | {v['pricing_over_hello_rps']} | {'yes' if v['met'] else 'NO'} |",
        "",
    ])


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("broker-pricing", outcome, markdown(outcome), "broker-pricing-latest.md")
