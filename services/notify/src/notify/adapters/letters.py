"""Postal letters: a PDF per message (ReportLab), placed in a print queue.

``LocalPrintQueue`` writes to a directory (``var/letters/`` locally); an object store or a
print provider's API takes its place in production behind the same ``PrintQueue`` protocol.
The file is named after the message id, so a letter written twice replaces itself.
"""

from __future__ import annotations

import asyncio
import io
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from notify.adapters.repository import DueDelivery
from notify.adapters.sending import Handover, SendError
from notify.domain.messages import french_date
from notify.domain.model import message_reference

FONT, BOLD, SIZE, LEADING = "Helvetica", "Helvetica-Bold", 10.5, 14
LEFT, RIGHT, TOP, BOTTOM = 25 * mm, 20 * mm, 20 * mm, 25 * mm


class PrintQueue(Protocol):
    async def put(self, name: str, pdf: bytes) -> None: ...


class LocalPrintQueue:
    """A directory as print queue: each letter one PDF, written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _write(self, name: str, pdf: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(pdf)
        os.replace(tmp, self.directory / name)

    async def put(self, name: str, pdf: bytes) -> None:
        await asyncio.to_thread(self._write, name, pdf)


def letter_file_name(delivery: DueDelivery) -> str:
    return f"{message_reference(delivery.message_id).split('@')[0]}.pdf"


def render_letter_pdf(
    *, sender_lines: list[str], recipient: str, subject: str, body: str, reference: str, today: datetime,
) -> bytes:
    """An A4 letter: sender top left, address in the right-hand window, date, subject, body."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(subject)
    pdf.setAuthor(sender_lines[0] if sender_lines else "")
    width, height = A4
    y = height - TOP
    pdf.setFont(BOLD, SIZE)
    for line in sender_lines:
        pdf.drawString(LEFT, y, line)
        pdf.setFont(FONT, SIZE)
        y -= LEADING
    window_y = height - 50 * mm  # French DL window envelope: address block from 50 mm down
    for i, line in enumerate(recipient.splitlines()):
        pdf.drawString(110 * mm, window_y - i * LEADING, line)
    y = height - 95 * mm
    pdf.drawRightString(width - RIGHT, y, f"Le {french_date(today.astimezone(ZoneInfo('Europe/Paris')).date())}")
    y -= 2 * LEADING
    pdf.setFont(BOLD, SIZE)
    for line in simpleSplit(f"Objet : {subject}", BOLD, SIZE, width - LEFT - RIGHT):
        pdf.drawString(LEFT, y, line)
        y -= LEADING
    pdf.setFont(FONT, SIZE)
    y -= LEADING
    for paragraph in body.split("\n"):
        for line in simpleSplit(paragraph, FONT, SIZE, width - LEFT - RIGHT) or [""]:
            if y < BOTTOM:
                pdf.showPage()
                pdf.setFont(FONT, SIZE)
                y = height - TOP
            pdf.drawString(LEFT, y, line)
            y -= LEADING
    pdf.setFont(FONT, 7)
    pdf.drawString(LEFT, 12 * mm, f"Réf. {reference}")
    pdf.save()
    return buffer.getvalue()


class LetterSender:
    def __init__(self, queue: PrintQueue, sender_lines: list[str]) -> None:
        self._queue = queue
        self._sender_lines = sender_lines

    async def send(self, delivery: DueDelivery, handover: Handover = None) -> None:
        if not delivery.recipient:
            raise SendError("letter without a postal address", permanent=True)
        pdf = await asyncio.to_thread(
            render_letter_pdf, sender_lines=self._sender_lines, recipient=delivery.recipient,
            subject=delivery.content.subject or "", body=delivery.content.text,
            reference=message_reference(delivery.message_id), today=datetime.now().astimezone(),
        )
        if handover is not None:
            await handover()
        try:
            await self._queue.put(letter_file_name(delivery), pdf)
        except OSError as exc:
            raise SendError(type(exc).__name__, permanent=False) from exc
