"""The catalogue: life events, assistance services, the short questionnaire (AS-1..AS-3).

Services are included in the member's contract: nothing here has a price, and nothing is ever
charged (s000 « vous n'avez donc rien à payer »). Which services a contract provides for which
event, up to which quota and on which conditions, is a product's assistance guarantee
(``guarantees.py``, read from ``data/assistance_guarantees.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LifeEvent(StrEnum):
    HOSPITALISATION = "hospitalisation"
    IMMOBILISATION = "immobilisation"
    BIRTH = "birth"
    HEAVY_TREATMENT = "heavy_treatment"
    RELATIVE_DEATH = "relative_death"


@dataclass(frozen=True)
class LifeEventInfo:
    code: LifeEvent
    label: str
    description: str
    # Whether the questionnaire asks how many days it lasts (conditions such as "plus de 2 jours").
    has_duration: bool


LIFE_EVENTS: dict[LifeEvent, LifeEventInfo] = {e.code: e for e in (
    LifeEventInfo(LifeEvent.HOSPITALISATION, "Hospitalisation",
                  "Une hospitalisation, passée ou prévue (opération programmée, séjour en clinique ou à l'hôpital).",
                  True),
    LifeEventInfo(LifeEvent.IMMOBILISATION, "Immobilisation",
                  "Une immobilisation au domicile après un accident ou une maladie (plâtre, alitement prescrit).",
                  True),
    LifeEventInfo(LifeEvent.BIRTH, "Naissance",
                  "La naissance ou l'adoption d'un enfant, y compris une naissance attendue.", False),
    LifeEventInfo(LifeEvent.HEAVY_TREATMENT, "Traitement lourd",
                  "Un traitement lourd : chimiothérapie, radiothérapie, dialyse.", True),
    LifeEventInfo(LifeEvent.RELATIVE_DEATH, "Décès d'un proche",
                  "Le décès de votre conjoint, partenaire ou d'un enfant.", False),
)}


class Unit(StrEnum):
    HOURS = "hours"
    UNITS = "units"
    DAYS = "days"


UNIT_LABELS = {Unit.HOURS: "heures", Unit.UNITS: "prestations", Unit.DAYS: "jours"}


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    label: str
    description: str
    at_home: bool
    unit: Unit
    unit_label: str


SERVICES: dict[str, ServiceInfo] = {s.code: s for s in (
    ServiceInfo("home_help", "Aide à domicile",
                "Une aide ménagère vient chez vous pour l'entretien courant du logement, le linge, les courses "
                "de proximité et la préparation simple des repas, le temps que vous repreniez vos activités. "
                "Le nombre d'heures dépend de votre contrat ; la première intervention est organisée avec vous "
                "par téléphone.", True, Unit.HOURS, "heures"),
    ServiceInfo("childcare", "Garde des enfants",
                "Un intervenant qualifié garde vos enfants de moins de 16 ans à votre domicile, ou un proche "
                "désigné par vous est amené chez vous pour s'en occuper, pendant que vous ne pouvez pas le faire.",
                True, Unit.HOURS, "heures"),
    ServiceInfo("school_transport", "Conduite des enfants à l'école",
                "Un transporteur conduit vos enfants de moins de 16 ans de votre domicile à leur établissement "
                "scolaire et les ramène, selon les trajets que vous planifiez entre vos adresses (domicile, "
                "école, collège, lycée).", False, Unit.UNITS, "trajets"),
    ServiceInfo("meal_delivery", "Portage de repas",
                "Des repas équilibrés, adaptés si besoin à votre régime, vous sont livrés à domicile.",
                True, Unit.UNITS, "repas"),
    ServiceInfo("pet_care", "Garde des animaux de compagnie",
                "Vos chiens et chats sont gardés, chez vous ou en pension, pendant votre hospitalisation ou "
                "votre immobilisation.", True, Unit.DAYS, "jours"),
    ServiceInfo("relative_at_bedside", "Venue d'un proche à votre chevet",
                "Un proche de votre choix résidant en France vient à votre chevet : son trajet aller-retour "
                "(train ou avion) et, si besoin, son hébergement sont organisés pour vous.",
                False, Unit.UNITS, "déplacements"),
    ServiceInfo("remote_alarm", "Téléassistance",
                "Un boîtier et un médaillon d'appel sont installés chez vous : une simple pression vous met en "
                "relation avec un plateau d'écoute, jour et nuit.", True, Unit.DAYS, "jours"),
)}


# ---- the optional questionnaire (AS-2) --------------------------------------------------------


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    kind: str  # "yes_no" | "days"
    recommends: tuple[str, ...] = ()  # services a "oui" recommends
    only_for_duration: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question("duration_days", "Combien de jours dure (ou durera) cette situation ?", "days", only_for_duration=True),
    Question("needs_housework_help", "Aurez-vous besoin d'aide pour les tâches ménagères ?", "yes_no",
             ("home_help",)),
    Question("cannot_cook", "Aurez-vous des difficultés à préparer vos repas ?", "yes_no", ("meal_delivery",)),
    Question("children_under_16", "Avez-vous des enfants de moins de 16 ans à la maison ?", "yes_no",
             ("childcare", "school_transport")),
    Question("has_pets", "Avez-vous un chien ou un chat dont il faut s'occuper ?", "yes_no", ("pet_care",)),
    Question("lives_alone", "Vivez-vous seul(e) ?", "yes_no", ("remote_alarm", "relative_at_bedside")),
)


def questions_for(event: LifeEvent) -> list[Question]:
    has_duration = LIFE_EVENTS[event].has_duration
    return [q for q in QUESTIONS if has_duration or not q.only_for_duration]


def recommended(event: LifeEvent, answers: dict[str, int | bool]) -> set[str]:
    """The services the answers point to (before the contract filters them)."""
    out: set[str] = set()
    for q in questions_for(event):
        if q.kind == "yes_no" and answers.get(q.code) is True:
            out.update(q.recommends)
    return out
