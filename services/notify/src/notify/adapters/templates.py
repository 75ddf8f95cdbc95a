"""Jinja2 rendering of a template's subject, plain-text and HTML parts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notify.domain.model import Rendered

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class TemplateRenderer:
    """Renders ``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html`` (HTML autoescaped)."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        subject = self._env.get_template(f"{name}.subject.txt").render(context)
        return Rendered(
            # A subject is one header line: a newline from a variable must not add headers.
            subject=re.sub(r"\s+", " ", subject).strip(),
            text=self._env.get_template(f"{name}.txt").render(context),
            html=self._env.get_template(f"{name}.html").render(context),
        )
