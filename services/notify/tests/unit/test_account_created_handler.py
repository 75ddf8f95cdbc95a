from ms_events.envelope import Envelope

from notify.adapters.templates import TemplateRenderer
from notify.app.handlers import NotifyHandlers
from notify.domain.model import Channel, message_id
from notify.entrypoints.worker import subscriptions




def make_handlers(brand, repo):
    return NotifyHandlers(TemplateRenderer(), brand, repository=lambda _conn: repo)


async def test_account_created_records_the_contact_and_sends_nothing_itself(account_created, brand, repo):
    await make_handlers(brand, repo).account_created(object(), Envelope.wrap(account_created), account_created)

    assert repo.contacts[account_created.account_id].email == "camille.durand@example.org"
    assert repo.deliveries == {} and repo.failed == {} and repo.wakes == 0


async def test_the_sign_up_confirmation_writes_one_pending_confirmation_email(sign_up_confirmation, brand, repo):
    envelope = Envelope.wrap(sign_up_confirmation)

    await make_handlers(brand, repo).confirmation_email_requested(object(), envelope, sign_up_confirmation)

    (delivery,) = repo.deliveries.values()
    assert delivery.source_event_id == envelope.id
    assert delivery.channel is Channel.EMAIL
    assert delivery.template == "account_created"
    assert delivery.recipient == "camille.durand@example.org"
    assert delivery.account_id == sign_up_confirmation.account_id
    assert delivery.message_id == message_id(envelope.id, "email")
    assert "confirmer-mon-compte?token=" in delivery.content.text
    assert "vient d'être créé" in delivery.content.text and not delivery.content.subject.startswith("Nouveau lien")
    assert repo.wakes == 1


async def test_the_confirmation_is_sent_whichever_of_the_two_sign_up_events_comes_first(
        account_created, sign_up_confirmation, brand, repo):
    """They travel on two topics (public and private), so notify may read them in either order."""
    handlers = make_handlers(brand, repo)
    await handlers.confirmation_email_requested(object(), Envelope.wrap(sign_up_confirmation), sign_up_confirmation)
    await handlers.account_created(object(), Envelope.wrap(account_created), account_created)

    (delivery,) = repo.deliveries.values()
    assert delivery.recipient == "camille.durand@example.org" and "Camille Durand" in delivery.content.text
    assert repo.contacts[account_created.account_id].first_name == "Camille"


async def test_a_private_event_read_after_the_account_was_deleted_does_not_bring_the_contact_back(
        account_created, sign_up_confirmation, brand, repo):
    from datetime import UTC, datetime

    from ms_events.events.identity import AccountDeleted

    handlers = make_handlers(brand, repo)
    await handlers.account_created(object(), Envelope.wrap(account_created), account_created)
    deleted = AccountDeleted(account_id=account_created.account_id, kind="member", deleted_at=datetime.now(UTC))
    await handlers.notify(object(), Envelope.wrap(deleted), deleted)
    assert account_created.account_id not in repo.contacts

    await handlers.confirmation_email_requested(object(), Envelope.wrap(sign_up_confirmation), sign_up_confirmation)
    assert account_created.account_id not in repo.contacts


async def test_the_same_event_handled_twice_queues_one_delivery_and_wakes_once(sign_up_confirmation, brand, repo):
    envelope = Envelope.wrap(sign_up_confirmation)
    handlers = make_handlers(brand, repo)

    await handlers.confirmation_email_requested(object(), envelope, sign_up_confirmation)
    await handlers.confirmation_email_requested(object(), envelope, sign_up_confirmation)

    assert len(repo.deliveries) == 1
    assert repo.wakes == 1


def test_every_catalogue_event_that_tells_a_person_something_has_a_handler(brand, repo):
    from ms_events.catalogue import CATALOGUE
    from ms_events.events.identity import AccountCreated, ProfileUpdated

    telling = {cls for cls in CATALOGUE.values() if cls.meta().tells_a_person}
    subscribed = set(subscriptions(make_handlers(brand, repo)))
    assert telling and telling <= subscribed
    # The only other events consumed feed the contact projection: AccountCreated (email, names;
    # its email goes with the private ConfirmationEmailRequested), ProfileUpdated (phone, address).
    assert subscribed - telling == {AccountCreated, ProfileUpdated}


def test_notify_reads_the_private_topics_and_every_private_event_it_reads_comes_from_one():
    from ms_events.catalogue import private_events, private_topics
    from notify.app.handlers import NotifyHandlers

    subscribed = set(subscriptions(NotifyHandlers(TemplateRenderer(), None)))
    assert set(private_events().values()) <= subscribed
    assert {cls.meta().topic for cls in subscribed} >= set(private_topics())
