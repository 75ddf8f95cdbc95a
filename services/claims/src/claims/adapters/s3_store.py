"""Claims' supporting documents in a bucket through the S3 API (``CLAIMS_DOCUMENTS_STORE=s3``).

boto3, the AWS SDK, called in a thread (the store's methods block; callers use
``run_in_threadpool``): its client is thread-safe, signs requests (SigV4), retries, and reads
credentials the standard way (``AWS_*`` environment variables, web identity, the instance or
pod role), so none is in the repository or in settings. Each ``put`` checks the bytes against
the SHA-256 it is given, then sends it (``x-amz-checksum-sha256``): S3 computes it over the bytes
it received and refuses the object when they differ, so a document corrupted in transit is never
stored, and keeps it with the object; each ``get`` asks for it back (``x-amz-checksum-mode``)
and botocore checks the bytes read against it.
Keys are ``<claim id>/<document id>`` under an optional prefix."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, FlexibleChecksumError

from claims.adapters.documents_store import ChecksumMismatch

_MISSING = {"NoSuchKey", "404", "NotFound"}
_BAD_CHECKSUM = {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch", "InvalidRequest"}


class S3DocumentStore:
    def __init__(self, bucket: str, *, region: str | None = None, endpoint_url: str | None = None,
                 prefix: str = "", server_side_encryption: str | None = None, kms_key_id: str | None = None,
                 timeout_s: float = 10.0, client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._sse: dict[str, str] = {}
        if server_side_encryption:
            self._sse["ServerSideEncryption"] = server_side_encryption
            if kms_key_id:
                self._sse["SSEKMSKeyId"] = kms_key_id
        self._s3 = client or boto3.session.Session().client(
            "s3", region_name=region, endpoint_url=endpoint_url,
            config=Config(connect_timeout=timeout_s, read_timeout=timeout_s,
                          retries={"mode": "standard", "max_attempts": 3}))

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def put(self, key: str, content: bytes, sha256: str | None = None) -> None:
        digest = hashlib.sha256(content).digest()
        if sha256 is not None and digest != bytes.fromhex(sha256):
            raise ChecksumMismatch(key)
        try:
            self._s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=content, ChecksumAlgorithm="SHA256",
                                ChecksumSHA256=base64.b64encode(digest).decode(), **self._sse)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _BAD_CHECKSUM:
                raise ChecksumMismatch(key) from exc
            raise

    def get(self, key: str) -> bytes:
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=self._key(key), ChecksumMode="ENABLED")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise KeyError(key) from None
            raise
        body = answer["Body"]  # read() itself, not its context manager's raw stream, checks the SHA-256
        try:
            return body.read()
        except FlexibleChecksumError as exc:
            raise ChecksumMismatch(key) from exc
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        """S3's delete succeeds whether or not the key exists."""
        self._s3.delete_object(Bucket=self.bucket, Key=self._key(key))
