"""The spending summary as a chart image (matplotlib, Agg: no display), SVG or PNG (CL-3)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)

SERIES = (("amo", "Sécurité sociale", "#4c78a8"), ("amc", "Mutuelle", "#59a14f"),
          ("out_of_pocket", "Reste à charge", "#e15759"))
TITLES = {"month": "Dépenses de santé par mois", "care_type": "Dépenses de santé par type de soin",
          "beneficiary": "Dépenses de santé par bénéficiaire"}
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def summary_chart(summary: dict[str, Any], fmt: str) -> bytes:
    """Stacked bars per group: what the AMO paid, what the insurer paid, what is left to the member.
    A ``Figure`` per call (not pyplot's global state): safe in a threadpool."""
    groups = summary["groups"]
    labels = [str(g["label"]) for g in groups] or ["—"]
    fig = Figure(figsize=(8, 4.5), dpi=100)
    ax = fig.subplots()
    bottom = [0.0] * len(labels)
    for key, name, color in SERIES:
        values = [float(Decimal(g[key])) for g in groups] or [0.0]
        ax.bar(labels, values, bottom=bottom, label=name, color=color)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_title(TITLES[summary["by"]])
    ax.set_ylabel("€")
    ax.legend(loc="upper right", fontsize=8)
    ax.tick_params(axis="x", labelrotation=30 if len(labels) > 4 else 0, labelsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    # SVG keeps its text as text (searchable, read by screen readers), not as glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
