"""Create identity's first ES256 signing key in a directory, unless one is there already.

    python deploy/docker/make-jwt-key.py /var/run/identity/jwt

The docker-compose counterpart of the key step of deploy/local/bin/secrets: one EC P-256
private key per file, named <kid>.pem. Rotation adds a file; identity signs with the newest.
"""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    existing = sorted(directory.glob("*.pem"))
    if existing:
        print(f"JWT signing key present: {', '.join(p.name for p in existing)}")
        return
    kid = f"k-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(2)}"
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = directory / f"{kid}.pem.tmp"
    tmp.write_bytes(pem)
    tmp.chmod(0o600)
    tmp.rename(directory / f"{kid}.pem")
    print(f"JWT signing key created: {kid}.pem")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make-jwt-key.py <directory>")
    main(Path(sys.argv[1]))
