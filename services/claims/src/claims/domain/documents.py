"""Supporting documents of a claim (CL-4): the type read from the bytes, size and count limits,
images normalised (EXIF orientation applied, every metadata dropped), a checksum. No I/O here."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from dataclasses import dataclass

import puremagic
from PIL import Image, ImageOps, UnidentifiedImageError

from ms_platform.errors import InvalidInput

ACCEPTED_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_FILENAME = 200


class UnacceptedDocument(InvalidInput):
    code = "unaccepted-document"


@dataclass(frozen=True)
class Document:
    id: uuid.UUID
    position: int
    file_name: str
    media_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _field(index: int) -> str:
    return f"documents.{index}"


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} Mo"


def file_name(raw: str | None, index: int) -> str:
    name = re.split(r"[\\/]", raw or "")[-1].strip()
    if not name or len(name) > MAX_FILENAME or any(not ch.isprintable() for ch in name):
        raise UnacceptedDocument(f"Chaque fichier doit avoir un nom lisible de 1 à {MAX_FILENAME} caractères.",
                                 field=_field(index))
    return name


def check_count(count: int, max_count: int) -> None:
    if count == 0:
        raise UnacceptedDocument("Joignez au moins une pièce justificative (facture ou feuille de soins).",
                                 field="documents")
    if count > max_count:
        raise UnacceptedDocument(f"Au plus {max_count} pièces justificatives par demande.", field="documents")


def check_total(total: int, max_total: int) -> None:
    if total > max_total:
        raise UnacceptedDocument(f"Les pièces justificatives dépassent ensemble la taille autorisée ({_mb(max_total)}).",
                                 field="documents")


def check_size(name: str, size: int, index: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UnacceptedDocument(f"« {name} » dépasse la taille autorisée ({_mb(max_bytes)}).", field=_field(index))


def _normalised_image(content: bytes, media_type: str, name: str, index: int) -> bytes:
    """The picture turned upright (EXIF orientation), re-encoded without any metadata (GPS, device)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            # A new image from the pixels only: no EXIF, XMP, ICC, comments or text chunks go along.
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if upright.mode == "P":
                clean.putpalette(upright.getpalette() or [])
            out = io.BytesIO()
            if media_type == "image/jpeg":
                clean.convert("RGB").save(out, format="JPEG", quality=90)
            else:
                clean.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise UnacceptedDocument(f"« {name} » n'est pas une image lisible.", field=_field(index)) from None


def document(raw_name: str | None, content: bytes, index: int, max_bytes: int) -> Document:
    """A PDF, JPEG or PNG, its type read from its bytes (never from its name or a header)."""
    name = file_name(raw_name, index)
    if not content:
        raise UnacceptedDocument(f"« {name} » est vide.", field=_field(index))
    check_size(name, len(content), index, max_bytes)
    try:
        media_type = puremagic.from_string(content, mime=True)
    except puremagic.PureError:
        media_type = ""
    if media_type not in ACCEPTED_TYPES:
        raise UnacceptedDocument(f"« {name} » : seuls les fichiers PDF, JPEG et PNG sont acceptés.", field=_field(index))
    if media_type != "application/pdf":
        content = _normalised_image(content, media_type, name, index)
    return Document(uuid.uuid4(), index, name, media_type, content, hashlib.sha256(content).hexdigest())
