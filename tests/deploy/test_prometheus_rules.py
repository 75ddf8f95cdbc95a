"""The platform's Prometheus rules: valid for promtool, each alert unit-tested, and about metrics that exist."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
METRICS_SOURCES = [ROOT / "libs" / "platform" / "src" / "ms_platform" / "metrics.py",
                   ROOT / "services" / "notify" / "src" / "notify" / "app" / "dispatcher.py"]


def exported_metrics() -> set[str]:
    """Every series name the platform's processes export (prometheus-client adds _total and _bucket)."""
    names = set()
    for source in METRICS_SOURCES:
        names |= set(re.findall(r'"([a-z][a-z_]+)"', source.read_text()))
    return names | {f"{n}_total" for n in names} | {f"{n}_bucket" for n in names} | {"up"}


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing: make install installs Debian's prometheus package"
    return found


def test_promtool_accepts_the_rules():
    result = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_on_its_series_and_stays_quiet_otherwise():
    result = subprocess.run([promtool(), "test", "rules", "rules.test.yml"], cwd=RULES.parent,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test():
    alerts = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load((RULES.parent / "rules.test.yml").read_text())["tests"]
    tested = {t["alertname"] for test in tests for t in test.get("alert_rule_test", [])}
    assert alerts == tested


def test_the_rules_use_only_metrics_the_platform_exports():
    exported = exported_metrics()
    text = RULES.read_text()
    used = set(re.findall(r"\b([a-z_]+(?:_total|_seconds_bucket|_seconds|_backlog|_lag))\b", text)) | {"up"}
    recorded = {r["record"] for g in yaml.safe_load(text)["groups"] for r in g["rules"] if "record" in r}
    assert used - exported - recorded == set()


def test_the_dashboard_queries_only_metrics_the_platform_exports_or_records():
    import json

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "memberspace-overview.json").read_text())
    exported = exported_metrics()
    recorded = {r["record"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"] if "record" in r}
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names = set(re.findall(r"\b([a-z_]+:[a-z_0-9:]+|[a-z_]+(?:_total|_bucket|_backlog|_lag|_seconds|_connections)|up)\b",
                                   target["expr"]))
            assert names and names <= exported | recorded, (panel["title"], names - exported - recorded)
