"""What the Paths page keeps in a session, and how it comes back without retraining.

A session holds the data's source (scikit-learn's digits, or the paths of the MNIST files),
a digest of the images read from it, the training settings, the latent dimension shown,
the chosen pair, and every network trained on that data (the autoencoder of each latent
dimension and its classifier) as float64 tensors with their layer lists. Restoring reads
the data again, rebuilds the networks from the tensors (never from pickle) and only
derives the cells and the survey from them: nothing is retrained. A session without
networks restores the settings and trains when the page is shown, as a fresh start does.

The settings are the page's :class:`app.paths.state.PathsState`, written under the JSON
keys older files used (``latent_dim``, ``training``, ``pair``, ``gallery_seed``,
``random_classes``). :func:`parse_paths_state` checks the whole section (data, digest, the
state's ranges, the pair against the data, every network's layers, shapes, NaN) and raises
:class:`engine.session_file.SessionFileError` before anything changes;
:func:`restore_paths_state` then shows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from app.paths.state import LATENT_DIMS, PairRequest, PathsSettings, PathsState
from app.paths.training import DigitSource, TrainedNetworks, load_source
from app.state.fields import SettingError
from engine.digit_networks import torch_network
from engine.networks import network_layers
from engine.session_file import PageState, SessionFileError

if TYPE_CHECKING:
    import torch

    from app.paths.page import PathsPage

_PARTS = ("encoder", "decoder", "classifier")


@dataclass(frozen=True)
class SavedPaths:
    """A checked Paths section of a session, ready to show.

    Attributes
    ----------
    source : the data, read again (None: the page had read none yet).
    state : the page's settings (its ``data_files`` are the source's).
    networks : trained networks by latent dimension (possibly none).
    """

    source: DigitSource | None
    state: PathsState
    networks: dict[int, TrainedNetworks]

    @property
    def latent_dim(self) -> int:
        return self.state.latent_dim

    @property
    def pair(self) -> PairRequest | None:
        return self.state.pair

    @property
    def gallery_seed(self) -> int:
        return self.state.gallery_seed

    @property
    def random_classes(self) -> tuple[int | None, int | None]:
        return self.state.random_classes


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
    """The page's settings, its data's name and digest, and every network trained on it."""
    c = page.controller
    state = c.state
    return paths_page_state(
        c.source,
        state.latent_dim,
        state.training,
        c.trained_networks(),
        state.pair,
        state.gallery_seed,
        state.random_classes,
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
    """The session section of a Paths page showing these (see :class:`SavedPaths`); the
    networks' weights become tensors ``models.{latent_dim}.{encoder|decoder|classifier}.*``
    (the shipped networks, numpy layers, are written as the torch models of their weights).
    """
    from engine.network_spec import network_spec, network_tensors  # torch

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
        for part, model in zip(_PARTS, map(torch_network, parts), strict=True):
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
    defaults = asdict(PathsSettings())
    return PathsSettings(**{key: raw.get(key, default) for key, default in defaults.items()})


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
    from engine.network_spec import NetworkSpecError, build_network  # torch

    weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    try:
        return build_network(spec, weights)
    except NetworkSpecError as error:
        raise SessionFileError(f"the {what}: {error}") from None


def _networks(
    entries: object, tensors: dict[str, torch.Tensor], source: DigitSource
) -> dict[int, TrainedNetworks]:
    import torch

    from engine.digit_models import autoencoder_from

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


def _pair(value: object) -> dict[str, int | None]:
    """The state's images of a saved pair ``[A, B, C or null]`` (checked by the state)."""
    if value is None:
        return {}
    if not isinstance(value, list) or len(value) != 3:
        raise SessionFileError(f"the pair must be [A, B, C or null], got {value!r}.")
    return dict(zip(("image_a", "image_b", "image_c"), value, strict=True))


def parse_paths_state(
    state: PageState, load: Callable[..., DigitSource] = load_source
) -> SavedPaths:
    """Check ``state`` and build what it describes; raises SessionFileError.

    ``load`` reads the data: ``load()`` for scikit-learn's digits and
    ``load(images_path, labels_path)`` for MNIST (the default, :func:`load_source`).
    """
    settings, tensors = state.settings, state.tensors
    data, pair, networks = settings.get("data"), settings.get("pair"), settings.get("models", [])
    if data is None and (pair is not None or networks):
        raise SessionFileError("it holds a pair or trained models but does not say their data.")
    try:
        saved = PathsState(
            latent_dim=settings.get("latent_dim"),
            training=_training(settings.get("training")),
            random_classes=settings.get("random_classes", [None, None]),
            gallery_seed=settings.get("gallery_seed", 0),
            **_pair(pair),
        )
    except SettingError as error:
        raise SessionFileError(str(error)) from None
    if data is None:
        return SavedPaths(None, saved, {})
    source = _source(data, load)  # the settings are checked before the data is read
    try:
        saved.check_images(len(source.test), source.name)
    except SettingError as error:
        raise SessionFileError(str(error)) from None
    saved = replace(saved, data_files=source.files)
    return SavedPaths(source, saved, _networks(networks, tensors, source))


def restore_paths_state(page: PathsPage, state: PageState) -> None:
    """Show a saved section; raises SessionFileError, changing nothing, for a bad one."""
    saved = parse_paths_state(state)
    page.show_saved(saved.source, saved.state, saved.networks)
