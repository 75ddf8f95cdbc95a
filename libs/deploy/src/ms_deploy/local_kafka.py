"""The local broker's principals: their SCRAM-SHA-512 credentials and ACLs, from the declarations.

    python -m ms_deploy local-kafka secrets   # var/secrets/kafka/<principal>.password, missing ones
    python -m ms_deploy local-kafka apply     # users and ACLs on the running broker (bin/up)

``admin`` is the broker's one super user (server.properties: super.users): topics, users and
ACLs, the tests and the tools. Every other principal's ACLs are ``ms_deploy.kafka.principal_acls``,
what the Strimzi KafkaUsers carry in Kubernetes: one principal per service, named after it,
and ``integrator``. ``apply`` is idempotent: it gives every principal its password again,
creates the ACLs that are missing and deletes those of a declared principal that no longer
follow from the declarations. Admin's own credential is written into the storage when
``deploy/local/bin/kafka-run`` formats it (``kafka-storage format --add-scram``): nothing can
sign in before that, so nothing else could create it.

Passwords are hex, drawn here once and kept in files readable by their owner only; they are
never printed. Each process of a service gets its own (``deploy/local/bin/with-env
--kafka-principal <service>``).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from ms_deploy import declaration, kafka
from ms_deploy.declaration import Platform

ADMIN = "admin"
MECHANISM = "SCRAM-SHA-512"
ITERATIONS = 8192
CLUSTER_RESOURCE = "kafka-cluster"  # the name Kafka gives the cluster resource of an ACL
PRINCIPAL_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


def secrets_dir(root: Path) -> Path:
    return Path(os.environ.get("KAFKA_SECRETS_DIR") or root / "var" / "secrets" / "kafka")


def principals(platform: Platform) -> list[str]:
    """Every principal of the local broker: admin, each service, integrator."""
    return [ADMIN, *kafka.principal_acls(platform)]


def password_file(directory: Path, principal: str) -> Path:
    if not PRINCIPAL_NAME.match(principal):
        raise ValueError(f"not a principal name: {principal!r}")
    return directory / f"{principal}.password"


def read_password(directory: Path, principal: str) -> str:
    return password_file(directory, principal).read_text().strip()


def ensure_passwords(directory: Path, names: list[str]) -> list[str]:
    """Draw a password for each principal that has none; returns the principals given one."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    created = []
    for name in names:
        path = password_file(directory, name)
        if path.exists() and path.read_text().strip():
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(24) + "\n")
        created.append(name)
    return created


def format_credential(password: str, salt: bytes | None = None) -> str:
    """Admin's credential as ``kafka-storage format --add-scram`` takes it: salted (RFC 5802's
    SaltedPassword, PBKDF2-HMAC-SHA-512), so the password itself never appears on a command line."""
    import base64
    import hashlib

    salt = salt or secrets.token_bytes(32)
    salted = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    return (f'{MECHANISM}=[name={ADMIN},salt="{base64.b64encode(salt).decode()}",'
            f'saltedpassword="{base64.b64encode(salted).decode()}",iterations={ITERATIONS}]')


# --- ACLs: the declarations' dicts (Strimzi's shape) <-> the broker's bindings -------------------

@dataclass(frozen=True, order=True)
class Binding:
    """One ALLOW ACL of the broker, in the broker's terms."""

    principal: str  # without the User: prefix
    resource_type: str  # TOPIC, GROUP, BROKER (the cluster)
    resource_name: str
    pattern: str  # LITERAL, PREFIXED
    operation: str  # READ, WRITE, DESCRIBE, IDEMPOTENT_WRITE
    host: str = "*"


def _operation(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()  # IdempotentWrite -> IDEMPOTENT_WRITE


def bindings(principal: str, rules: list[dict]) -> set[Binding]:
    """The broker ACLs a principal gets from its Strimzi-shaped rules (``kafka.acls``)."""
    out = set()
    for rule in rules:
        resource = rule["resource"]
        if resource["type"] == "cluster":
            kind, name, pattern = "BROKER", CLUSTER_RESOURCE, "LITERAL"
        else:
            kind, name = resource["type"].upper(), resource["name"]
            pattern = {"literal": "LITERAL", "prefix": "PREFIXED"}[resource.get("patternType", "literal")]
        for operation in rule["operations"]:
            out.add(Binding(principal, kind, name, pattern, _operation(operation), rule.get("host", "*")))
    return out


def desired_bindings(platform: Platform) -> dict[str, set[Binding]]:
    return {name: bindings(name, rules) for name, rules in kafka.principal_acls(platform).items()}


# --- the broker ------------------------------------------------------------------------------

def admin_client(bootstrap: str, password: str, errors: list | None = None):
    """An admin client signed in as admin; ``errors`` collects what librdkafka reports (its own
    log lines are dropped: they would say nothing a raised error does not)."""
    import logging

    from confluent_kafka.admin import AdminClient

    quiet = logging.getLogger("ms_deploy.local_kafka.librdkafka")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    config = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT",
              "sasl.mechanism": MECHANISM, "sasl.username": ADMIN, "sasl.password": password,
              "client.id": "local-kafka-principals", "logger": quiet}
    if errors is not None:
        config["error_cb"] = errors.append
    return AdminClient(config)


def admin_signs_in(bootstrap: str, password: str, timeout: float = 15) -> bool:
    """Whether admin signs in with SCRAM on the client listener: False when the broker refuses
    the sign-in, an error when it does not answer at all."""
    from confluent_kafka import KafkaError, KafkaException

    errors: list = []
    client = admin_client(bootstrap, password, errors)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.list_topics(timeout=2)
            return True
        except KafkaException:
            client.poll(0.2)  # serves error_cb
            if any(e.code() == KafkaError._AUTHENTICATION for e in errors):
                return False
    raise RuntimeError(f"Kafka does not answer on {bootstrap}: {[str(e) for e in errors][-3:]}")


def _wait(futures: dict, what: str) -> None:
    for key, future in futures.items():
        try:
            future.result(timeout=30)
        except Exception as exc:
            raise RuntimeError(f"{what} {key}: {exc}") from exc


def set_passwords(client, passwords: dict[str, str]) -> None:
    from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS)
    alterations = [UserScramCredentialUpsertion(name, info, password.encode()) for name, password in passwords.items()]
    _wait(client.alter_user_scram_credentials(alterations), "SCRAM credential of")


def forget_users(client, names: list[str]) -> None:
    from confluent_kafka.admin import ScramMechanism, UserScramCredentialDeletion

    _wait(client.alter_user_scram_credentials(
        [UserScramCredentialDeletion(name, ScramMechanism.SCRAM_SHA_512) for name in names]), "deleting the credential of")


def current_bindings(client) -> set[Binding]:
    from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType,
                                       ResourceType)

    everything = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                  AclOperation.ANY, AclPermissionType.ANY)
    found = set()
    for acl in client.describe_acls(everything).result(timeout=30):
        if acl.permission_type != AclPermissionType.ALLOW or not acl.principal.startswith("User:"):
            continue
        found.add(Binding(acl.principal.removeprefix("User:"), acl.restype.name, acl.name,
                          acl.resource_pattern_type.name, acl.operation.name, acl.host))
    return found


def _acl(binding: Binding):
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBinding(ResourceType[binding.resource_type], binding.resource_name,
                      ResourcePatternType[binding.pattern], f"User:{binding.principal}", binding.host,
                      AclOperation[binding.operation], AclPermissionType.ALLOW)


def _acl_filter(binding: Binding):
    from confluent_kafka.admin import AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBindingFilter(ResourceType[binding.resource_type], binding.resource_name,
                            ResourcePatternType[binding.pattern], f"User:{binding.principal}", binding.host,
                            AclOperation[binding.operation], AclPermissionType.ALLOW)


def reconcile_acls(client, wanted: dict[str, set[Binding]]) -> tuple[list[Binding], list[Binding]]:
    """Create the missing bindings of ``wanted``'s principals, delete their others; returns both lists."""
    have = {b for b in current_bindings(client) if b.principal in wanted}
    want = set().union(*wanted.values()) if wanted else set()
    missing, extra = sorted(want - have), sorted(have - want)
    if missing:
        _wait(client.create_acls([_acl(b) for b in missing]), "creating ACL")
    if extra:
        _wait(client.delete_acls([_acl_filter(b) for b in extra]), "deleting ACLs matching")
    return missing, extra


def forget_principal(client, name: str) -> None:
    """Remove a principal from the broker: its ACLs and its credential (a scaffolded service's)."""
    reconcile_acls(client, {name: set()})
    forget_users(client, [name])


def apply(platform: Platform, root: Path, bootstrap: str) -> str:
    directory = secrets_dir(root)
    names = principals(platform)
    ensure_passwords(directory, names)
    passwords = {name: read_password(directory, name) for name in names}
    if not admin_signs_in(bootstrap, passwords[ADMIN]):
        raise RuntimeError(
            f"{ADMIN} cannot sign in to {bootstrap}: its SCRAM credential is set when kafka-run formats the "
            f"storage (var/kafka/data), from {password_file(directory, ADMIN)}; if that file was drawn again "
            "since, the broker knows another password (stop kafka, move var/kafka/data away, make up)")
    client = admin_client(bootstrap, passwords[ADMIN])
    set_passwords(client, {name: pw for name, pw in passwords.items() if name != ADMIN})
    missing, extra = reconcile_acls(client, desired_bindings(platform))
    return f"kafka principals: {', '.join(names)}; ACLs added {len(missing)}, removed {len(extra)}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ms_deploy local-kafka", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["secrets", "apply", "format-credential"])
    parser.add_argument("--bootstrap", default=f"127.0.0.1:{os.environ.get('KAFKA_CLIENT_PORT', '9092')}")
    args = parser.parse_args(argv)
    platform = declaration.load()
    root = Path(declaration.ROOT)
    if args.command == "format-credential":  # kafka-run: admin's, salted, for kafka-storage format
        print(format_credential(read_password(secrets_dir(root), ADMIN)))
        return 0
    if args.command == "secrets":
        created = ensure_passwords(secrets_dir(root), principals(platform))
        print(f"kafka passwords: {len(created)} drawn" + (f" ({', '.join(created)})" if created else ""))
        return 0
    print(apply(platform, root, args.bootstrap))
    return 0
