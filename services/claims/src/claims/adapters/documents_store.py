"""The object store of claims' supporting documents: a local directory by default
(``CLAIMS_DOCUMENTS_DIR``; a volume in compose and Kubernetes), or a bucket through the S3 API
(``CLAIMS_DOCUMENTS_STORE=s3``, adapters/s3_store.py). Keys are ``<claim id>/<document id>``.

Both implement ``DocumentStore``; its methods block (files, HTTP): callers run them in a thread."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class ChecksumMismatch(ValueError):
    """The bytes do not match the SHA-256 they were sent with: nothing was stored."""


class DocumentStore(Protocol):
    def put(self, key: str, content: bytes, sha256: str | None = None) -> None:
        """Store ``content`` whole or not at all; ``sha256`` (hex), when given, is verified by the
        store and a mismatch raises ``ChecksumMismatch``."""

    def get(self, key: str) -> bytes:
        """The stored bytes; ``KeyError`` when there are none under ``key``."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens when it is absent."""


class LocalDocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key outside the store")
        return path

    def put(self, key: str, content: bytes, sha256: str | None = None) -> None:
        """Written whole or not at all (a temporary file renamed into place)."""
        if sha256 is not None and hashlib.sha256(content).hexdigest() != sha256:
            raise ChecksumMismatch(key)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:
            pass
