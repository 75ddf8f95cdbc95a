from ms_events.envelope import Envelope

from notify.adapters.templates import TemplateRenderer
from notify.app.handlers import NotifyHandlers
from notify.domain.model import Channel, message_id
from notify.entrypoints.worker import subscriptions




def make_handlers(brand, repo):
    return NotifyHandlers(TemplateRenderer(), brand, repository=lambda _conn: repo)


async def test_account_created_writes_one_pending_confirmation_email(account_created, brand, repo):
    envelope = Envelope.wrap(account_created)

    await make_handlers(brand, repo).account_created(object(), envelope, account_created)

    assert repo.contacts[account_created.account_id].email == "camille.durand@example.org"
    (delivery,) = repo.deliveries.values()
    assert delivery.source_event_id == envelope.id
    assert delivery.channel is Channel.EMAIL
    assert delivery.template == "account_created"
    assert delivery.recipient == "camille.durand@example.org"
    assert delivery.account_id == account_created.account_id
    assert delivery.message_id == message_id(envelope.id, "email")
    assert "confirmer-mon-compte?token=" in delivery.content.text
    assert repo.wakes == 1


async def test_the_same_event_handled_twice_queues_one_delivery_and_wakes_once(account_created, brand, repo):
    envelope = Envelope.wrap(account_created)
    handlers = make_handlers(brand, repo)

    await handlers.account_created(object(), envelope, account_created)
    await handlers.account_created(object(), envelope, account_created)

    assert len(repo.deliveries) == 1
    assert repo.wakes == 1


def test_every_catalogue_event_that_tells_a_person_something_has_a_handler(brand, repo):
    from ms_events.catalogue import CATALOGUE
    from ms_events.events.identity import ProfileUpdated

    telling = {cls for cls in CATALOGUE.values() if cls.meta().tells_a_person}
    subscribed = set(subscriptions(make_handlers(brand, repo)))
    assert telling and telling <= subscribed
    # The only other event consumed feeds the contact projection (phone, postal address).
    assert subscribed - telling == {ProfileUpdated}
