"""The in-memory contract lists: served from memory while listening, dropped on NOTIFY payloads."""

import uuid

from contracts.adapters.listing_cache import ListingCache

A, B = uuid.uuid4(), uuid.uuid4()


class Loader:
    def __init__(self):
        self.calls = []

    async def __call__(self, missing):
        self.calls.append(sorted(missing))
        return {h: [{"contract_number": str(h)[:6], "n": len(self.calls)}] for h in missing}


async def test_holders_are_loaded_once_then_served_from_memory():
    cache, load = ListingCache(None), Loader()
    cache.listening = True
    await cache.get([A], load)
    both = await cache.get([A, B], load)
    assert load.calls == [[A], [B]] and both[A][0]["n"] == 1


async def test_a_notification_for_a_holder_drops_only_that_holder():
    cache, load = ListingCache(None), Loader()
    cache.listening = True
    await cache.get([A, B], load)
    cache.invalidate(str(A))
    await cache.get([A, B], load)
    assert load.calls[-1] == [A]


async def test_a_star_or_an_unreadable_payload_drops_everything():
    cache, load = ListingCache(None), Loader()
    cache.listening = True
    for payload in ("*", "not-a-uuid"):
        await cache.get([A, B], load)
        cache.invalidate(payload)
        await cache.get([A, B], load)
        assert load.calls[-1] == sorted([A, B])


async def test_nothing_is_kept_while_not_listening():
    cache, load = ListingCache(None), Loader()
    await cache.get([A], load)
    await cache.get([A], load)
    assert load.calls == [[A], [A]]


async def test_entries_expire_after_the_ttl():
    cache, load = ListingCache(None, ttl_s=0), Loader()
    cache.listening = True
    await cache.get([A], load)
    await cache.get([A], load)
    assert len(load.calls) == 2
