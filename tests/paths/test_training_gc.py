"""The Paths page's training holds Python's garbage collector off while it runs, and
gives it back when it ends or is cancelled (a full collection froze the window 208 ms)."""

from __future__ import annotations

import gc

from app.paths.state import PathsSettings
from app.paths.training import load_source, train_networks

TINY = PathsSettings(hidden=(8,), autoencoder_epochs=2, classifier_epochs=2, survey_pairs=5)


def test_collection_is_off_during_training_and_on_after():
    assert gc.isenabled()
    run = train_networks(load_source(), 2, TINY)
    during = []
    try:
        while True:
            next(run)
            during.append(gc.isenabled())
    except StopIteration as stop:
        networks = stop.value
    assert during and not any(during)
    assert gc.isenabled()
    assert networks.autoencoder.encoder is not None


def test_a_cancelled_training_gives_collection_back():
    run = train_networks(load_source(), 2, TINY)
    next(run)
    assert not gc.isenabled()
    run.close()  # what the worker does on Cancel
    assert gc.isenabled()
