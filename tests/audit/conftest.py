"""The platform's audit, generated from every service's OpenAPI document fetched through the gateway.

The routes are read at collection time from ``/openapi/<service>.json`` for every service the
platform declares (``ms_deploy.declaration.load()``, the same declarations deploy/local/services.txt
is generated from), so a new service is audited without touching these tests. The journeys'
fixtures (gateway client, mailbox, operator, test registry) are the e2e ones, imported from
tests/e2e/conftest.py; the helpers come from tests/e2e/e2e_support.py, importable from everywhere
because the root pyproject.toml puts tests/e2e on pytest's ``pythonpath``.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import random
import re
import string
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import httpx
import jwt
import pytest

from e2e_support import GATEWAY, PASSWORD, sign_up_and_confirm, unique_email

# ---- the e2e fixtures, reused (not copied) -----------------------------------------------------

_E2E_CONFTEST = Path(__file__).resolve().parents[1] / "e2e" / "conftest.py"
_spec = importlib.util.spec_from_file_location("audit_reuses_e2e_conftest", _E2E_CONFTEST)
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)

gateway = _e2e.gateway
mailbox = _e2e.mailbox
operator_token = _e2e.operator_token
registry = _e2e.registry

WRITE_METHODS = ("post", "put", "patch")
METHODS = ("get", "post", "put", "patch", "delete")

# ---- the services and their documents -------------------------------------------------------


def service_names() -> list[str]:
    from ms_deploy.declaration import load

    return [service.name for service in load().services]


@lru_cache(maxsize=None)
def openapi_documents() -> dict[str, dict]:
    """Every service's OpenAPI document, through the gateway. Services restart while others work
    on the shared stack: a transient failure is retried for a while before collection fails."""
    documents: dict[str, dict] = {}
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=GATEWAY, timeout=10) as client:
        for name in service_names():
            while True:
                try:
                    response = client.get(f"/openapi/{name}.json")
                    if response.status_code == 200:
                        documents[name] = response.json()
                        break
                    problem = f"{response.status_code} {response.text[:200]}"
                except httpx.TransportError as error:
                    problem = repr(error)
                if time.monotonic() > deadline:
                    raise pytest.UsageError(f"the gateway did not serve /openapi/{name}.json ({problem}): make up")
                time.sleep(1)
    return documents


@lru_cache(maxsize=None)
def limited_prefixes() -> dict[str, str]:
    """Route prefixes the gateway rate-limits, with their zone (signin, signup, resets...)."""
    from ms_deploy.declaration import load

    return {limit.prefix: limit.zone for service in load().services for limit in service.limited}


def resolve(document: dict, node: Any) -> Any:
    """``node`` with every local ``$ref`` replaced by what it points to (documents have no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(document, {**target, **{k: v for k, v in node.items() if k != "$ref"}})
        return {key: resolve(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, item) for item in node]
    return node


@dataclass(frozen=True)
class Route:
    service: str
    method: str  # lower case, as in the document
    path: str

    def __str__(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"

    @property
    def operation(self) -> dict:
        document = openapi_documents()[self.service]
        return resolve(document, document["paths"][self.path][self.method])

    @property
    def parameters(self) -> list[dict]:
        return self.operation.get("parameters", [])

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{([^}]+)}", self.path)

    @property
    def id_parameters(self) -> list[dict]:
        """Parameters that name a resource: every path parameter, and query parameters called id or *_id."""
        return [p for p in self.parameters
                if p["in"] == "path" or (p["in"] == "query" and (p["name"] == "id" or p["name"].endswith("_id")))]

    @property
    def body_schema(self) -> dict | None:
        content = self.operation.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        return media.get("schema") if media else None

    @property
    def form_schema(self) -> dict | None:
        """The schema of a multipart/form-data body (fields and files: callback's contact requests)."""
        media = self.operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        return media.get("schema") if media else None

    @property
    def rate_limit_zone(self) -> str | None:
        for prefix, zone in limited_prefixes().items():
            if self.path == prefix or self.path.startswith(prefix + "/"):
                return zone
        return None

    @property
    def roles(self) -> list[str]:
        """The roles a token must hold (the document's ``x-roles``, from ``require_roles``)."""
        return self.operation.get("x-roles", [])

    @property
    def for_operators(self) -> bool:
        """Back-office routes only an operator may call: the audit calls them as an operator (a
        member's token only ever gets 403 there, which would test nothing)."""
        return self.roles == ["operator"]

    @property
    def acts_on_own_session(self) -> bool:
        """Writes on the caller's own account or session (sign-out, deletion, password, two-factor,
        email and profile changes): each may end the session or the account it runs with."""
        return self.method != "get" and re.match(r"^/v1/(me|sessions)(/|$)", self.path) is not None

    @property
    def checks_a_credential(self) -> bool:
        """Routes where a wrong guess counts as a sign-in failure of 127.0.0.1 or of an account (the
        gateway's sign-in zone, password resets, and every body that carries an existing password),
        which would throttle everything else the tests do from this address."""
        if self.rate_limit_zone in ("signin", "resets"):
            return True
        if self.rate_limit_zone == "signup":
            return False
        schema = self.body_schema or {}
        return any("password" in name for name in schema.get("properties", {}))


def all_routes() -> list[Route]:
    return [Route(service, method, path)
            for service, document in openapi_documents().items()
            for path, operations in document["paths"].items()
            for method in operations if method in METHODS]


def routes_with_ids() -> list[Route]:
    return [route for route in all_routes() if route.id_parameters]


def write_routes() -> list[Route]:
    return [route for route in all_routes() if route.method in WRITE_METHODS and route.body_schema]


# ---- members ----------------------------------------------------------------------------------


@dataclass
class Member:
    address: str
    token: str
    person: dict  # the registry line the member signed up with
    ids: dict[str, set[str]] = field(default_factory=dict)  # "contract_id" -> values seen in its answers

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def account_id(self) -> str:
        return jwt.decode(self.token, options={"verify_signature": False})["sub"]

    def every_id(self) -> set[str]:
        return {value for values in self.ids.values() for value in values}

    def first(self, name: str) -> str | None:
        values = sorted(self.ids.get(name, ()))
        return values[0] if values else None


class Members:
    """Members signed up through the real flow (registry import, sign-up, emailed confirmation,
    sign-in). ``fresh`` is a new one each call; ``shared(key)`` is one per key for the session."""

    def __init__(self, gateway: httpx.AsyncClient, mailbox, registry) -> None:
        self.gateway, self.mailbox, self.registry = gateway, mailbox, registry
        self._shared: dict[str, Member] = {}

    async def fresh(self, tag: str = "audit") -> Member:
        [person] = await self.registry.register(1)
        address = unique_email(tag)
        token = await sign_up_and_confirm(self.gateway, self.mailbox, person, address)
        member = Member(address, token, person)
        await self.learn_ids(member)
        return member

    async def shared(self, key: str) -> Member:
        if key not in self._shared:
            self._shared[key] = await self.fresh("audit")
        return self._shared[key]

    async def learn_ids(self, member: Member) -> None:
        await self.learn_ids_of(self.gateway, member)

    @staticmethod
    async def learn_ids_of(gateway: httpx.AsyncClient, member: Member) -> None:
        """Every id the member's own reads show: each GET route without a path parameter, then each
        GET route with path parameters filled from what the first pass found."""
        member.ids.setdefault("account_id", set()).add(member.account_id)
        gets = [r for r in all_routes() if r.method == "get" and not r.path.startswith("/internal/")
                and not any(p.get("required") and p["in"] == "query" for p in r.parameters)]
        for route in sorted(gets, key=lambda r: len(r.path_parameters)):
            for path in fill_paths(route, member):
                response = await gateway.get(path, headers=member.auth)
                if response.status_code == 200 and response.headers.get("content-type", "").startswith("application/json"):
                    harvest_ids(response.json(), _collection_name(route.path), member.ids)


def _singular(word: str) -> str:
    word = word.replace("-", "_")
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def _collection_name(path: str) -> str:
    static = [part for part in path.split("/") if part and not part.startswith("{")]
    return _singular(static[-1]) if static else "resource"


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def harvest_ids(node: Any, owner: str, ids: dict[str, set[str]]) -> None:
    """Collect uuids under keys ``id`` (named ``<owner>_id`` after the collection holding them)
    and ``*_id``."""
    if isinstance(node, list):
        for item in node:
            harvest_ids(item, owner, ids)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and _UUID.match(value) and (key == "id" or key.endswith("_id")):
                ids.setdefault(f"{owner}_id" if key == "id" else key, set()).add(value)
            elif isinstance(value, (dict, list)):
                harvest_ids(value, _singular(key) if isinstance(value, list) else owner, ids)


def fill_paths(route: Route, member: Member) -> list[str]:
    """The route's path with each path parameter replaced by the member's ids of that name (every
    combination); none when the member has no id of some name."""
    paths = [route.path]
    for name in route.path_parameters:
        values = sorted(member.ids.get(name, ()))
        paths = [p.replace("{" + name + "}", v) for p in paths for v in values]
    return paths


@pytest.fixture(scope="session")
def members(gateway, mailbox, registry) -> Members:
    return Members(gateway, mailbox, registry)


@pytest.fixture(scope="session")
def operator(operator_token) -> Member:
    """The back-office operator (tests/e2e's operator_token), as a caller of operator routes."""
    return Member("operator", operator_token, person={})


async def caller_of(route: "Route", members: Members, operator: Member, key: str) -> Member:
    """Who the audit sends a route's requests as: the operator on operator routes, else a member."""
    return operator if route.for_operators else await members.shared(key)


@lru_cache(maxsize=None)
def agent_token() -> tuple[str, str]:
    """A chargé d'assistance (staff kind "agent", created with identity's create-staff and signed
    in through the gateway), for the routes only agents may call (assistance's queue and cases)."""
    import os
    import subprocess

    from e2e_support import PYTHON, ROOT

    address = unique_email("audit-agent")
    subprocess.run([str(PYTHON), "-m", "identity", "create-staff", "--kind", "agent", "--email", address,
                    "--first-name", "Agathe", "--last-name", "Audit"],
                   cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True,
                   timeout=60)
    response = httpx.post(f"{GATEWAY}/v1/sessions", json={"identifier": address, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    return address, response.json()["access_token"]


async def fuzz_caller_of(route: "Route", members: Members, operator: Member, key: str,
                         renewal: Any = None) -> Member:
    """``caller_of``, and an agent on the routes only agents may call (``x-roles`` ["agent"]): a
    member's token only ever gets 403 there, which would fuzz nothing behind the role check."""
    if route.roles == ["agent"]:
        import asyncio

        address, token = await asyncio.to_thread(agent_token)
        if renewal is not None:  # the session outlives the agent's token: renew it like the others
            renewal.remember(token, address, PASSWORD)
        return Member("agent", token, person={})
    return await caller_of(route, members, operator, key)


# ---- valid bodies, built from the schema -------------------------------------------------------


def _letters(n: int) -> str:
    return "".join(random.SystemRandom().choice(string.ascii_lowercase) for _ in range(n))


def _nir(birth_date: str) -> str:
    """A well-formed French social security number for a woman born on ``birth_date`` in Paris."""
    body = f"2{birth_date[2:4]}{birth_date[5:7]}75056{random.randint(100, 999)}"
    return f"{body}{97 - int(body) % 97:02d}"


BIRTH_DATE = "2015-05-17"
VALUES_BY_NAME = {
    "year": time.gmtime().tm_year,
    "birth_date": BIRTH_DATE,
    "nir": lambda: _nir(BIRTH_DATE),
    "iban": "FR7630006000011234567890189",
    "phone": "+33612345678",
    "postcode": "75002",
    "country": "FR",
    "code": "123456",
    "relationship": "child",
    "kind": "quote",        # a request the member can make on any contract
    "reason": "case_follow_up",   # callbacks: the one reason a case number (free text below) goes with
    "slot_start": lambda: _free_callback_slot(),  # callbacks: a slot open now, with room left
    # Attachments (contact requests): a file whose bytes are a PDF, base64.
    "content_base64": "JVBERi0xLjQKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyA+PgplbmRvYmoKdHJhaWxlcgo8PCAvUm9vdCAxIDAgUiA+PgolJUVPRgo=",
    "category": "contract", # notification preferences: a category a member may choose for
    "channel": "letter",
    "password": PASSWORD,
    "current_password": PASSWORD,
    "new_password": "Nouvelle-Ecluse#2032",
    "url": "https://audit.example/hooks",  # a webhook target (https to a public host)
    "event_type": "AccountConfirmed",      # one a webhook may carry
    "event_date": lambda: time.strftime("%Y-%m-%d"),  # assistance: a life event today (past or planned)
    "care_type": "consultation_gp",  # claims: one of the coverage rules' care types (so a claim is created)
    # claims: a claim for care names no assistance case (AS-9's fields go with no care type): left out.
    "assistance_case_number": None,
    "assistance_service": None,
}


def _free_callback_slot() -> str:
    """A callback slot one may book now (slots move with the clock: none is fixed in advance)."""
    slots = httpx.get(f"{GATEWAY}/v1/callback-slots", timeout=10).json()
    return random.SystemRandom().choice(slots)["start"] if slots else "2026-06-30T10:00:00+00:00"


def valid_value(schema: dict, name: str, member: Member | None) -> Any:
    """A value the schema accepts and the business rules most likely accept too: realistic by field
    name, the member's own ids for *_id fields, unique letters for free text (so that two members'
    records never look like one person)."""
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf")
        chosen = next((o for o in options if o.get("type") != "null"), options[0])
        nullable = any(o.get("type") == "null" for o in options)
        if nullable and name.endswith("_id") and not (member and member.first(name)):
            return None  # an optional reference the member has nothing for
        return valid_value(chosen, name, member)
    if "enum" in schema:
        return VALUES_BY_NAME.get(name) if VALUES_BY_NAME.get(name) in schema["enum"] else schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return valid_object(schema, member)
    if kind == "array":  # one item when items are objects, so that their fields are in the body
        items = schema.get("items", {})
        count = max(1 if items.get("properties") else 0, schema.get("minItems", 0))
        return [valid_value(items, _singular(name), member) for _ in range(count)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1) if "maximum" not in schema else schema["maximum"]
    if kind == "number":
        return float(min(max(schema.get("minimum", 10.0), 10.0), schema.get("maximum", 10.0)))
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "uuid" or name.endswith("_id"):
        own = member.first(name) if member else None
        return own or str(uuid.uuid4())
    if fmt == "email" or name == "email":
        return unique_email("audit-body")
    if fmt == "date":
        value = VALUES_BY_NAME.get(name, "2026-06-30")  # birth_date, event_date (assistance: today)
        return value() if callable(value) else value
    if fmt == "date-time":
        value = VALUES_BY_NAME.get(name, "2026-06-30T10:00:00+00:00")
        return value() if callable(value) else value
    if name == "identifier" and member:
        return member.address
    if member and name in member.person and name not in ("last_name", "first_name", "birth_date"):
        return member.person[name]  # contract_number, member_number: well-formed and real
    if name in VALUES_BY_NAME:
        value = VALUES_BY_NAME[name]
        return value() if callable(value) else value
    low, high = schema.get("minLength", 1), schema.get("maxLength", 40)
    text = "Audit" + _letters(max(low, 12))
    return text[:max(low, min(high, len(text)))]


def valid_object(schema: dict, member: Member | None) -> dict:
    return {name: valid_value(sub, name, member) for name, sub in schema.get("properties", {}).items()}


def valid_body(route: Route, member: Member | None) -> Any:
    return valid_value(route.body_schema, "body", member)


@dataclass(frozen=True)
class Field:
    """One field of a request body: its path as the problem names it (``address.city``,
    ``items.0.channel``) and the keys to reach it in a body built by ``valid_body``."""

    name: str
    keys: tuple
    schema: dict = field(compare=False, hash=False)

    @property
    def types(self) -> set[str]:
        options = self.schema.get("anyOf") or self.schema.get("oneOf") or [self.schema]
        return {o.get("type", "object" if "properties" in o else "string" if "enum" in o else None)
                for o in options} - {"null", None}

    @property
    def format(self) -> str | None:
        options = self.schema.get("anyOf") or self.schema.get("oneOf") or [self.schema]
        return next((o["format"] for o in options if "format" in o), None)


def body_fields(schema: dict, prefix: tuple = ()) -> Iterator[Field]:
    """Every leaf field of a request schema (objects are walked into, arrays through their first item)."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        nested = next((o for o in options if o.get("type") == "object" or "properties" in o), None)
        if nested is not None:
            yield from body_fields(nested, prefix)
            return
    for name, sub in schema.get("properties", {}).items():
        keys = (*prefix, name)
        inner = sub.get("anyOf") or sub.get("oneOf") or [sub]
        obj = next((o for o in inner if o.get("type") == "object" or "properties" in o), None)
        arr = next((o for o in inner if o.get("type") == "array"), None)
        if obj is not None and obj.get("properties"):
            yield from body_fields(obj, keys)
        elif arr is not None and (arr.get("items", {}).get("properties")):
            yield from body_fields(arr["items"], (*keys, 0))
        else:
            yield Field(".".join(str(k) for k in keys), keys, sub)


def with_value(body: Any, keys: tuple, value: Any) -> Any:
    body = copy.deepcopy(body)
    target = body
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return body


MARK = "\u2603audit-mark\u2603"


def json_with_raw(body: Any, keys: tuple, raw: str) -> bytes:
    """The body as JSON text with ``raw`` written verbatim (not JSON-encoded) as the field's value,
    for what json.dumps cannot send: lone surrogate escapes, 1e400, NaN."""
    text = json.dumps(with_value(body, keys, MARK), ensure_ascii=False)
    return text.replace(json.dumps(MARK, ensure_ascii=False), raw).encode("utf-8", "surrogatepass")


def problem_fields(response: httpx.Response) -> set[str]:
    try:
        problem = response.json()
    except ValueError:
        return set()
    named = {problem.get("field")} | {e.get("field") for e in problem.get("errors", []) if isinstance(e, dict)}
    return {str(n) for n in named if n}


def describe(response: httpx.Response) -> str:
    return f"{response.status_code} {response.headers.get('content-type')} {response.text[:300]}"


# ---- the cases each suite is parametrised with -------------------------------------------------

STRING_CASES = {  # as JSON text, written verbatim into the body
    "NUL": r'"Cl\u0000aire"',
    "lone surrogate": r'"Cl\ud800aire"',
    "control characters": r'"Cl\u0007\u001b\u0085aire"',
    "bidi override U+202E": '"Cl\u202eeriaC"',
    "zero-width U+200B": '"Cl\u200baire"',
    "10,000 characters": '"' + "a" * 10_000 + '"',
    "300,000 characters": '"' + "a" * 300_000 + '"',
}
NUMBER_CASES = {"1e400": "1e400", "NaN": "NaN", "-Infinity": "-Infinity", "a 400-digit integer": "1" + "0" * 400}
DATE_CASES = {"date": {"impossible date 2023-02-30": '"2023-02-30"'},
              "date-time": {"impossible date 2023-02-30T10:00:00Z": '"2023-02-30T10:00:00Z"'}}
ROUTE_CASES = ("an extra field", "text/plain content", "form content")


def _wrong_type(types: set[str]) -> str:
    if types <= {"string"}:
        return "12345"
    if "string" not in types and types <= {"integer", "number", "boolean"}:
        return '"douze"'
    return '{"objet": 1}' if "object" not in types else '"texte"'


@dataclass(frozen=True)
class BadInput:
    route: Route
    kind: str
    raw: str = field(default="", repr=False)  # the field's value as JSON text
    body_field: Field | None = None

    def __str__(self) -> str:
        where = f" {self.body_field.name}" if self.body_field else ""
        return f"{self.route}{where}: {self.kind}"


def bad_inputs() -> list[BadInput]:
    cases: list[BadInput] = []
    for route in write_routes():
        for item in body_fields(route.body_schema):
            types = item.types
            if "string" in types:
                cases += [BadInput(route, kind, raw, item) for kind, raw in STRING_CASES.items()]
            if types & {"integer", "number"}:
                cases += [BadInput(route, kind, raw, item) for kind, raw in NUMBER_CASES.items()]
            cases += [BadInput(route, kind, raw, item) for kind, raw in DATE_CASES.get(item.format, {}).items()]
            cases.append(BadInput(route, "wrong type", _wrong_type(types), item))
        cases += [BadInput(route, kind) for kind in ROUTE_CASES]
    return cases


IDOR_DIRECTIONS = ("member A with member B's ids", "member B with member A's ids")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "api_route" in metafunc.fixturenames:
        metafunc.parametrize("api_route", all_routes(), ids=str)
    if "id_route" in metafunc.fixturenames:
        metafunc.parametrize("id_route", routes_with_ids(), ids=str)
    if "direction" in metafunc.fixturenames:
        metafunc.parametrize("direction", IDOR_DIRECTIONS)
    if "bad_input" in metafunc.fixturenames:
        metafunc.parametrize("bad_input", bad_inputs(), ids=str)


def creation_routes() -> list[Route]:
    """Writes that create or change a member's own resources: every write route with a body except
    those on the member's own account or session, the rate-limited and credential routes, and
    internal routes (not served through the gateway)."""
    return [r for r in write_routes() if not (r.acts_on_own_session or r.rate_limit_zone or r.checks_a_credential
                                              or r.path.startswith("/internal/"))]


def form_routes() -> list[Route]:
    """Writes whose body is multipart/form-data, served through the gateway."""
    return [r for r in all_routes() if r.method in WRITE_METHODS and r.form_schema and not r.path.startswith("/internal/")]


def _is_file(schema: dict) -> bool:
    return schema.get("format") == "binary" or "contentMediaType" in schema


def valid_form(route: Route, member: Member | None) -> dict[str, Any]:
    """httpx arguments (data, files) of a valid multipart body: fields valid by name, one PDF per file field."""
    data, files = {}, []
    pdf = base64.b64decode(VALUES_BY_NAME["content_base64"])
    for name, schema in route.form_schema.get("properties", {}).items():
        if _is_file(schema) or _is_file(schema.get("items", {})):
            files.append((name, ("audit.pdf", pdf, "application/pdf")))
            continue
        value = valid_value(schema, name, member)
        if value is not None:
            data[name] = value if isinstance(value, str) else json.dumps(value)
    return {"data": data, "files": files}


async def create_resources(gateway: httpx.AsyncClient, member: Member, service: str | None = None) -> dict[str, str]:
    """Send every creation route (of ``service`` only, when given) once with a valid body (path and
    body ids from the member's own), then learn the ids of what was created. Returns each route's
    answer, for failure messages."""
    answers: dict[str, str] = {}
    routes = [r for r in creation_routes() if service is None or r.service == service]
    for route in sorted(routes, key=lambda r: len(r.path_parameters)):
        for path in fill_paths(route, member)[:1]:
            response = await gateway.request(route.method, path, json=valid_body(route, member), headers=member.auth)
            answers[str(route)] = describe(response)
        await Members.learn_ids_of(gateway, member)
    for route in [r for r in form_routes() if service is None or r.service == service]:
        for path in fill_paths(route, member)[:1]:
            response = await gateway.request(route.method, path, **valid_form(route, member), headers=member.auth)
            answers[str(route)] = describe(response)
        await Members.learn_ids_of(gateway, member)
    return answers


@dataclass
class Pair:
    a: Member
    b: Member
    created: dict[str, dict[str, str]]


@pytest.fixture(scope="session")
async def idor_pair(gateway, members) -> Pair:
    """Two members, each with whatever the API lets them create, and the ids of it all."""
    a, b = await members.fresh("idor-a"), await members.fresh("idor-b")
    return Pair(a, b, {"A": await create_resources(gateway, a), "B": await create_resources(gateway, b)})


# ---- what the scoped audits (employer space, broker firms, broker space) share -------------------


def bad_input_request(bad: "BadInput", body: Any, auth: dict[str, str]) -> tuple[bytes, dict[str, str], str | None]:
    """What one bad-input case sends on a write route: the content, its headers (``auth``'s and its
    content type) and the field a 422 must name (None when the case names none)."""
    headers = {**auth, "content-type": "application/json"}
    if bad.body_field is not None:
        return json_with_raw(body, bad.body_field.keys, bad.raw), headers, bad.body_field.name
    if bad.kind == "an extra field":
        return json.dumps({**body, "audit_extra": "x"}).encode(), headers, "audit_extra"
    if bad.kind == "text/plain content":
        return json.dumps(body).encode(), {**headers, "content-type": "text/plain"}, None
    from urllib.parse import urlencode

    content = urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}).encode()
    return content, {**headers, "content-type": "application/x-www-form-urlencoded"}, None


def assert_refused_naming(bad: "BadInput", response: httpx.Response, named: str | None) -> None:
    """A bad input's answer: a 4xx problem+json (a 413 for the 300,000 characters the gateway
    refuses), and a 422 names the field."""
    allowed = {413} if bad.kind == "300,000 characters" else set()
    assert 400 <= response.status_code < 500 or response.status_code in allowed, f"{bad}: {describe(response)}"
    assert response.headers.get("content-type") == "application/problem+json", f"{bad}: {describe(response)}"
    if response.status_code == 422 and named:
        assert named in problem_fields(response), (
            f"{bad}: the 422 names {sorted(problem_fields(response))}, not {named}: {describe(response)}")


@lru_cache(maxsize=1)
def _schemathesis_suite():
    """test_schemathesis.py's examples and fuzzing loop, loaded under another name (pytest has
    collected it once already)."""
    spec = importlib.util.spec_from_file_location("audit_scoped_schemathesis",
                                                  Path(__file__).with_name("test_schemathesis.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fuzz_operation(route: "Route", token: str) -> int:
    """Schemathesis over one operation with ``token``: no server error, every answer in the
    operation's documented statuses, content types and schemas. The number of cases sent."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance, response_schema_conformance, status_code_conformance,
    )

    suite = _schemathesis_suite()
    operation = schemathesis.openapi.from_dict(openapi_documents()[route.service])[route.path][route.method.upper()]
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
    return suite._fuzz(operation, token, suite.EXAMPLES, checks)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(real: str, tampered: dict, invented: dict) -> dict[str, str]:
    """Tokens a caller could forge from a real one: its payload changed by ``tampered`` under its
    own signature, and a payload changed by ``invented`` (a new subject, fresh times) with alg
    none, a stranger's key under the real kid, and HS256."""
    from cryptography.hazmat.primitives.asymmetric import ec

    header, payload, signature = real.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    now = int(time.time())
    made_up = {**claims, "sub": str(uuid.uuid4()), "iat": now, "exp": now + 600, **invented}
    kid = jwt.get_unverified_header(real)["kid"]
    return {
        "a tampered payload": f"{header}.{_b64({**claims, **tampered})}.{signature}",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(made_up)}.",
        "a stranger's key under the real kid": jwt.encode(made_up, ec.generate_private_key(ec.SECP256R1()),
                                                          algorithm="ES256", headers={"kid": kid}),
        "hs256": jwt.encode(made_up, "secret", algorithm="HS256", headers={"kid": kid}),
    }


@pytest.fixture(scope="session")
def audit():
    """This module's helpers, for the test modules (a conftest is not importable by name: tests/e2e,
    on pytest's pythonpath, has one too)."""
    return sys.modules[__name__]
