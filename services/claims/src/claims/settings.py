"""Claims's settings (environment variables prefixed CLAIMS_)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


class ClaimsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMS_", extra="ignore", frozen=True)

    service_name: str = "claims"
    api_port: int = 8006
    # "Today" (no care date in the future) is the insurer's calendar day, not the server's.
    timezone: str = "Europe/Paris"
    # Lines one import may carry (HTTP and files alike): larger files are split by the sender.
    max_import_lines: int = Field(5000, ge=1)
    # The member's listing: lines per page by default and at most.
    page_size: int = Field(50, ge=1)
    page_size_max: int = Field(200, ge=1)
    # Printed on the PDF statement.
    insurer_name: str = "Mutuelle Démo"
    # Member-submitted claims (CL-4): the object store, a directory (a volume) by default or a
    # bucket through the S3 API; credentials come from the standard AWS environment variables or
    # the instance/pod role, never from here. Then the limits.
    documents_store: Literal["local", "s3"] = "local"
    documents_dir: Path = Path("var/claims-documents")
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_endpoint_url: str | None = None  # another S3-protocol server than AWS's (or a stand-in)
    s3_prefix: str = ""
    # x-amz-server-side-encryption on every object: "AES256", "aws:kms" (with s3_kms_key_id) or none.
    s3_server_side_encryption: str | None = "AES256"
    s3_kms_key_id: str | None = None
    s3_timeout_s: float = Field(10.0, gt=0)
    max_document_bytes: int = Field(10_000_000, ge=1)
    max_documents: int = Field(5, ge=1)
    max_documents_total_bytes: int = Field(20_000_000, ge=1)
    # CL-6: dental, optical, hearing and hospital costs above this need a prior quote.
    quote_threshold_eur: Decimal = Field(Decimal("500"), ge=0)
    # Contracts' API (ADR 0007): the guarantee a processed claim's amounts are computed under.
    contracts_url: str = "http://127.0.0.1:8002"
    contracts_timeout_s: float = Field(3.0, gt=0)

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> "ClaimsSettings":
        if self.documents_store == "s3" and not self.s3_bucket:
            raise ValueError("CLAIMS_DOCUMENTS_STORE=s3 needs CLAIMS_S3_BUCKET")
        return self
