"""Fixtures for claims's integration tests: the real app on the local PostgreSQL, tokens its own
verifier trusts (ms_platform.testing.service_app), and this service's own helpers below."""

from __future__ import annotations

import socket
import uuid
from typing import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from claims import bootstrap
from ms_platform.testing.service_app import service_app_fixtures

settings, signing_key, app, client, pool, token = service_app_fixtures(bootstrap, "claims")


# The S3 stand-in: moto's standalone server (ThreadedMotoServer) on 127.0.0.1, speaking the S3 HTTP
# protocol (SigV4, x-amz-checksum-sha256) as AWS S3 would; AWS itself is a third party these
# machines cannot reach. Dummy credentials in the standard AWS variables.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        for name, value in {"AWS_ACCESS_KEY_ID": "standin-key", "AWS_SECRET_ACCESS_KEY": "standin-secret",
                            "AWS_DEFAULT_REGION": "eu-west-3"}.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new bucket on the stand-in, for one test."""
    name = f"claims-documents-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-3").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    return name
