"""argon2id password hashing, off the event loop (a thread per core, at a lower priority)."""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class PasswordHashing:
    def __init__(
        self, time_cost: int, memory_kib: int, parallelism: int, threads: int, niceness: int = 10
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="argon2", initializer=_lower_priority, initargs=(niceness,)
        )
        # Verifying against this keeps unknown identifiers as slow as known ones.
        self._decoy = self._hasher.hash("decoy-password-never-used")

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._verify_sync, stored_hash or self._decoy, password, stored_hash is None
        )

    def _verify_sync(self, stored_hash: str, password: str, decoy: bool) -> bool:
        try:
            return self._hasher.verify(stored_hash, password) and not decoy
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False)


def _lower_priority(niceness: int) -> None:
    """Hashing threads yield the CPU to the event loop: a sign-in flood must not slow every
    other request. On Linux a thread's niceness is its own (setpriority on its thread id)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):  # not Linux, or not allowed: hashing still works
        pass
