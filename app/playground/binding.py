"""The Playground's controls bound to its state, both ways.

:func:`bind_controls` sends each editor's change to the controller as the one setting it
edits; :func:`show_state` writes a state into every editor without echoing it back.
:func:`control_ranges` gives the editors the state's limits, so that a control never
offers a value the state refuses, nor misses one a session may hold.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker

from app.playground import state as limits
from app.playground.controller import PlaygroundController
from app.playground.state import PlaygroundState
from engine.datasets import DATASETS
from widgets.playground.controls import ControlRanges, PlaygroundControls, show_choice


def control_ranges() -> ControlRanges:
    """Every editor's range, from :mod:`app.playground.state`."""
    return ControlRanges(
        samples=(limits.MIN_SAMPLES, limits.MAX_SAMPLES),
        classes=(limits.MIN_CLASSES, limits.MAX_CLASSES),
        noise=(0.0, limits.MAX_NOISE),
        seeds=(0, limits.MAX_SEED),
        batch_size=(1, limits.MAX_BATCH_SIZE),
        epochs=(0, limits.MAX_EPOCHS),
        max_width=limits.MAX_WIDTH,
        max_hidden_layers=limits.MAX_HIDDEN_LAYERS,
        learning_rates=limits.LEARNING_RATES,
        l2_penalties=limits.L2_PENALTIES,
    )


def bind_controls(controls: PlaygroundControls, controller: PlaygroundController) -> None:
    """Write every editor's change to ``controller``; the buttons call its actions."""
    update = controller.update

    def on_change(signal, field: str, value: Callable[[], object]) -> None:
        signal.connect(lambda *_: update(**{field: value()}))

    c = controls
    for combo, field in (
        (c.dataset_combo, "dataset"),
        (c.activation_combo, "activation"),
        (c.optimiser_combo, "optimiser"),
        (c.colour_combo, "colour_by"),
    ):
        on_change(combo.currentIndexChanged, field, combo.currentData)
    for combo, field in ((c.rate_combo, "learning_rate"), (c.l2_combo, "l2")):
        on_change(combo.currentIndexChanged, field, lambda combo=combo: float(combo.currentData()))
    for spin, field in (
        (c.classes_spin, "n_classes"),
        (c.samples_spin, "n_samples"),
        (c.data_seed_spin, "data_seed"),
        (c.seed_spin, "seed"),
        (c.batch_spin, "batch_size"),
        (c.epochs_spin, "epochs"),
    ):
        on_change(spin.valueChanged, field, spin.value)
    on_change(c.noise_spin.valueChanged, "noise", lambda: round(c.noise_spin.value(), 4))
    c.test_check.toggled.connect(lambda on: update(test_points=on))
    c.features_edited.connect(controller.set_features)
    c.widths_edited.connect(lambda widths: update(widths=widths))
    c.play_requested.connect(controller.play)
    c.pause_requested.connect(controller.pause)
    c.step_requested.connect(controller.step)
    c.reset_requested.connect(controller.reset)


def show_state(controls: PlaygroundControls, state: PlaygroundState) -> None:
    """Set every editor to ``state`` (without echoing the change back)."""
    c = controls
    for combo, value in (
        (c.dataset_combo, state.dataset),
        (c.transform_combo, state.transform),
        (c.activation_combo, state.activation),
        (c.optimiser_combo, state.optimiser),
        (c.rate_combo, state.learning_rate),
        (c.l2_combo, state.l2),
        (c.colour_combo, state.colour_by),
    ):
        show_choice(combo, value)
    fixed_classes = DATASETS[state.dataset].classes if state.dataset in DATASETS else None
    for spin, value in (
        (c.classes_spin, fixed_classes or state.n_classes),  # the data set's own, if fixed
        (c.samples_spin, state.n_samples),
        (c.noise_spin, state.noise),
        (c.data_seed_spin, state.data_seed),
        (c.seed_spin, state.seed),
        (c.batch_spin, state.batch_size),
        (c.epochs_spin, state.epochs),
    ):
        with QSignalBlocker(spin):
            spin.setValue(value)
    with QSignalBlocker(c.test_check):
        c.test_check.setChecked(state.test_points)
    c.show_views(state.transform, state.view)
    c.show_widths(state.widths)
    c.update_classes_enabled()
