"""Listener without a server: fake asyncpg connections stand in for PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from ms_platform import listen
from ms_platform.listen import Listener, NotListening


class FakeConnection:
    def __init__(self) -> None:
        self.listeners: dict[str, object] = {}
        self.on_terminate: list = []
        self.closed = False
        self.queries: list[str] = []

    def add_termination_listener(self, callback) -> None:
        self.on_terminate.append(callback)

    async def add_listener(self, channel, callback) -> None:
        self.listeners[channel] = callback

    def notify(self, channel: str, payload: str) -> None:
        self.listeners[channel](self, 1, channel, payload)

    def drop(self) -> None:
        self.closed = True
        for callback in self.on_terminate:
            callback(self)

    def is_closed(self) -> bool:
        return self.closed

    async def execute(self, query, *args) -> str:
        if self.closed:
            raise OSError("gone")
        self.queries.append(query)
        return "SELECT 1"

    async def close(self, timeout=None) -> None:
        self.closed = True

    def terminate(self) -> None:
        self.closed = True


class Opened(list):
    state: dict


@pytest.fixture
def connections(monkeypatch):
    """Every connection the listener opens, newest last; the first ``refuse`` attempts fail."""
    opened = Opened()
    state = {"refuse": 0}

    async def connect(dsn, timeout):
        if state["refuse"]:
            state["refuse"] -= 1
            raise OSError("connection refused")
        opened.append(FakeConnection())
        return opened[-1]

    monkeypatch.setattr(listen.asyncpg, "connect", connect)
    opened.state = state
    return opened


async def until(condition, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_each_notification_reaches_the_callback_with_its_channel(connections):
    got = []
    async with Listener("dsn", ["a", "b"], lambda channel, payload: got.append((channel, payload))) as listener:
        await until(lambda: listener.listening)
        connections[0].notify("a", "1")
        connections[0].notify("b", "2")
    assert got == [("a", "1"), ("b", "2")]


async def test_a_lost_connection_is_reported_and_replaced(connections):
    states: list[bool] = []
    listener = Listener("dsn", ["a"], lambda *_: None, on_listening=states.append, first_backoff_s=0.01)
    async with listener:
        await until(lambda: listener.listening)
        connections[0].drop()
        await until(lambda: len(connections) == 2 and listener.listening)
    assert states == [True, False, True, False]


async def test_connection_failures_are_retried_with_backoff_until_it_listens(connections):
    connections.state["refuse"] = 3
    listener = Listener("dsn", ["a"], lambda *_: None, first_backoff_s=0.01)
    async with listener:
        await until(lambda: listener.listening)
    assert len(connections) == 1


async def test_a_connection_that_stops_answering_is_given_up(connections):
    listener = Listener("dsn", ["a"], lambda *_: None, check_every_s=0.01, first_backoff_s=0.01)
    async with listener:
        await until(lambda: listener.listening)
        connections[0].closed = True  # no termination callback: only the check notices
        await until(lambda: len(connections) == 2)


async def test_a_failing_callback_does_not_stop_the_notifications_behind_it(connections):
    got = []

    def callback(_channel, payload):
        if payload == "bad":
            raise ValueError(payload)
        got.append(payload)

    async with Listener("dsn", ["a"], callback) as listener:
        await until(lambda: listener.listening)
        connections[0].notify("a", "bad")
        connections[0].notify("a", "good")
    assert got == ["good"]


async def test_execute_runs_on_the_listening_connection_and_refuses_while_it_is_down(connections):
    listener = Listener("dsn", ["a"], lambda *_: None)
    with pytest.raises(NotListening):
        await listener.execute("select pg_notify('a', 'x')")
    async with listener:
        await until(lambda: listener.listening)
        await listener.execute("select pg_notify('a', 'x')")
    assert "select pg_notify('a', 'x')" in connections[0].queries


async def test_leaving_the_block_closes_the_connection_and_stops_listening(connections):
    listener = Listener("dsn", ["a"], lambda *_: None)
    async with listener:
        await until(lambda: listener.listening)
    assert connections[0].closed and not listener.listening
