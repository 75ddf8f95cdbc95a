"""Claims's domain errors; the platform maps each kind to its problem+json answer."""

from __future__ import annotations

from ms_platform.errors import Conflict, InvalidInput, Missing


class InvalidField(InvalidInput):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, field=field)



class ClaimNotFound(Missing):
    code = "claim-not-found"


class DocumentNotFound(Missing):
    """A supporting document that is not one of the caller's claims' (or does not exist: same answer)."""

    code = "document-not-found"


class ClaimStatusConflict(Conflict):
    """A status change the workflow does not allow from the claim's current status (or a rejection without its reason)."""

    code = "claim-status-conflict"


class UnknownToContracts(Conflict):
    """Contracts does not know the claim's contract (claims heard of it: the registries disagree)."""

    code = "contract-unknown-to-contracts"
