import time

from ms_platform.cache import NotifiedCache


def _listening(ttl_s: float = 30.0) -> NotifiedCache:
    cache: NotifiedCache = NotifiedCache(None, "test_cache", ttl_s=ttl_s, max_entries=3)
    cache.listening = True  # as once its LISTEN connection is up
    return cache


def test_a_notification_drops_only_the_entries_with_its_tag():
    cache = _listening()
    cache.store(("acc-1", "s1"), "acc-1", "a")
    cache.store(("acc-1", "s2"), "acc-1", "b")
    cache.store(("acc-2", "s3"), "acc-2", "c")
    cache.invalidate("acc-1")
    assert cache.lookup(("acc-1", "s1")) is None and cache.lookup(("acc-1", "s2")) is None
    assert cache.lookup(("acc-2", "s3")) == "c"


def test_a_star_notification_drops_everything():
    cache = _listening()
    cache.store("k", "t", 1)
    cache.invalidate("*")
    assert cache.lookup("k") is None


def test_nothing_is_served_or_kept_while_not_listening():
    cache = _listening()
    cache.store("k", "t", 1)
    cache.listening = False
    assert cache.lookup("k") is None
    cache.store("other", "t", 2)
    cache.listening = True
    assert cache.lookup("other") is None


def test_entries_expire_after_the_ttl():
    cache = _listening(ttl_s=0.01)
    cache.store("k", "t", 1)
    time.sleep(0.02)
    assert cache.lookup("k") is None


def test_the_oldest_entries_go_first_beyond_the_size_limit():
    cache = _listening()
    for n in range(4):
        cache.store(n, str(n), n)
    assert cache.lookup(0) is None and cache.lookup(3) == 3
