"""Benchmark of the web client's first page through the gateway (issue 17, ADR 0014).

    .venv/bin/python bench/web_bench.py        (the local stack must be up: make up)

Debian's Chromium (headless, driven by Playwright from PyPI) opens each measured page in a new
browser context with an empty cache, BENCH_WEB_ROUNDS times (default 10), through the gateway at
127.0.0.1:8080, and records from the DevTools protocol every request the page makes until the
network is idle: their count, the bytes on the wire (encodedDataLength: compressed as sent,
headers included) by kind, and the JavaScript's compressed bytes (the response bodies as sent,
gzip from the gateway). Time to interactive is the time from navigation start until the app has
mounted the page and focused its h1 (what the person can use), taken from performance.now() in
the page; DOMContentLoaded and load come from the Navigation Timing entry. Medians over the rounds.

Budget: under 200 kB of compressed JavaScript for the first page. Writes
bench/results/web-<time>.json and bench/results/web-latest.md, with the load average.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import GATEWAY, save  # noqa: E402

PAGES = ("/", "/connexion", "/inscription")
ROUNDS = int(os.environ.get("BENCH_WEB_ROUNDS", "10"))
BUDGET_JS_BYTES = 200 * 1000
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


async def measure(browser, path: str) -> dict:
    context = await browser.new_context(base_url=GATEWAY, viewport={"width": 390, "height": 844})
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    kinds: dict[str, str] = {}
    wire: dict[str, int] = {}
    bodies: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on("Network.dataReceived",
           lambda e: bodies.__setitem__(e["requestId"], bodies.get(e["requestId"], 0) + e["encodedDataLength"]))
    cdp.on("Network.loadingFinished", lambda e: wire.__setitem__(e["requestId"], e["encodedDataLength"]))
    await page.goto(path)
    # (a locator, not wait_for_function: the page's CSP forbids the eval that one would run)
    await page.locator("h1:focus").wait_for()
    interactive_ms = await page.evaluate("performance.now()")
    await page.wait_for_load_state("networkidle")
    timing = await page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; })()")
    await context.close()
    by_kind: dict[str, int] = {}
    for request_id, size in wire.items():
        kind = kinds.get(request_id, "Other")
        by_kind[kind] = by_kind.get(kind, 0) + size
    js_body = sum(bodies.get(r, 0) for r, k in kinds.items() if k == "Script")
    return {"requests": len(wire), "bytes_on_wire": sum(wire.values()), "bytes_by_kind": by_kind,
            "js_compressed_bytes": js_body, "interactive_ms": round(interactive_ms, 1),
            "dom_content_loaded_ms": round(timing["dcl"], 1), "load_ms": round(timing["load"], 1)}


async def main() -> dict:
    outcome: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
                     "machine": platform.machine(), "rounds": ROUNDS, "budget_js_bytes": BUDGET_JS_BYTES,
                     "load_before": os.getloadavg(), "pages": {}}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        outcome["chromium"] = browser.version
        for path in PAGES:
            await measure(browser, path)  # warm the gateway and the disk cache, not counted
            runs = [await measure(browser, path) for _ in range(ROUNDS)]
            outcome["pages"][path] = {
                "requests": max(r["requests"] for r in runs),
                "bytes_on_wire": int(statistics.median(r["bytes_on_wire"] for r in runs)),
                "js_compressed_bytes": max(r["js_compressed_bytes"] for r in runs),
                "bytes_by_kind": runs[-1]["bytes_by_kind"],
                "interactive_ms_median": round(statistics.median(r["interactive_ms"] for r in runs), 1),
                "interactive_ms_max": max(r["interactive_ms"] for r in runs),
                "dom_content_loaded_ms_median": round(statistics.median(r["dom_content_loaded_ms"] for r in runs), 1),
                "load_ms_median": round(statistics.median(r["load_ms"] for r in runs), 1),
            }
        await browser.close()
    outcome["load_after"] = os.getloadavg()
    worst = max(p["js_compressed_bytes"] for p in outcome["pages"].values())
    outcome["verdict"] = {"js_compressed_bytes_worst_first_page": worst, "budget_met": worst < BUDGET_JS_BYTES}
    return outcome


def markdown(o: dict) -> str:
    load = " / ".join(f"{x:.2f}" for x in o["load_after"])
    before = f"{o['load_before'][0]:.2f}"
    lines = [f"# Web client benchmark — {o['when']} ({o['cores']} cores, Chromium {o['chromium']}, "
             f"load average {before} at the start, {load} at the end)", "",
             f"Each page opened {o['rounds']} times in a new context with the cache disabled, through the gateway; "
             "medians (requests and JavaScript: the largest run).", "",
             "| first page | requests | bytes on the wire | compressed JS bytes | interactive ms (median / max) "
             "| DOMContentLoaded ms | load ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for path, p in o["pages"].items():
        lines.append(f"| `{path}` | {p['requests']} | {p['bytes_on_wire']} | {p['js_compressed_bytes']} | "
                     f"{p['interactive_ms_median']} / {p['interactive_ms_max']} | "
                     f"{p['dom_content_loaded_ms_median']} | {p['load_ms_median']} |")
    v = o["verdict"]
    lines += ["", "| target | measured | met |", "|---|---:|:---:|",
              f"| compressed JavaScript of the first page < {o['budget_js_bytes']} bytes | "
              f"{v['js_compressed_bytes_worst_first_page']} | {'yes' if v['budget_met'] else 'NO'} |", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    result = asyncio.run(main())
    save("web", result, markdown(result), "web-latest.md")
