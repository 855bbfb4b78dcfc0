"""What the Networks page keeps in a session: its state object, as plain JSON values, and
the MNIST CNN when the page shows it.

An imported network is not saved: a session shows its settings on the network the page
shows (the shipped digits CNN unless another was imported). The MNIST CNN is: the paths
of its IDX files, a digest of the images read from them, its seed, epochs and accuracy
under ``"mnist"``, and its weights as tensors ``mnist_cnn.*``. Restoring reads the files
again, checks the digest, rebuilds the network from the tensors (nothing is retrained)
and slices it with the saved settings; a file that is gone or changed is one sentence.
"""

from __future__ import annotations

from dataclasses import asdict

import torch

from app.networks.page import NetworksPage
from app.networks.state import MAX_LAYERS, MAX_TEST_IMAGES, NetworksState
from app.state.fields import from_settings
from engine.mnist_cnn import (
    TrainedMnistCnn,
    images_digest,
    mnist_cnn_from_tensors,
    mnist_cnn_tensors,
    mnist_split,
    read_mnist_files,
)
from engine.session_file import PageState, SessionFileError

#: The prefix of the MNIST CNN's tensors in the page's section.
MNIST_PREFIX = "mnist_cnn."


def save_networks_state(page: NetworksPage) -> PageState:
    """The anchors, colour mode, margin, domain, extent and layers; the MNIST CNN shown."""
    settings = asdict(page.controller.state)
    settings["anchors"] = list(settings["anchors"])
    trained = page.controller.mnist
    if trained is None or trained.files is None:
        return PageState(settings)
    settings["mnist"] = {
        "files": list(trained.files),
        "digest": trained.digest,
        "seed": trained.seed,
        "epochs": trained.epochs,
        "test_accuracy": trained.test_accuracy,
    }
    tensors = {MNIST_PREFIX + k: v for k, v in mnist_cnn_tensors(trained.model).items()}
    return PageState(settings, tensors)


def saved_mnist(document: object, tensors: dict[str, torch.Tensor]) -> TrainedMnistCnn:
    """The MNIST CNN a session's ``"mnist"`` entry and tensors describe, its files read
    again; raises SessionFileError in one sentence."""
    if not isinstance(document, dict):
        raise SessionFileError(f"the MNIST entry must be an object, got {document!r}.")
    files = document.get("files")
    if (
        not isinstance(files, list)
        or len(files) != 2
        or not all(isinstance(f, str) and f for f in files)
    ):
        raise SessionFileError(f"the MNIST files must be two paths, got {files!r}.")
    seed, epochs, score = (document.get(k) for k in ("seed", "epochs", "test_accuracy"))
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (seed, epochs)):
        raise SessionFileError(
            f"the MNIST seed and epochs must be integers, got {seed!r} and {epochs!r}."
        )
    if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 1:
        raise SessionFileError(f"the MNIST test accuracy must be 0 to 1, got {score!r}.")
    try:
        digits, paths = read_mnist_files(*files)
        train, test = mnist_split(digits, f"the images of {files[0]}")
    except (OSError, ValueError) as error:
        raise SessionFileError(
            f"the MNIST files the network was trained on cannot be used ({error}). Put "
            f"{files[0]} and {files[1]} back, or open another session."
        ) from None
    if document.get("digest") != images_digest(train, test):
        raise SessionFileError(
            f"the images of {files[0]} differ from those the MNIST CNN was trained on."
        )
    weights = {k[len(MNIST_PREFIX) :]: v for k, v in tensors.items() if k.startswith(MNIST_PREFIX)}
    try:
        model = mnist_cnn_from_tensors(weights, "the session")
    except ValueError as error:
        raise SessionFileError(str(error)) from None
    return TrainedMnistCnn(model, train, test, paths, seed, epochs, float(score))


def restore_networks_state(page: NetworksPage, state: PageState) -> None:
    """Show saved settings (and the saved MNIST CNN); raises ValueError, changing nothing,
    for bad ones (missing ones keep their defaults; without an MNIST CNN, the layer and
    image counts are those of the network shown)."""
    settings = state.settings
    current = page.controller.state
    if not isinstance(settings, dict) or settings.get("mnist") is None:
        page.controller.set_state(
            from_settings(
                NetworksState,
                settings,
                "networks",
                n_layers=current.n_layers,
                n_images=current.n_images,
            )
        )
        return
    overrides = {"n_layers": MAX_LAYERS}
    if settings.get("layers") == settings.get("n_layers"):
        overrides["layers"] = MAX_LAYERS  # every layer of the network, once traced
    # The settings are checked against the largest test set before the files are read.
    from_settings(NetworksState, settings, "networks", n_images=MAX_TEST_IMAGES, **overrides)
    trained = saved_mnist(settings["mnist"], state.tensors)
    saved = from_settings(
        NetworksState, settings, "networks", n_images=len(trained.test), **overrides
    )
    page.controller.show_mnist(trained, saved)
