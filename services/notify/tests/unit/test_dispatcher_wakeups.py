import asyncio

from notify.app.dispatcher import _Wakeups


async def test_a_notification_wakes_one_idle_loop_and_not_every_one():
    wakeups, stop = _Wakeups(), asyncio.Event()
    first, second = asyncio.Event(), asyncio.Event()
    waiting = [asyncio.create_task(wakeups.wait(first, stop, 5)), asyncio.create_task(wakeups.wait(second, stop, 5))]
    await asyncio.sleep(0)

    wakeups.notified()
    await asyncio.sleep(0)

    assert [first.is_set(), second.is_set()] == [True, False]
    assert not wakeups.take_missed()
    stop.set()
    await asyncio.gather(*waiting)


async def test_a_notification_while_every_loop_is_busy_makes_the_next_pass_look_again():
    wakeups = _Wakeups()
    wakeups.notified()  # nobody waiting
    assert wakeups.take_missed()
    assert not wakeups.take_missed()  # once
