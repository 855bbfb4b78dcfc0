"""What the Paths page keeps in a session, and how it comes back without retraining.

A session holds the data's source (scikit-learn's digits, or the paths of the MNIST files),
a digest of the images read from it, the training settings, the latent dimension shown,
the chosen pair, and every network trained on that data (the autoencoder of each latent
dimension and its classifier) as float64 tensors with their layer lists. Restoring reads
the data again, rebuilds the networks from the tensors (never from pickle) and only
derives the cells and the survey from them: nothing is retrained. A session without
networks restores the settings and trains when the page is shown, as a fresh start does.

:func:`parse_paths_state` checks the whole state (data, digest, ranges, pair, every
network's layers, shapes, NaN) and raises :class:`engine.session_file.SessionFileError`
before anything changes; :func:`restore_paths_state` then shows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import torch

from app.paths.controller import (
    LATENT_DIMS,
    DigitSource,
    PairRequest,
    PathsSettings,
    TrainedNetworks,
    load_source,
)
from engine.digit_models import autoencoder_from
from engine.network_spec import NetworkSpecError, build_network, network_spec, network_tensors
from engine.networks import network_layers
from engine.session_file import PageState, SessionFileError, whole_number

if TYPE_CHECKING:
    from app.paths.page import PathsPage

_PARTS = ("encoder", "decoder", "classifier")
#: Ranges a session's training settings must fall in (a damaged file must not ask for a
#: week of training or a million-pair survey).
MAX_HIDDEN_LAYERS = 8
MAX_HIDDEN_WIDTH = 4096
MAX_EPOCHS = 10_000
MAX_SURVEY_PAIRS = 10_000
MAX_STRIP_SAMPLES = 201
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class PathsSession:
    """A checked Paths state, ready to show.

    Attributes
    ----------
    source : the data, read again (None: the page had read none yet).
    latent_dim : the latent dimension shown. settings : the training settings.
    networks : trained networks by latent dimension (possibly none).
    pair : the pair analysed, or None. gallery_seed : which held-out images the gallery
    shows. random_classes : the classes of Random pair (None: any).
    """

    source: DigitSource | None
    latent_dim: int
    settings: PathsSettings
    networks: dict[int, TrainedNetworks]
    pair: PairRequest | None
    gallery_seed: int
    random_classes: tuple[int | None, int | None]


def data_digest(source: DigitSource) -> str:
    """A BLAKE2b digest (hex) of the training and held-out images and labels."""
    digest = hashlib.blake2b(digest_size=16)
    for images in (source.train, source.test):
        digest.update(images.images.tobytes())
        digest.update(images.labels.tobytes())
    return digest.hexdigest()


def _prefix(latent_dim: int, part: str) -> str:
    return f"models.{latent_dim}.{part}."


def save_paths_state(page: PathsPage) -> PageState:
    c = page.controller
    return paths_page_state(
        c.source,
        c.latent_dim,
        c.settings,
        c.trained_networks(),
        c.pair,
        page.gallery_seed,
        page.random_classes,
    )


def paths_page_state(
    source: DigitSource | None,
    latent_dim: int,
    settings: PathsSettings,
    networks: dict[int, TrainedNetworks],
    pair: PairRequest | None = None,
    gallery_seed: int = 0,
    random_classes: tuple[int | None, int | None] = (None, None),
) -> PageState:
    """The session state of a Paths page showing these (see :class:`PathsSession`); the
    networks' weights become tensors ``models.{latent_dim}.{encoder|decoder|classifier}.*``."""
    document = {
        "data": None,
        "latent_dim": latent_dim,
        "training": {**asdict(settings), "hidden": list(settings.hidden)},
        "pair": None if pair is None else [pair.index_a, pair.index_b, pair.index_c],
        "gallery_seed": gallery_seed,
        "random_classes": list(random_classes),
        "models": [],
    }
    tensors: dict[str, torch.Tensor] = {}
    if source is not None:
        files = source.files
        document["data"] = {
            "kind": "digits" if files is None else "mnist",
            "files": None if files is None else list(files),
            "name": source.name,
            "digest": data_digest(source),
        }
    for dim, nets in sorted(networks.items()):
        entry = {"latent_dim": dim}
        parts = (nets.autoencoder.encoder, nets.autoencoder.decoder, nets.classifier)
        for part, model in zip(_PARTS, parts, strict=True):
            entry[part] = network_spec(model)
            prefix = _prefix(dim, part)
            tensors.update({prefix + k: v for k, v in network_tensors(model).items()})
        document["models"].append(entry)
    return PageState(document, tensors)


def _latent_dim(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in LATENT_DIMS:
        raise SessionFileError(f"{what} must be one of {LATENT_DIMS}, got {value!r}.")
    return value


def _training(raw: object) -> PathsSettings:
    if not isinstance(raw, dict):
        raise SessionFileError("the training settings are missing.")
    defaults = PathsSettings()
    hidden = raw.get("hidden", list(defaults.hidden))
    if (
        not isinstance(hidden, list)
        or not 1 <= len(hidden) <= MAX_HIDDEN_LAYERS
        or not all(
            isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= MAX_HIDDEN_WIDTH
            for w in hidden
        )
    ):
        raise SessionFileError(
            f"the hidden widths {hidden!r} are not 1 to {MAX_HIDDEN_LAYERS} whole numbers "
            f"between 1 and {MAX_HIDDEN_WIDTH}."
        )
    ranges = {
        "autoencoder_epochs": (1, MAX_EPOCHS),
        "classifier_epochs": (1, MAX_EPOCHS),
        "survey_pairs": (1, MAX_SURVEY_PAIRS),
        "strip_samples": (3, MAX_STRIP_SAMPLES),
        "seed": (0, MAX_SEED),
    }
    values = {
        key: whole_number(raw.get(key, getattr(defaults, key)), key, low, high)
        for key, (low, high) in ranges.items()
    }
    return PathsSettings(hidden=tuple(hidden), **values)


def _source(data: object, load: Callable[..., DigitSource]) -> DigitSource:
    """The data a session names, read again and checked against its digest."""
    if not isinstance(data, dict) or data.get("kind") not in ("digits", "mnist"):
        raise SessionFileError(f"the data must be scikit-learn's digits or MNIST, got {data!r}.")
    if data["kind"] == "digits":
        source = load()
    else:
        files = data.get("files")
        if (
            not isinstance(files, list)
            or len(files) != 2
            or not all(isinstance(f, str) and f for f in files)
        ):
            raise SessionFileError(f"the MNIST files must be two paths, got {files!r}.")
        try:
            source = load(*files)
        except (OSError, ValueError) as error:
            raise SessionFileError(
                f"the MNIST files the models were trained on cannot be read ({error}). Put "
                f"{files[0]} and {files[1]} back, or open another session."
            ) from None
    if data.get("digest") != data_digest(source):
        raise SessionFileError(
            f"the images of {source.name} differ from those the session was saved with; "
            "its models and pair would not match them."
        )
    return source


def _network(spec: object, tensors: dict[str, torch.Tensor], prefix: str, what: str):
    weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    try:
        return build_network(spec, weights)
    except NetworkSpecError as error:
        raise SessionFileError(f"the {what}: {error}") from None


def _networks(
    entries: object, tensors: dict[str, torch.Tensor], source: DigitSource
) -> dict[int, TrainedNetworks]:
    if not isinstance(entries, list):
        raise SessionFileError("the list of trained models is not a list.")
    n_pixels = source.train.flat.shape[1]
    n_classes = int(source.train.labels.max()) + 1
    networks: dict[int, TrainedNetworks] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise SessionFileError(f"a trained model's entry is not a mapping: {entry!r}.")
        dim = _latent_dim(entry.get("latent_dim"), "A trained model's latent dimension")
        if dim in networks:
            raise SessionFileError(f"it holds two models of latent dimension {dim}.")
        name = f"latent-{dim} model's"
        encoder, decoder, classifier = (
            _network(entry.get(part), tensors, _prefix(dim, part), f"{name} {part}")
            for part in _PARTS
        )
        try:
            autoencoder = autoencoder_from(encoder, decoder)
        except ValueError as error:
            raise SessionFileError(f"the {name} autoencoder does not fit: {error}.") from None
        if autoencoder.latent_dim != dim or autoencoder.n_pixels != n_pixels:
            raise SessionFileError(
                f"the {name} autoencoder maps {autoencoder.n_pixels} pixels to "
                f"{autoencoder.latent_dim} latent values; the data has {n_pixels} pixels and "
                f"the model is filed under latent dimension {dim}."
            )
        layers = network_layers(classifier)
        if layers.n_inputs != n_pixels or layers.n_outputs != n_classes:
            raise SessionFileError(
                f"the {name} classifier maps {layers.n_inputs} pixels to {layers.n_outputs} "
                f"classes; the data has {n_pixels} pixels and {n_classes} classes."
            )
        networks[dim] = TrainedNetworks(autoencoder, classifier.to(torch.float64).eval())
    return networks


def _pair(value: object, n_test: int) -> PairRequest | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 3:
        raise SessionFileError(f"the pair must be [A, B, C or null], got {value!r}.")
    a = whole_number(value[0], "Image A", 0, n_test - 1)
    b = whole_number(value[1], "Image B", 0, n_test - 1)
    c = None if value[2] is None else whole_number(value[2], "Image C", 0, n_test - 1)
    if a == b:
        raise SessionFileError("the pair's two images are the same image.")
    return PairRequest(a, b, c)


def _classes(value: object) -> tuple[int | None, int | None]:
    if not isinstance(value, list) or len(value) != 2:
        raise SessionFileError(f"random_classes must be two classes, got {value!r}.")
    a, b = (None if v is None else whole_number(v, "A random pair's class", 0, 9) for v in value)
    return a, b


def parse_paths_state(
    state: PageState, load: Callable[..., DigitSource] = load_source
) -> PathsSession:
    """Check ``state`` and build what it describes; raises SessionFileError.

    ``load`` reads the data: ``load()`` for scikit-learn's digits and
    ``load(images_path, labels_path)`` for MNIST (the default, :func:`load_source`).
    """
    settings, tensors = state.settings, state.tensors
    latent_dim = _latent_dim(settings.get("latent_dim"), "latent_dim")
    training = _training(settings.get("training"))
    gallery_seed = whole_number(settings.get("gallery_seed", 0), "gallery_seed", 0, MAX_SEED)
    random_classes = _classes(settings.get("random_classes", [None, None]))
    data, pair, networks = settings.get("data"), settings.get("pair"), settings.get("models", [])
    source = None
    if data is not None:
        source = _source(data, load)
        pair = _pair(pair, len(source.test))
        networks = _networks(networks, tensors, source)
    elif pair is not None or networks:
        raise SessionFileError("it holds a pair or trained models but does not say their data.")
    else:
        networks = {}
    return PathsSession(source, latent_dim, training, networks, pair, gallery_seed, random_classes)


def restore_paths_state(page: PathsPage, state: PageState) -> None:
    session = parse_paths_state(state)  # nothing changes if this raises
    page.show_session(session)


__all__ = [
    "PathsSession",
    "data_digest",
    "parse_paths_state",
    "paths_page_state",
    "restore_paths_state",
    "save_paths_state",
]
