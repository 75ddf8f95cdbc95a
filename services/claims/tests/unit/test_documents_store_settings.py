"""Which object store the settings choose (CLAIMS_DOCUMENTS_STORE), and the local store's checks."""

import hashlib

import pytest
from pydantic import ValidationError

from claims import bootstrap
from claims.adapters.documents_store import ChecksumMismatch, LocalDocumentStore
from claims.adapters.s3_store import S3DocumentStore
from claims.settings import ClaimsSettings

DSN = "postgresql://claims:secret@127.0.0.1:5432/claims"


def _settings(**values) -> ClaimsSettings:
    return ClaimsSettings(database_url=DSN, MS_ENVIRONMENT="test", **values)


def test_the_local_directory_is_the_default_store(tmp_path):
    assert isinstance(bootstrap.documents_store(_settings(documents_dir=tmp_path)), LocalDocumentStore)


def test_the_s3_store_needs_a_bucket_and_is_built_from_the_settings():
    with pytest.raises(ValidationError, match="CLAIMS_S3_BUCKET"):
        _settings(documents_store="s3")
    store = bootstrap.documents_store(_settings(documents_store="s3", s3_bucket="documents", s3_region="eu-west-3",
                                                s3_endpoint_url="http://127.0.0.1:9", s3_prefix="claims/"))
    assert isinstance(store, S3DocumentStore) and (store.bucket, store.prefix) == ("documents", "claims/")


def test_an_unknown_store_is_refused():
    with pytest.raises(ValidationError, match="documents_store"):
        _settings(documents_store="ftp")


def test_the_local_store_refuses_bytes_not_matching_their_checksum_and_a_missing_key_is_a_key_error(tmp_path):
    store = LocalDocumentStore(tmp_path)
    with pytest.raises(ChecksumMismatch):
        store.put("c/d", b"bytes", hashlib.sha256(b"other").hexdigest())
    assert not store.exists("c/d")
    store.put("c/d", b"bytes", hashlib.sha256(b"bytes").hexdigest())
    assert store.get("c/d") == b"bytes"
    with pytest.raises(KeyError):
        store.get("c/missing")
