"""Jinja2 rendering of a template's parts for each channel.

``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html`` (autoescaped) make an email;
``<name>.sms.txt`` an SMS; a letter has the subject and ``<name>.letter.txt``, or the
plain-text part when the template has no letter wording of its own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

from notify.domain.model import Channel, Rendered

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class TemplateRenderer:
    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            # The templates ship with the code: compiled once, never re-checked on disk.
            auto_reload=False,
        )

    def _part(self, name: str, context: dict[str, Any]) -> str:
        return self._env.get_template(name).render(context)

    def _subject(self, name: str, context: dict[str, Any]) -> str:
        # A subject is one header line: a newline from a variable must not add headers.
        return re.sub(r"\s+", " ", self._part(f"{name}.subject.txt", context)).strip()

    def render(self, name: str, context: dict[str, Any], channel: Channel | str = Channel.EMAIL) -> Rendered:
        channel = Channel(channel)
        if channel is Channel.SMS:
            return Rendered(None, re.sub(r"\s+", " ", self._part(f"{name}.sms.txt", context)).strip())
        if channel is Channel.LETTER:
            try:
                body = self._part(f"{name}.letter.txt", context)
            except TemplateNotFound:
                body = self._part(f"{name}.txt", context)
            return Rendered(self._subject(name, context), body.strip() + "\n")
        return Rendered(
            subject=self._subject(name, context),
            text=self._part(f"{name}.txt", context),
            html=self._part(f"{name}.html", context),
        )
