"""Password policy (ID-2): a setting, with obvious and personal passwords refused."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# The most common passwords and keyboard walks (offline; no network check).
COMMON_PASSWORDS = frozenset(
    """
    0000 1111 1234 12345 123456 1234567 12345678 123456789 1234567890 0123456789 password
    motdepasse azerty azertyuiop qwerty qwertyuiop soleil bonjour doudou loulou chouchou
    marseille nicolas julien camille iloveyou jetaime admin welcome letmein monkey dragon
    football sunshine princess abc123 111111 000000 654321 987654321 123123 azerty123
    password1 motdepasse1 mutuelle adherent sante
    """.split()
)


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    require_upper: bool = True
    require_lower: bool = True
    require_digit: bool = False
    require_special: bool = True
    max_length: int = 128

    def problems(
        self,
        password: str,
        *,
        first_name: str = "",
        last_name: str = "",
        birth_date: date | None = None,
        city: str = "",
    ) -> list[str]:
        """French reasons why ``password`` is refused; empty when it is acceptable."""
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"Le mot de passe doit contenir au moins {self.min_length} caractères.")
        if len(password) > self.max_length:
            found.append(f"Le mot de passe ne doit pas dépasser {self.max_length} caractères.")
        if self.require_upper and not any(c.isupper() for c in password):
            found.append("Le mot de passe doit contenir au moins une majuscule.")
        if self.require_lower and not any(c.islower() for c in password):
            found.append("Le mot de passe doit contenir au moins une minuscule.")
        if self.require_digit and not any(c.isdigit() for c in password):
            found.append("Le mot de passe doit contenir au moins un chiffre.")
        if self.require_special and not any(not c.isalnum() for c in password):
            found.append("Le mot de passe doit contenir au moins un caractère spécial.")
        if _is_obvious(password):
            found.append("Ce mot de passe est trop courant ou trop simple.")
        if _contains_personal(password, first_name, last_name, birth_date, city):
            found.append(
                "Le mot de passe ne doit contenir ni votre nom, ni votre prénom, "
                "ni votre année de naissance, ni votre ville."
            )
        return found


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _is_obvious(password: str) -> bool:
    folded = _fold(password)
    core = re.sub(r"[^a-z0-9]", "", folded)
    stripped = re.sub(r"\d+$", "", core)
    if core in COMMON_PASSWORDS or stripped in COMMON_PASSWORDS:
        return True
    return len(set(core)) <= 2


def _contains_personal(
    password: str, first_name: str, last_name: str, birth_date: date | None, city: str
) -> bool:
    folded = _fold(password)
    words = [w for name in (first_name, last_name, city) for w in re.split(r"[\s\-']+", _fold(name))]
    if any(len(w) >= 3 and w in folded for w in words):
        return True
    return birth_date is not None and str(birth_date.year) in folded
