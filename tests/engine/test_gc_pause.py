"""The garbage-collection pause around partitions: off inside, the previous state after,
also on exceptions and when several threads hold it at once."""

from __future__ import annotations

import gc
import threading

import pytest

from engine.gc_pause import paused_gc


@pytest.fixture(autouse=True)
def _restore_gc():
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled_before", [True, False])
def test_collection_is_off_inside_and_as_before_after(enabled_before):
    gc.enable() if enabled_before else gc.disable()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled_before


@pytest.mark.parametrize("enabled_before", [True, False])
def test_state_is_restored_when_the_work_raises(enabled_before):
    gc.enable() if enabled_before else gc.disable()
    with pytest.raises(ZeroDivisionError), paused_gc():
        1 / 0  # noqa: B018
    assert gc.isenabled() is enabled_before


def test_nested_pauses_end_with_the_outermost():
    gc.enable()
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_pauses_in_two_threads_restore_collection_once_both_end():
    """A in, B in, A out (B still working: still off), B out (on again): the order in
    which a naive save-and-restore per thread would leave collection off for good."""
    gc.enable()
    a_in, b_in, a_out, b_may_leave = (threading.Event() for _ in range(4))
    seen = {}

    def first() -> None:
        with paused_gc():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def second() -> None:
        a_in.wait(5)
        with paused_gc():
            b_in.set()
            a_out.wait(5)
            seen["after A left"] = gc.isenabled()
            b_may_leave.wait(5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    a_out.wait(5)
    b_may_leave.set()
    for thread in threads:
        thread.join(5)
    assert seen == {"after A left": False}
    assert gc.isenabled()


def test_explicit_collection_still_frees_cycles_inside():
    import weakref

    class Node:
        pass

    with paused_gc():
        node = Node()
        node.self = node
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # no automatic collection freed it
        gc.collect()
        assert alive() is None
