"""Benchmark of the callback service, against a baseline measured in the same run.

    .venv/bin/python bench/callback_bench.py        (the local stack must be up: make up)

(a) the bare FastAPI hello behind the same nginx (bench/run.py's baseline), (b) GET
/v1/callback-slots without a token (30 days of slots, each with its count and capacity), (c)
bookings at one contended slot: every wrk connection posts POST /v1/callbacks for the same slot
of capacity 3 with a member's token, so all but the first three answer 409 « Créneau complet »
with the next free slots, each one after taking the slot's lock. Targets: (b)/(a) >= 0.35,
(c)/(a) >= 0.2. Results: bench/results/callback-<stamp>.json and bench/results/callback-latest.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import GATEWAY, ROOT, WRK_CONNECTIONS, WRK_SECONDS, operator_registry, save, start_hello, wrk  # noqa: E402

from e2e_support import MAILDIR, Mailbox, sign_up_and_confirm, unique_email  # noqa: E402

READ_TARGET = 0.35
BOOKING_TARGET = 0.2
PARIS = ZoneInfo("Europe/Paris")


async def contended_slot(client: httpx.AsyncClient) -> tuple[str, str]:
    """A member's token, and the last bookable slot set to capacity 3 by an operator."""
    registry = await operator_registry(client)
    [member] = await registry.register(1)
    token = await sign_up_and_confirm(client, Mailbox(MAILDIR), member, unique_email("bench-callback"))
    slot = (await client.get("/v1/callback-slots")).json()[-1]["start"]
    day = datetime.fromisoformat(slot).astimezone(PARIS).date().isoformat()
    r = await client.put("/v1/callback-capacity", json={"day": day, "slot_start": slot, "capacity": 3},
                         headers={"Authorization": f"Bearer {registry.token}"})
    assert r.status_code == 200, r.text
    return token, slot


def booking_script(slot: str) -> Path:
    """A wrk Lua script posting the same booking (one slot) on every request."""
    body = json.dumps({"reason": "contract_question", "slot_start": slot, "phone": "06 12 34 56 78"})
    path = ROOT / "var" / "bench" / "callback_booking.lua"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                    f"wrk.body = {json.dumps(body)}\n")
    return path


async def main() -> dict:
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "settings": {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS}}
    hello = start_hello()
    try:
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
            token, slot = await contended_slot(client)
            script = booking_script(slot)
        results["a_hello_via_gateway"] = wrk("/bench/hello")
        results["b_slots_via_gateway"] = wrk("/v1/callback-slots")
        results["c_contended_bookings_via_gateway"] = wrk("/v1/callbacks", {"Authorization": f"Bearer {token}"},
                                                          script)
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
            mine = (await client.get("/v1/callbacks", headers={"Authorization": f"Bearer {token}"})).json()
        results["c_booked"] = sum(1 for c in mine if c["slot_start"] == slot or
                                  datetime.fromisoformat(c["slot_start"]) == datetime.fromisoformat(slot))
    finally:
        hello.terminate()
        hello.wait()
    a, b, c = (results[k]["rps"] for k in ("a_hello_via_gateway", "b_slots_via_gateway",
                                           "c_contended_bookings_via_gateway"))
    results["verdict"] = {
        "slots_over_hello_rps": round(b / a, 3), "slots_target": READ_TARGET, "slots_met": b / a >= READ_TARGET,
        "bookings_over_hello_rps": round(c / a, 3), "bookings_target": BOOKING_TARGET,
        "bookings_met": c / a >= BOOKING_TARGET, "capacity_held": results["c_booked"] <= 3}
    return results


def markdown(r: dict) -> str:
    a, b, c = r["a_hello_via_gateway"], r["b_slots_via_gateway"], r["c_contended_bookings_via_gateway"]
    v = r["verdict"]

    def row(label: str, m: dict) -> str:
        return f"| {label} | {m['rps']:.0f} | {m['p50_ms']} | {m['p99_ms']} | {m['non_2xx']} |"

    return "\n".join([
        f"# Callback benchmark — {r['when']} ({r['machine']['cpus']} cores)",
        "",
        f"wrk -t2 -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_seconds']}s through nginx, one after the other.",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|",
        row("(a) bare FastAPI hello via gateway", a),
        row("(b) GET /v1/callback-slots (30 days, no token) via gateway", b),
        row("(c) POST /v1/callbacks, one slot of capacity 3 (409 « Créneau complet » after 3) via gateway", c),
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        f"| (b)/(a) ≥ {v['slots_target']} | {v['slots_over_hello_rps']} | {'yes' if v['slots_met'] else 'NO'} |",
        f"| (c)/(a) ≥ {v['bookings_target']} | {v['bookings_over_hello_rps']} | {'yes' if v['bookings_met'] else 'NO'} |",
        f"| callbacks booked on the slot ≤ 3 | {r['c_booked']} | {'yes' if v['capacity_held'] else 'NO'} |",
        "",
    ])


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("callback", outcome, markdown(outcome), "callback-latest.md")
