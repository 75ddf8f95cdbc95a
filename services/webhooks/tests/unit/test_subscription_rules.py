"""Target URLs and event types a subscription may have."""

import uuid

import pytest

from ms_events.catalogue import private_topics, registered, secret_fields

from webhooks.domain.errors import InvalidTargetUrl, TooManySubscriptions, UnknownEventType
from webhooks.domain.model import check_event_types, check_target_url, new_subscription, subscribable


@pytest.mark.parametrize("url", ["https://integrateur.example/hooks", "https://api.partenaire.fr:8443/w?x=1",
                                 "https://93.184.216.34/hook"])
def test_an_https_url_to_a_public_host_is_accepted(url):
    assert check_target_url(url, allow_http_loopback=False) == url


@pytest.mark.parametrize("url", ["http://integrateur.example/hooks", "ftp://integrateur.example/",
                                 "http://127.0.0.1:9000/hook", "integrateur.example/hooks", ""])
def test_anything_but_https_is_refused_outside_the_local_stack(url):
    with pytest.raises(InvalidTargetUrl):
        check_target_url(url, allow_http_loopback=False)


def test_http_to_127_0_0_1_is_accepted_only_where_the_setting_allows_it():
    assert check_target_url("http://127.0.0.1:9000/hook", allow_http_loopback=True)
    for url in ("http://localhost:9000/hook", "http://10.0.0.5/hook", "http://integrateur.example/hook"):
        with pytest.raises(InvalidTargetUrl):
            check_target_url(url, allow_http_loopback=True)


@pytest.mark.parametrize("url", ["https://localhost/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook",
                                 "https://192.168.0.10/hook", "https://169.254.169.254/latest/meta-data",
                                 "https://[::1]/hook", "https://[fd00::1]/hook", "https://intranet/hook",
                                 "https://x.localhost/hook"])
def test_loopback_private_link_local_and_single_label_hosts_are_refused(url):
    with pytest.raises(InvalidTargetUrl):
        check_target_url(url, allow_http_loopback=False)


@pytest.mark.parametrize("url", ["https://user:pass@integrateur.example/hook", "https://integrateur.example/h#frag",
                                 "https://integrateur.example/h ook", "https://intégrateur.example/hook",
                                 "https://integrateur.example:99999/hook", "https://integrateur.example/\u202e",
                                 "https://integrateur.example/" + "a" * 2100])
def test_credentials_fragments_spaces_non_ascii_bad_ports_and_overlong_urls_are_refused(url):
    with pytest.raises(InvalidTargetUrl) as refused:
        check_target_url(url, allow_http_loopback=False)
    assert refused.value.field == "url"


def test_no_private_event_and_no_event_with_a_secret_field_can_ever_be_subscribed():
    allowed = subscribable()
    for name, cls in registered().items():
        if cls.meta().private or cls.meta().topic in private_topics() or secret_fields(cls):
            assert name not in allowed, f"{name} would leave the platform through a webhook"
            with pytest.raises(UnknownEventType):
                check_event_types([name])
    assert not {cls.meta().topic for cls in allowed.values()} & set(private_topics())


def test_every_public_event_without_a_secret_can_be_subscribed():
    expected = {n for n, c in registered().items() if not c.meta().private and not secret_fields(c)}
    assert set(subscribable()) == expected and "AccountConfirmed" in expected


def test_event_types_are_kept_once_each_and_an_unknown_one_is_named_by_its_index():
    assert check_event_types(["ProfileUpdated", "AccountConfirmed", "ProfileUpdated"]) == [
        "AccountConfirmed", "ProfileUpdated"]
    with pytest.raises(UnknownEventType) as refused:
        check_event_types(["AccountConfirmed", "NoSuchEvent"])
    assert refused.value.field == "event_types.1"


def test_a_subscription_beyond_the_limit_is_refused():
    with pytest.raises(TooManySubscriptions):
        new_subscription("https://integrateur.example/h", ["AccountConfirmed"], None, uuid.uuid4(),
                         allow_http_loopback=False, existing=3, limit=3)
