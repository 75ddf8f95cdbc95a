"""Settings of the contracts service (environment variables prefixed ``CONTRACTS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from ms_platform.settings import ServiceSettings


class ContractsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore", frozen=True)

    service_name: str = "contracts"
    api_port: int = 8002
    # Number formats differ between insurers (ID-1): they are deployment settings.
    contract_number_pattern: str = r"^\d{6}$"
    member_number_pattern: str = r"^\d{7}$"
    adult_age: int = 18
    max_import_lines: int = 5000
    # "Today" for the in-force rule is the insurer's calendar day, not the server's.
    timezone: str = "Europe/Paris"
    # The insurer's identifiers printed on the attestation and the tiers payant card (CT-3, CT-4).
    insurer_name: str = "Mutuelle Démo"
    amc_number: str = "912345678"
    convention_type: str = "TP"
    routing_criterion: str = "RO"
    # Termination (CT-9): the notice after confirmation before the contract ends.
    termination_notice_days: int = 30
    # Limits on what a member adds online (issue 11): people covered besides the holder, and
    # termination drafts not yet confirmed, per contract.
    max_beneficiaries_per_contract: int = 12
    max_open_termination_drafts: int = 3
    # Guarantee change and quote requests are answered within this delay (CT-7, CT-10).
    request_answer_hours: int = 72
    # A prospect's quote (no account) waits until they open the link mailed to the address
    # (double opt-in); the link is valid this long, and an address holds at most this many
    # unconfirmed requests (so at most this many confirmation emails until one is opened).
    quote_confirmation_hours: int = 24
    max_unconfirmed_quotes_per_email: int = 3
    # AF-3: the product of an affiliated employee's membership when the company's group contract
    # is not in the registry yet (per category, a product code the registry holds).
    group_products: dict[str, str] = {"sante": "SANTE-ENTREPRISE"}
    # The home summary's latest statement lines (CL-1) come from claims (ADR 0007); it answers
    # without them (latest_statements null) when claims does not answer within this delay.
    claims_url: str = "http://127.0.0.1:8006"
    claims_timeout_s: float = 1.0
