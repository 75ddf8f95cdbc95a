"""Statement lines (décomptes, CL-1): validating the insurer's and the social security feed's
lines one by one before anything is written, masking the account paid, and the member's filters.

No I/O here. Care types are the coverage rules' (``coverage_rules.CARE_TYPES``, ADR 0012), so a
statement and contracts' simulator speak of the same acts of care.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from coverage_rules import CARE_TYPES, CENT
from ms_platform.civil_text import PersonName, checked, free_text_error

SOURCES = ("insurer", "noemie")
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
ContractNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), checked(free_text_error)]

CARE_TYPE_LABELS: dict[str, str] = {
    "consultation_gp": "Consultation généraliste",
    "consultation_specialist": "Consultation spécialiste",
    "pharmacy": "Pharmacie",
    "paramedical": "Auxiliaires médicaux",
    "radiology": "Radiologie",
    "biology": "Analyses de biologie",
    "hospital_stay": "Hospitalisation",
    "hospital_fees": "Honoraires hospitaliers",
    "hospital_private_room": "Chambre particulière",
    "optics_glasses": "Lunettes",
    "optics_lenses": "Lentilles",
    "dental_prosthesis": "Prothèse dentaire",
    "dental_implant": "Implant dentaire",
    "dental_orthodontics": "Orthodontie",
    "hearing_aid": "Aide auditive",
    "alternative_medicine": "Médecines douces",
}


class BeneficiaryShape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    last_name: PersonName
    first_name: PersonName
    birth_date: date


class _LineShape(BaseModel):
    """One line as the core system or the NOEMIE-like feed sends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Literal["insurer", "noemie"]
    source_ref: Ref
    contract_number: ContractNumber
    beneficiary: BeneficiaryShape
    care_date: date
    care_type: str
    billed: Amount
    br: Amount
    amo: Amount
    amc: Amount
    out_of_pocket: Amount
    payment_date: date | None = None
    paid_to_iban: str | None = Field(None, max_length=42)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class StatementLine:
    """A valid line, ready to be recorded (the IBAN already masked: the full one is never kept)."""

    source: str
    source_ref: str
    contract_number: str
    beneficiary: BeneficiaryShape
    care_date: date
    care_type: str
    billed: Decimal
    br: Decimal
    amo: Decimal
    amc: Decimal
    out_of_pocket: Decimal
    payment_date: date | None
    paid_to: str | None


@dataclass(frozen=True)
class RefusedLine:
    line: int
    source_ref: str | None
    errors: tuple[FieldError, ...]


@dataclass
class ImportReport:
    accepted: int = 0
    unchanged: int = 0
    refused: list[RefusedLine] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "refused": [{"line": r.line, "source_ref": r.source_ref,
                         "errors": [{"field": e.field, "message": e.message} for e in r.errors]}
                        for r in self.refused],
        }


_SHAPE_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "string_type": "Texte attendu.",
    "string_too_short": "Ce champ ne doit pas être vide.",
    "string_too_long": "Ce champ est trop long.",
    "string_pattern_mismatch": "Caractères non autorisés (lettres, chiffres, . _ : / -).",
    "literal_error": "Valeur non reconnue.",
    "date_from_datetime_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_type": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_from_datetime_inexact": "Date invalide (format attendu : AAAA-MM-JJ).",
    "decimal_parsing": "Montant invalide.",
    "decimal_type": "Montant invalide.",
    "decimal_max_places": "Un montant a au plus deux décimales.",
    "decimal_max_digits": "Montant trop grand.",
    "decimal_whole_digits": "Montant trop grand.",
    "greater_than_equal": "Un montant ne peut pas être négatif.",
    "model_type": "Objet attendu.",
    "model_attributes_type": "Objet attendu.",
}


def shape_errors(exc: ValidationError) -> list[FieldError]:
    return [
        FieldError(".".join(str(p) for p in err["loc"]) or "ligne",
                   str(err["ctx"]["error"]) if err["type"] == "value_error" and err.get("ctx", {}).get("error")
                   else _SHAPE_MESSAGES.get(err["type"], "Valeur invalide."))
        for err in exc.errors()
    ]


def mask_iban(compact: str) -> str:
    """``FR76 **** **** **** **** ***0 189``: the country, its key and the last four characters."""
    hidden = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(hidden[i:i + 4] for i in range(0, len(hidden), 4))


def _masked_iban(value: str | None) -> tuple[str | None, list[FieldError]]:
    if value is None:
        return None, []
    try:
        return mask_iban(IBAN(value).compact), []
    except SchwiftyException:
        return None, [FieldError("paid_to_iban", "IBAN invalide (format ou clé de contrôle).")]


def _rules(shape: _LineShape, known_contracts: set[str], today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    if shape.contract_number not in known_contracts:
        errors.append(FieldError("contract_number", "Contrat inconnu."))
    if shape.care_type not in CARE_TYPES:
        errors.append(FieldError("care_type", "Type de soin inconnu."))
    if shape.care_date > today:
        errors.append(FieldError("care_date", "La date des soins ne peut pas être dans le futur."))
    if shape.beneficiary.birth_date > shape.care_date:
        errors.append(FieldError("beneficiary.birth_date", "Le bénéficiaire est né après la date des soins."))
    if shape.payment_date is not None and shape.payment_date < shape.care_date:
        errors.append(FieldError("payment_date", "Le paiement précède la date des soins."))
    if shape.payment_date is not None and shape.payment_date > today:
        errors.append(FieldError("payment_date", "La date de paiement ne peut pas être dans le futur."))
    if shape.amo + shape.amc > shape.billed:
        errors.append(FieldError("amc", "La Sécurité sociale et la mutuelle ne peuvent rembourser plus que la dépense."))
    elif (shape.billed - shape.amo - shape.amc).quantize(CENT) != shape.out_of_pocket:
        errors.append(FieldError("out_of_pocket", "Le reste à charge doit être la dépense moins les parts AMO et mutuelle."))
    return errors


def validate_line(raw: Any, known_contracts: set[str], today: date) -> tuple[StatementLine | None, list[FieldError]]:
    """A line as read → the line to record, or every reason it is refused."""
    try:
        shape = _LineShape.model_validate(raw)
    except ValidationError as exc:
        return None, shape_errors(exc)
    errors = _rules(shape, known_contracts, today)
    paid_to, iban_errors = _masked_iban(shape.paid_to_iban)
    errors += iban_errors
    if errors:
        return None, errors
    return StatementLine(shape.source, shape.source_ref, shape.contract_number, shape.beneficiary, shape.care_date,
                         shape.care_type, shape.billed, shape.br, shape.amo, shape.amc, shape.out_of_pocket,
                         shape.payment_date, paid_to), []


def raw_ref(raw: Any) -> str | None:
    value = raw.get("source_ref") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and len(value) <= 64 else None


def validate_batch(lines: list[Any], known_contracts: set[str], today: date
                   ) -> list[tuple[int, StatementLine | None, RefusedLine | None]]:
    """Every line validated (numbered from 1); a (source, source_ref) seen twice is refused the second time."""
    results: list[tuple[int, StatementLine | None, RefusedLine | None]] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(lines, start=1):
        line, errors = validate_line(raw, known_contracts, today)
        if line is not None and (line.source, line.source_ref) in seen:
            line, errors = None, [FieldError("source_ref", "Cette référence figure déjà plus haut dans le fichier.")]
        if line is None:
            results.append((number, None, RefusedLine(number, raw_ref(raw), tuple(errors))))
        else:
            seen.add((line.source, line.source_ref))
            results.append((number, line, None))
    return results


# Names compared without accents, case or punctuation ("N'Diaye" = "NDIAYE").
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015'\u2018\u2019\u02bc`\u00b4.]+")


def person_key(last_name: str, first_name: str) -> str:
    def norm(value: str) -> str:
        decomposed = unicodedata.normalize("NFKD", value)
        return _SEPARATORS.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)).casefold())
    return f"{norm(last_name)}|{norm(first_name)}"


# --- The member's listing -----------------------------------------------------------------

class InvalidCursor(ValueError):
    pass


def encode_cursor(care_date: date, line_id: uuid.UUID) -> str:
    raw = json.dumps([care_date.isoformat(), str(line_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, uuid.UUID]:
    try:
        day, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return date.fromisoformat(day), uuid.UUID(ident)
    except (ValueError, TypeError):
        raise InvalidCursor(cursor) from None


def totals(lines: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Sums of the amounts of these lines, to the cent."""
    keys = ("billed", "amo", "amc", "out_of_pocket")
    return {k: sum((Decimal(line[k]) for line in lines), Decimal("0.00")).quantize(CENT) for k in keys}
