"""The tiers payant card as a PNG: printed fields and an ECC 200 Data Matrix (reportlab's encoder).

reportlab's encoder is a fixed 44×44 symbol in C40 mode (about 200 upper-case characters):
``datamatrix_payload`` keeps the card's data within it.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from reportlab.graphics.barcode.ecc200datamatrix import ECC200DataMatrix

MODULE_PX = 5
QUIET_MODULES = 2


class PayloadTooLarge(ValueError):
    pass


def datamatrix_modules(payload: str) -> list[list[int]]:
    """The symbol's modules, top row first (1 = dark)."""
    symbol = ECC200DataMatrix(value=payload)
    symbol.validate()
    if not symbol.valid:
        raise PayloadTooLarge("characters outside Latin-1")
    try:
        rows = symbol.encode()
    except Exception as exc:  # reportlab raises a bare Exception when the data does not fit
        raise PayloadTooLarge(str(exc)) from exc
    return [list(map(int, row)) for row in reversed(rows)]  # reportlab stores bottom row first


def fits(payload: str) -> bool:
    try:
        datamatrix_modules(payload)
    except PayloadTooLarge:
        return False
    return True


def _draw_symbol(image: Image.Image, modules: list[list[int]], left: int, top: int) -> None:
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                x0, y0 = left + x * MODULE_PX, top + y * MODULE_PX
                draw.rectangle([x0, y0, x0 + MODULE_PX - 1, y0 + MODULE_PX - 1], fill="black")


def card_png(card: dict[str, Any]) -> bytes:
    """A printable card (about 85.6 × 54 mm at 300 dpi): text on the left, the symbol on the right."""
    modules = datamatrix_modules(card["datamatrix"])
    width, height = 1011, 638
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    title = ImageFont.load_default(size=30)
    draw.rectangle([0, 0, width - 1, height - 1], outline="#1f4e79", width=6)
    draw.text((30, 24), f"Carte de tiers payant — {card['insurer']}", fill="#1f4e79", font=title)
    lines = [
        f"AMC {card['amc_number']}   Convention {card['convention_type']}   Aiguillage {card['routing_criterion']}",
        f"Adhérent {card['member_number']}   Contrat {card['contract_number']}",
        f"Valable du {card['valid_from']:%d/%m/%Y} au {card['valid_to']:%d/%m/%Y}",
        *[f"{p['last_name'].upper()} {p['first_name']}  {p['birth_date']:%d/%m/%Y}" for p in card["people"]][:6],
        "  ".join(f"{g['code']} {g['level']}" for g in card["levels"][:4]),
        "  ".join(f"{g['code']} {g['level']}" for g in card["levels"][4:8]),
    ]
    for i, text in enumerate(lines):
        draw.text((30, 80 + i * 34), text, fill="black", font=font)
    side = (len(modules) + 2 * QUIET_MODULES) * MODULE_PX
    _draw_symbol(image, modules, width - side - 20 + QUIET_MODULES * MODULE_PX, height - side - 20 + QUIET_MODULES * MODULE_PX)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()
