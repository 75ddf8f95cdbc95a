"""Labelled addresses (homes, schools) and school trips between them (AS-8).

The postcode is checked against the city with La Poste's « Base officielle des codes postaux »
(data.gouv.fr, Licence Ouverte / Etalab), shipped as ``data/codes_postaux.csv.gz``: each
(postcode, commune) pair, including the delivery-line localities (ligne 5) and the routing label
(libellé d'acheminement). No maintained Python library ships this data offline (the geocoding
ones download it at run time, which these machines cannot); the file is refreshed from the
official CSV with ``python -m assistance.domain.addresses refresh <laposte_hexasmal.csv>``.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistance.domain.errors import PostcodeNotInCity

POSTCODES_FILE = Path(__file__).resolve().parents[1] / "data" / "codes_postaux.csv.gz"
_ARTICLES = re.compile(r"\b(SAINTE)\b|\b(SAINT)\b")


def city_key(name: str) -> str:
    """How La Poste writes a commune: upper case, no accents, hyphens and apostrophes as spaces,
    SAINT/SAINTE as ST/STE, single spaces ("Saint-Étienne" == "ST ETIENNE")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = re.sub(r"[-'’.,/]", " ", text)
    text = _ARTICLES.sub(lambda m: "STE" if m.group(1) else "ST", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class PostcodeBook:
    by_code: dict[str, frozenset[str]]

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, path: Path = POSTCODES_FILE) -> "PostcodeBook":
        by_code: dict[str, set[str]] = defaultdict(set)
        with gzip.open(path, "rt", encoding="utf-8") as f:
            reader = csv.reader(f, delimiter=";")
            next(reader)
            for code, commune in reader:
                by_code[code].add(city_key(commune))
        return cls({k: frozenset(v) for k, v in by_code.items()})

    def check(self, postcode: str, city: str) -> None:
        """PostcodeNotInCity unless ``city`` is a commune (or locality) of ``postcode``. Paris,
        Lyon and Marseille are written with or without their arrondissement."""
        known = self.by_code.get(postcode, frozenset())
        key = city_key(city)
        if key in known or re.sub(r" \d+(E|ER|EME)?( ARRONDISSEMENT)?$", "", key) in known:
            return
        raise PostcodeNotInCity(sorted(known))


def refresh(source: Path, target: Path = POSTCODES_FILE) -> int:
    """Rebuild the shipped file from La Poste's CSV (Code_commune_INSEE;Nom_commune;Code_postal;
    Ligne_5;Libellé_d_acheminement;...)."""
    pairs: set[tuple[str, str]] = set()
    with source.open(encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        for row in reader:
            for name in (row[1], row[3], row[4]):
                if name.strip():
                    pairs.add((row[2].strip(), name.strip()))
    out = io.StringIO()
    out.write("code_postal;commune\n")
    for code, name in sorted(pairs):
        out.write(f"{code};{name}\n")
    target.write_bytes(gzip.compress(out.getvalue().encode("utf-8")))
    return len(pairs)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "refresh":
    print(refresh(Path(sys.argv[2])), "postcode/commune pairs written")
