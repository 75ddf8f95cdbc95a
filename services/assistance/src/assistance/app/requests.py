"""Use cases of the member's journey (AS-1..AS-7): browse the services of the contract, declare an
event, answer the questionnaire, select services, review the summary, validate once; and of the
case-opening worker (AS-6).

Health data (the declared event and the answers) is sealed before it reaches the database and
opened only for the member or the agent on the case (AS-10). Logs carry ids, never the data.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import structlog
from prometheus_client import Counter

from assistance.adapters import repository as repo
from assistance.adapters.contracts_cache import ContractsCache
from assistance.app.context import Assistance
from assistance.domain import errors
from assistance.domain.catalogue import LIFE_EVENTS, SERVICES, LifeEvent, questions_for, recommended
from assistance.domain.guarantees import Guarantee
from assistance.domain.requests import (
    CASE_STATUS_LABELS, Declaration, Selection, Status, case_number, check_answers, check_declaration,
    missing_for_case, mobile_phone, place,
)
from ms_events import outbox
from ms_events.envelope import Envelope
from ms_events.events.assistance import (
    AssistanceCaseNumberToSend, AssistanceCaseOpened, AssistanceRequested, RequestedService,
)
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()

VALIDATIONS = Counter("assistance_validations", "Assistance request validations by outcome (validated, replayed).",
                      ["outcome"])
CASES = Counter("assistance_cases", "Validated requests seen by the case-opening worker, by outcome "
                "(opened, to_check, already_seen).", ["outcome"])

STATUS_LABELS = {
    Status.DRAFT: "Demande en cours de saisie",
    Status.VALIDATED: "Demande validée, en attente de vérification",
    Status.TO_CHECK: "Demande en cours de vérification par nos chargés d'assistance",
    Status.CASE_OPENED: "Dossier d'assistance ouvert",
}


# ---- sealing -----------------------------------------------------------------------------------


def _seal_declaration(ctx: Assistance, request_id: uuid.UUID, declaration: Declaration) -> str:
    return ctx.cipher.seal(declaration.as_dict(), f"{request_id}:declaration")


def open_declaration(ctx: Assistance, request: dict[str, Any]) -> Declaration:
    return Declaration.of(ctx.cipher.open(request["declaration_sealed"], f"{request['id']}:declaration"))


def open_answers(ctx: Assistance, request: dict[str, Any]) -> dict[str, Any] | None:
    if request["answers_sealed"] is None:
        return None
    return ctx.cipher.open(request["answers_sealed"], f"{request['id']}:answers")


def _fingerprint_text(contract_id: uuid.UUID, declaration: Declaration) -> str:
    return f"{contract_id}|{declaration.event.value}|{declaration.event_date.isoformat()}"


# ---- the contract ------------------------------------------------------------------------------


def _in_force(ctx: Assistance, rows: list[dict[str, Any]], contract_id: uuid.UUID | None,
              today: date) -> tuple[uuid.UUID, str]:
    """The member's in-force contract with assistance guarantees (the one named, or the first:
    santé before prévoyance, then the oldest)."""
    rows = sorted((r for r in rows if r["start_date"] <= today and (r["end_date"] is None or r["end_date"] >= today)
                   and ctx.book.covers(r["product_code"])),
                  key=lambda r: (r["category"] != "sante", r["start_date"], r["contract_id"]))
    if contract_id is not None:
        # A contract named that is not one of the member's, in force, with assistance: not theirs to name.
        rows = [r for r in rows if r["contract_id"] == contract_id]
        if not rows:
            raise errors.ContractNotFound()
    if not rows:
        raise errors.NoAssistanceContract()
    return rows[0]["contract_id"], rows[0]["product_code"]


async def _contract(conn: asyncpg.Connection, ctx: Assistance, holders: list[uuid.UUID],
                    contract_id: uuid.UUID | None, today: date) -> tuple[uuid.UUID, str]:
    """The contract, read from the projection in the caller's transaction. Only contracts the
    member holds count (their own person and the accounts they linked, ID-12): a contract where
    they are merely a beneficiary gives them nothing to request (its holder requests)."""
    if not holders:
        raise errors.NoAssistanceContract()
    found = await repo.contracts_of_holders(conn, holders)
    return _in_force(ctx, [r for rows in found.values() for r in rows], contract_id, today)


def guarantee_view(g: Guarantee, used: int = 0, is_recommended: bool | None = None) -> dict[str, Any]:
    info = SERVICES[g.service]
    return {"service": g.service, "label": info.label, "description": info.description, "at_home": info.at_home,
            "unit": info.unit.value, "unit_label": info.unit_label, "quota": g.quota,
            "remaining": max(g.quota - used, 0), "conditions": g.conditions.labels(g.event),
            "included_in_contract": True, "recommended": is_recommended}


async def eligible_contract(uow: UnitOfWork, ctx: Assistance, holders: list[uuid.UUID],
                            contract_id: uuid.UUID | None, now: datetime,
                            cache: ContractsCache | None = None) -> tuple[uuid.UUID, str]:
    """The contract « Je sais ce dont j'ai besoin » shows (and its product): the holders' contracts
    come from the in-memory cache the projection's changes empty; "in force" from today's date."""
    if not holders:
        raise errors.NoAssistanceContract()

    async def load(missing: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
        async with uow.connect() as conn:
            return await repo.contracts_of_holders(conn, missing)

    found = await cache.get(holders, load) if cache is not None else await load(holders)
    return _in_force(ctx, [r for rows in found.values() for r in rows], contract_id, ctx.slots.today(now))


def browse(ctx: Assistance, contract_id: uuid.UUID, product: str, event: LifeEvent) -> dict[str, Any]:
    """« Je sais ce dont j'ai besoin »: every service the contract provides for the event; no request
    is made and nothing is stored (AS-2, AS-3). Depends on the contract and the guarantee book only."""
    return {"contract_id": contract_id, "event": event.value, "event_label": LIFE_EVENTS[event].label,
            "services": [guarantee_view(g) for g in ctx.book.for_event(product, event)]}


# ---- the request -------------------------------------------------------------------------------


async def declare(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, holders: list[uuid.UUID],
                  event: LifeEvent, event_date: date, duration_days: int | None, contract_id: uuid.UUID | None,
                  now: datetime) -> dict[str, Any]:
    """AS-1: declare an event and its date (past or planned); a draft request starts."""
    declaration = check_declaration(ctx.slots, event, event_date, duration_days, now)
    request_id = uuid.uuid4()
    async with uow.begin() as tx:
        cid, product = await _contract(tx.conn, ctx, holders, contract_id, ctx.slots.today(now))
        if not ctx.book.for_event(product, event):
            raise errors.EventNotCovered()
        await repo.add_request(tx.conn, {
            "id": request_id, "account_id": account_id, "contract_id": cid, "product_code": product,
            "declaration_sealed": _seal_declaration(ctx, request_id, declaration),
            "event_fingerprint": ctx.cipher.fingerprints(_fingerprint_text(cid, declaration))[0],
            "created_at": now})
    log.info("assistance.request_declared", request_id=str(request_id))
    return await summary(uow, ctx, account_id, request_id)


async def _owned(conn: asyncpg.Connection, account_id: uuid.UUID, request_id: uuid.UUID,
                 *, for_update: bool = False) -> dict[str, Any]:
    request = await repo.request(conn, request_id, for_update=for_update)
    if request is None or request["account_id"] != account_id:
        raise errors.RequestNotFound()
    return request


def _refuse_if_validated(ctx: Assistance, request: dict[str, Any]) -> None:
    """AS-7: after validation, the member changes nothing here; a callback does."""
    if request["status"] != Status.DRAFT:
        raise errors.RequestValidated(ctx.callback_booking_path, ctx.callback_slots_path)


def questionnaire(event: LifeEvent) -> list[dict[str, Any]]:
    return [{"code": q.code, "text": q.text, "kind": q.kind} for q in questions_for(event)]


async def answer(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, request_id: uuid.UUID,
                 answers: dict[str, object], now: datetime) -> dict[str, Any]:
    """AS-2: the optional questionnaire; its answers (sealed) recommend services of the contract."""
    async with uow.begin() as tx:
        request = await _owned(tx.conn, account_id, request_id, for_update=True)
        _refuse_if_validated(ctx, request)
        declaration = open_declaration(ctx, request)
        checked = check_answers(declaration.event, answers)
        if "duration_days" in checked:
            declaration = Declaration(declaration.event, declaration.event_date, int(checked["duration_days"]))
        await repo.set_answers(tx.conn, request_id, ctx.cipher.seal(checked, f"{request_id}:answers"),
                               _seal_declaration(ctx, request_id, declaration), now)
    log.info("assistance.questionnaire_answered", request_id=str(request_id))
    return await services_for(uow, ctx, account_id, request_id)


async def services_for(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID,
                       request_id: uuid.UUID) -> dict[str, Any]:
    """The services of the contract for the request's event, what is left of each quota, and
    those the answers recommend (when the questionnaire was answered)."""
    async with uow.connect() as conn:
        request = await _owned(conn, account_id, request_id)
        declaration = open_declaration(ctx, request)
        used = await repo.used_quota(conn, ctx.cipher.fingerprints(
            _fingerprint_text(request["contract_id"], declaration)), request_id)
    answers = open_answers(ctx, request)
    recs = recommended(declaration.event, answers) if answers is not None else None
    services = [guarantee_view(g, used.get(g.service, 0), None if recs is None else g.service in recs)
                for g in ctx.book.for_event(request["product_code"], declaration.event)]
    if recs is not None:
        services.sort(key=lambda s: not s["recommended"])
    return {"request_id": request_id, "event": declaration.event.value,
            "event_label": LIFE_EVENTS[declaration.event].label, "questionnaire_answered": answers is not None,
            "services": services, "slots": ctx.slots.labels()}


async def select(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, request_id: uuid.UUID,
                 selections: list[Selection], now: datetime) -> dict[str, Any]:
    """AS-4: the services chosen, each with a day, a slot and (at home) an address of the member's;
    quotas and conditions enforced. Replaces the previous selection; nothing is half-written."""
    async with uow.begin() as tx:
        request = await _owned(tx.conn, account_id, request_id, for_update=True)
        _refuse_if_validated(ctx, request)
        declaration = open_declaration(ctx, request)
        used = await repo.used_quota(tx.conn, ctx.cipher.fingerprints(
            _fingerprint_text(request["contract_id"], declaration)), request_id)
        addresses = {a["id"] for a in await repo.addresses_of(tx.conn, account_id)}
        placed = place(ctx.slots, ctx.book, request["product_code"], declaration, selections, addresses, used, now)
        await repo.replace_selections(tx.conn, request_id, placed, now)
    log.info("assistance.services_selected", request_id=str(request_id), count=len(placed))
    return await summary(uow, ctx, account_id, request_id)


async def validate(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, request_id: uuid.UUID,
                   phone: str | None, idempotency_key: str | None, now: datetime) -> tuple[dict[str, Any], bool]:
    """AS-5, AS-6: validate once; AssistanceRequested goes through the outbox in the same
    transaction. A retry with the same Idempotency-Key answers the first validation."""
    e164 = mobile_phone(phone) if phone else None
    try:
        async with uow.begin() as tx:
            # The request locked, the Idempotency-Key's owner, the event's lock and the selections
            # with their addresses: one round trip (repo.request_to_validate says why it is safe).
            request, by_key, event_locked, rows, addresses = await repo.request_to_validate(
                tx.conn, request_id, idempotency_key, account_id, ctx.cipher.current_key_id + ".")
            if request is None or request["account_id"] != account_id:
                raise errors.RequestNotFound()
            if by_key is not None:
                if by_key["id"] != request_id or by_key["account_id"] != account_id:
                    raise errors.IdempotencyKeyReused()
                VALIDATIONS.labels("replayed").inc()
                return await summary(uow, ctx, account_id, request_id), False
            _refuse_if_validated(ctx, request)
            # The quota again: another request for the same event may have been validated since
            # the selection. Validations of one event take turns (a transaction lock on its
            # fingerprint under the sealing key), so two at once cannot both take the last hours:
            # the quota is read by the next statement, once the lock is held.
            declaration = open_declaration(ctx, request)
            fingerprints = ctx.cipher.fingerprints(_fingerprint_text(request["contract_id"], declaration))
            if not event_locked:
                # Declared under an older key: its stored fingerprint is not the sealing key's.
                await repo.lock_event(tx.conn, fingerprints[0])
            if not rows:
                raise errors.NothingSelected()
            wanted: dict[str, tuple[int, int]] = {}
            for i, row in enumerate(rows):
                g = ctx.book.get(request["product_code"], declaration.event, row["service"])
                if g is None:
                    raise errors.ServiceNotInContract(i)
                wanted[row["service"]] = (wanted.get(row["service"], (0, 0))[0] + row["quantity"], g.quota)
            # The quota's read, the update and AssistanceRequested's outbox row in one statement
            # (the outbox rule holds: the same transaction); nothing is written over a quota.
            _, [outbox_row] = outbox.rows(AssistanceRequested(
                request_id=request_id, account_id=account_id, requested_at=now,
                services=[RequestedService(
                    service=r["service"], label=SERVICES[r["service"]].label, day=r["day"], slot_start=r["slot_start"],
                    slot_end=r["slot_end"], quantity=r["quantity"], unit=SERVICES[r["service"]].unit.value,
                    at_home=SERVICES[r["service"]].at_home) for r in rows]))
            validated_now, used = await repo.validate_within_quota(
                tx.conn, request_id, fingerprints, wanted, e164, idempotency_key, now, outbox_row)
            if not validated_now:
                _refuse_over_quota(rows, used, wanted)
            # The summary from what this transaction holds: no case exists before it commits.
            validated = {**request, "status": Status.VALIDATED.value, "phone": e164,
                         "idempotency_key": idempotency_key, "validated_at": now, "updated_at": now}
            [view] = await _views(tx.conn, ctx, [validated], {request_id: rows}, addresses, with_cases=False)
    except asyncpg.UniqueViolationError:
        # The same Idempotency-Key sent twice at once: the other request validated it.
        async with uow.connect() as conn:
            existing = await repo.by_idempotency_key(conn, idempotency_key or "")
        if existing is None or existing["id"] != request_id:
            raise errors.IdempotencyKeyReused() from None
        return await summary(uow, ctx, account_id, request_id), False
    VALIDATIONS.labels("validated").inc()
    log.info("assistance.request_validated", request_id=str(request_id))
    return view, True


def _refuse_over_quota(rows: list[dict[str, Any]], used: dict[str, int], wanted: dict[str, tuple[int, int]]) -> None:
    """The first selection that takes its service past the quota, named (its index in the selection)."""
    totals: dict[str, int] = {}
    for i, row in enumerate(rows):
        service = row["service"]
        totals[service] = totals.get(service, 0) + row["quantity"]
        quota = wanted[service][1]
        if totals[service] + used.get(service, 0) > quota:
            info = SERVICES[service]
            raise errors.QuotaExceeded(i, info.label, quota, info.unit_label, used.get(service, 0))
    raise AssertionError("the validation was refused over a quota that no selection exceeds")


async def delete_draft(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, request_id: uuid.UUID) -> None:
    """A draft may be dropped (to start again with another event); a validated request is
    cancelled through a callback (AS-7)."""
    async with uow.begin() as tx:
        request = await _owned(tx.conn, account_id, request_id, for_update=True)
        _refuse_if_validated(ctx, request)
        await repo.delete_request(tx.conn, request_id)


# ---- reading -----------------------------------------------------------------------------------


def _selection_view(row: dict[str, Any], addresses: dict[uuid.UUID, dict[str, Any]], ctx: Assistance) -> dict[str, Any]:
    info = SERVICES[row["service"]]
    local_start = row["slot_start"].astimezone(ctx.slots.zone)
    local_end = row["slot_end"].astimezone(ctx.slots.zone)
    address = addresses.get(row["address_id"]) if row["address_id"] else None
    return {"id": row["id"], "service": row["service"], "label": info.label, "at_home": info.at_home,
            "day": row["day"], "slot": f"{local_start:%H:%M}-{local_end:%H:%M}", "slot_start": row["slot_start"],
            "slot_end": row["slot_end"], "quantity": row["quantity"], "unit": info.unit.value,
            "unit_label": info.unit_label,
            "address": None if address is None else {k: address[k] for k in (
                "id", "label", "street_number", "street", "postcode", "city")}}


def _case_view(case: dict[str, Any] | None, history: list[dict[str, Any]]) -> dict[str, Any] | None:
    if case is None:
        return None
    return {"id": case["id"], "case_number": case["case_number"], "status": case["status"],
            "status_label": CASE_STATUS_LABELS.get(case["status"], case["status"]), "opened_at": case["opened_at"],
            "history": [{"status": h["status"], "status_label": CASE_STATUS_LABELS.get(h["status"], h["status"]),
                         "changed_at": h["changed_at"]} for h in history]}


async def _views(conn: asyncpg.Connection, ctx: Assistance, requests: list[dict[str, Any]],
                 selections: dict[uuid.UUID, list[dict[str, Any]]] | None = None,
                 addresses: dict[uuid.UUID, dict[str, Any]] | None = None,
                 with_cases: bool = True) -> list[dict[str, Any]]:
    """The requests as the member sees them; ``selections`` and their ``addresses`` when the
    caller has just read them, ``with_cases=False`` when none can have a case yet (inside the
    validating transaction)."""
    ids = [r["id"] for r in requests]
    if selections is None:
        selections = await repo.selections_of(conn, ids)
    if addresses is None:
        addresses = await repo.addresses_by_id(conn, list({s["address_id"] for rows in selections.values()
                                                           for s in rows if s["address_id"]}))
    cases = await repo.cases_of_requests(conn, ids) if with_cases else {}
    history = await repo.history_of(conn, [c["id"] for c in cases.values()]) if cases else {}
    out = []
    for r in requests:
        declaration = open_declaration(ctx, r)
        case = cases.get(r["id"])
        status = Status(r["status"])
        out.append({
            "id": r["id"], "status": status.value, "status_label": STATUS_LABELS[status],
            "contract_id": r["contract_id"], "event": declaration.event.value,
            "event_label": LIFE_EVENTS[declaration.event].label, "event_date": declaration.event_date,
            "duration_days": declaration.duration_days, "answers": open_answers(ctx, r),
            "selections": [_selection_view(s, addresses, ctx) for s in selections[r["id"]]],
            "phone_given": r["phone"] is not None, "created_at": r["created_at"], "validated_at": r["validated_at"],
            "check_by": r["check_by"] if status is Status.TO_CHECK else None,
            "editable": status is Status.DRAFT,
            "callback": None if status is Status.DRAFT else {
                "reasons": errors.CALLBACK_REASONS, "booking_url": ctx.callback_booking_path,
                "slots_url": ctx.callback_slots_path},
            "case": _case_view(case, history.get(case["id"], []) if case else []),
        })
    return out


async def summary(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID, request_id: uuid.UUID) -> dict[str, Any]:
    """AS-5: the summary (services, day, slot, address), and after validation its case."""
    async with uow.connect() as conn:
        request = await _owned(conn, account_id, request_id)
        return (await _views(conn, ctx, [request]))[0]


async def of_member(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        return await _views(conn, ctx, await repo.requests_of(conn, account_id))


async def access_log(uow: UnitOfWork, account_id: uuid.UUID, request_id: uuid.UUID) -> list[dict[str, Any]]:
    """AS-10: every read of this request's health data by an agent, for the member to see."""
    async with uow.connect() as conn:
        await _owned(conn, account_id, request_id)
        return await repo.access_log(conn, request_id)


# ---- the case-opening worker (AS-6) -------------------------------------------------------------


async def _open(conn: asyncpg.Connection, case_id: uuid.UUID, request: dict[str, Any], opened_by: str,
                now: datetime) -> str:
    number = case_number(now.year, await repo.next_case_sequence(conn))
    await repo.open_case(conn, case_id, number, opened_by, now)
    await repo.mark_case_opened(conn, request["id"], now)
    events: list[Any] = [AssistanceCaseOpened(case_id=case_id, request_id=request["id"], account_id=request["account_id"],
                                              case_number=number, opened_by=opened_by, opened_at=now)]
    if request["phone"]:
        events.append(AssistanceCaseNumberToSend(case_id=case_id, account_id=request["account_id"], case_number=number,
                                                 phone=request["phone"], opened_at=now))
    await outbox.append(conn, *events)
    return number


def case_opener(ctx: Assistance, clock=None):  # type: ignore[no-untyped-def]
    """The handler of AssistanceRequested: check the request is complete and open its case with a
    number, or put it in the agents' queue with its deadline. Runs in the inbox transaction; the
    case is unique per request, so a redelivered event opens nothing twice."""

    async def on_requested(conn: asyncpg.Connection, envelope: Envelope, event: AssistanceRequested) -> None:
        now = clock() if clock else datetime.now(event.requested_at.tzinfo)
        request = await repo.request(conn, event.request_id, for_update=True)
        if request is None or request["status"] != Status.VALIDATED:
            CASES.labels("already_seen").inc()
            return
        declaration = open_declaration(ctx, request)
        rows = (await repo.selections_of(conn, [request["id"]]))[request["id"]]
        missing = missing_for_case(ctx.book, request["product_code"], declaration, [r["service"] for r in rows],
                                   request["phone"])
        case_id = uuid.uuid4()
        if missing:
            check_by = request["validated_at"] + timedelta(hours=ctx.check_deadline_hours)
            if await repo.add_case(conn, case_id, request["id"], request["account_id"], "to_check", None, None, now):
                await repo.add_history(conn, case_id, "to_check", "worker", now)
                await repo.mark_to_check(conn, request["id"], missing, check_by, now)
            CASES.labels("to_check").inc()
            log.info("assistance.request_to_check", request_id=str(request["id"]), missing=len(missing))
            return
        if not await repo.add_case(conn, case_id, request["id"], request["account_id"], "to_check", None, None, now):
            CASES.labels("already_seen").inc()
            return
        await _open(conn, case_id, request, "worker", now)
        CASES.labels("opened").inc()
        log.info("assistance.case_opened", request_id=str(request["id"]), case_id=str(case_id))

    return on_requested
