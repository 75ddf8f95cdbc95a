"""The S3 adapter of the documents' object store against an S3-protocol server on 127.0.0.1
(the stand-in of conftest.py): put with its SHA-256 verified by the store, get, exists,
delete, a checksum mismatch refused with nothing stored, a missing key, server-side encryption;
and a claim's document uploaded through the API with the S3 store configured (CL-4)."""

import base64
import hashlib
import random
import uuid
from datetime import UTC, date, datetime

import boto3
import pytest
from aiokafka import ConsumerRecord

from claims import bootstrap
from claims.adapters.documents_store import ChecksumMismatch
from claims.adapters.s3_store import S3DocumentStore
from claims.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.contracts import ContractRegistered
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _key() -> str:
    return f"{uuid.uuid4()}/{uuid.uuid4()}"


def _store(endpoint: str, bucket: str, **options) -> S3DocumentStore:
    return S3DocumentStore(bucket, region="eu-west-3", endpoint_url=endpoint, **options)


def test_put_get_exists_and_delete_round_trip_with_the_checksum_the_store_verified(s3_endpoint, s3_bucket):
    store, key, content = _store(s3_endpoint, s3_bucket), _key(), b"%PDF-1.4 facture\n" * 100
    store.put(key, content, hashlib.sha256(content).hexdigest())
    assert store.exists(key)
    assert store.get(key) == content
    raw = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-3")
    head = raw.head_object(Bucket=s3_bucket, Key=key, ChecksumMode="ENABLED")
    assert base64.b64decode(head["ChecksumSHA256"]) == hashlib.sha256(content).digest()
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting again is no error


def test_a_checksum_that_does_not_match_the_bytes_is_refused_and_nothing_is_stored(s3_endpoint, s3_bucket):
    store, key = _store(s3_endpoint, s3_bucket), _key()
    with pytest.raises(ChecksumMismatch):
        store.put(key, b"the bytes sent", hashlib.sha256(b"other bytes").hexdigest())
    assert not store.exists(key)


def test_stored_bytes_that_do_not_match_the_checksum_the_store_keeps_are_refused_on_read(s3_endpoint, s3_bucket):
    """An object whose bytes differ from the SHA-256 recorded with it (corrupted at rest or in
    transit): the read fails rather than hand the member other bytes."""
    store, key = _store(s3_endpoint, s3_bucket), _key()
    raw = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-3")
    raw.put_object(Bucket=s3_bucket, Key=key, Body=b"altered bytes", ChecksumAlgorithm="SHA256",
                   ChecksumSHA256=base64.b64encode(hashlib.sha256(b"original bytes").digest()).decode())
    with pytest.raises(ChecksumMismatch):
        store.get(key)


def test_a_missing_key_is_a_key_error(s3_endpoint, s3_bucket):
    store = _store(s3_endpoint, s3_bucket)
    with pytest.raises(KeyError):
        store.get(_key())
    assert not store.exists(_key())


def test_objects_are_written_with_the_configured_server_side_encryption_under_the_prefix(s3_endpoint, s3_bucket):
    store, key = _store(s3_endpoint, s3_bucket, prefix="claims/", server_side_encryption="AES256"), _key()
    store.put(key, b"x")
    raw = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-3")
    assert raw.head_object(Bucket=s3_bucket, Key=f"claims/{key}")["ServerSideEncryption"] == "AES256"
    assert store.get(key) == b"x"


def _record(envelope: Envelope) -> ConsumerRecord:
    return ConsumerRecord(topic="contracts.contract.v1", partition=0, offset=0, timestamp=0, timestamp_type=0,
                          key=None, value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def test_a_claims_document_uploaded_through_the_api_lands_in_the_s3_store_and_reads_back(
        client, token, pool, settings, app, s3_endpoint, s3_bucket, monkeypatch):
    for name, value in {"CLAIMS_DOCUMENTS_STORE": "s3", "CLAIMS_S3_BUCKET": s3_bucket,
                        "CLAIMS_S3_ENDPOINT_URL": s3_endpoint, "CLAIMS_S3_REGION": "eu-west-3"}.items():
        monkeypatch.setenv(name, value)
    store = bootstrap.documents_store(bootstrap.load_settings())
    assert isinstance(store, S3DocumentStore)
    monkeypatch.setattr(app.state, "documents_store", store)
    number, holder = f"{random.randrange(10**9):09d}", uuid.uuid4()
    event = ContractRegistered(contract_id=uuid.uuid4(), contract_number=number, category="sante", product_code="P",
                               holder_id=holder, start_date=date(2020, 1, 1), registered_at=datetime.now(UTC))
    runner = ConsumerRunner("claims", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record(Envelope.wrap(event))) == "handled"
    member = token("member", subject=uuid.uuid4(), person_id=holder)

    created = await client.post("/v1/claims", headers=member, files=[("documents", ("facture.pdf", PDF, "application/pdf"))],
                                data={"contract_number": number, "care_type": "consultation_gp",
                                      "care_date": "2026-03-01", "billed": "30.00"})
    assert created.status_code == 201, created.text
    claim = created.json()
    document = claim["documents"][0]
    key = await pool.fetchval("select storage_key from claim_document where id = $1", uuid.UUID(document["id"]))
    assert key == f"{claim['id']}/{document['id']}"
    raw = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-3")
    head = raw.head_object(Bucket=s3_bucket, Key=key, ChecksumMode="ENABLED")
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert head["ServerSideEncryption"] == settings.s3_server_side_encryption
    read = await client.get(f"/v1/claims/{claim['id']}/documents/{document['id']}", headers=member)
    assert read.status_code == 200 and read.content == PDF
