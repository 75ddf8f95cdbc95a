"""Claims calls contracts with its own service token (ADR 0007, 0015)."""


def test_without_a_service_secret_outside_development_the_api_starts_and_only_its_calls_to_contracts_fail():
    from claims.bootstrap import service_tokens
    from claims.settings import ClaimsSettings
    from ms_platform.settings import Environment

    assert service_tokens(ClaimsSettings.model_construct(environment=Environment.PRODUCTION, service_secret=None)) is None
    assert service_tokens(ClaimsSettings.model_construct(environment=Environment.LOCAL, service_secret=None)) is not None
