"""The Paths page's settings: one frozen object, checked in one place.

The controller owns the current :class:`PathsState`; the page's controls take their
choices from the limits here and write every change through the controller; sessions and
presets read and write the state, never the controls. The data read and the models
trained are results, not settings: they stay in the controller.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.state.fields import SettingError, choice, store_checked, whole

#: The latent dimensions the page trains (its box): 2 shows the whole latent plane.
LATENT_DIMS = (2, 16)
#: The digit classes; ``None`` in a class choice means any class.
CLASSES = tuple(range(10))
#: Most held-out images kept from a data set: the pair's images are among them.
TEST_LIMIT = 2000
#: Ranges of the training settings (a damaged file must not ask for a week of training or
#: a million-pair survey).
MAX_HIDDEN_LAYERS = 8
MAX_HIDDEN_WIDTH = 4096
MAX_EPOCHS = 10_000
MAX_SURVEY_PAIRS = 10_000
MIN_STRIP_SAMPLES = 3
MAX_STRIP_SAMPLES = 201
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class PathsSettings:
    """What the page trains.

    Attributes
    ----------
    hidden : encoder widths (the decoder mirrors them) and classifier widths: 1 to
        :data:`MAX_HIDDEN_LAYERS` widths of 1 to :data:`MAX_HIDDEN_WIDTH`.
    autoencoder_epochs, classifier_epochs : epochs for 1,437 images; larger data sets
        train proportionally fewer (at least 5).
    survey_pairs : random pairs of training codes in the cells-vs-length survey.
    strip_samples : most images in the strip.
    seed : seeds the split, the weights, the batches and the survey.
    """

    hidden: tuple[int, ...] = (64, 32)
    autoencoder_epochs: int = 150
    classifier_epochs: int = 30
    survey_pairs: int = 300
    strip_samples: int = 13
    seed: int = 0

    def __post_init__(self) -> None:
        store_checked(
            self,
            hidden=_widths(self.hidden),
            autoencoder_epochs=whole(self.autoencoder_epochs, "autoencoder_epochs", 1, MAX_EPOCHS),
            classifier_epochs=whole(self.classifier_epochs, "classifier_epochs", 1, MAX_EPOCHS),
            survey_pairs=whole(self.survey_pairs, "survey_pairs", 1, MAX_SURVEY_PAIRS),
            strip_samples=whole(
                self.strip_samples, "strip_samples", MIN_STRIP_SAMPLES, MAX_STRIP_SAMPLES
            ),
            seed=whole(self.seed, "seed", 0, MAX_SEED),
        )

    def epochs_for(self, epochs: int, n_images: int) -> int:
        return max(5, round(epochs * min(1.0, 1437 / max(n_images, 1))))


def _widths(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= MAX_HIDDEN_LAYERS:
        raise SettingError(f"hidden must be 1 to {MAX_HIDDEN_LAYERS} widths, got {value!r}.")
    return tuple(whole(w, "hidden", 1, MAX_HIDDEN_WIDTH) for w in value)


def _files(value: object) -> tuple[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(f, str) and f for f in value)
    ):
        raise SettingError(f"data_files must be two paths, got {value!r}.")
    return value[0], value[1]


def _latent_dim(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return choice(value, "latent_dim", LATENT_DIMS)


def _image(value: object, name: str) -> int | None:
    return None if value is None else whole(value, name, 0, TEST_LIMIT - 1)


def _classes(value: object) -> tuple[int | None, int | None]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise SettingError(f"random_classes must be two classes, got {value!r}.")
    low, high = CLASSES[0], CLASSES[-1]
    a, b = (None if v is None else whole(v, "random_classes", low, high) for v in value)
    return a, b


@dataclass(frozen=True)
class PairRequest:
    """A pair to analyse: rows of the test images, and an optional third for the slice."""

    index_a: int
    index_b: int
    index_c: int | None = None


@dataclass(frozen=True)
class PathsState:
    """What the Paths page shows.

    Attributes
    ----------
    data_files : the MNIST image and label files (absolute paths) the page reads, or None
        for scikit-learn's 8x8 digits. The page shows them once they are read.
    latent_dim : the autoencoder's latent dimension, one of :data:`LATENT_DIMS`.
    training : what the page trains (:class:`PathsSettings`).
    image_a, image_b : the path's ends, held-out images (rows of the test images), or
        None while unpicked; never the same image.
    image_c : the slice's third point (latent dimension above 2), or None for the origin.
    random_classes : the classes Random pair draws A and B from (None: any class).
    gallery_seed : which held-out images the gallery shows ("Other examples" changes it).
    """

    data_files: tuple[str, str] | None = None
    latent_dim: int = LATENT_DIMS[0]
    training: PathsSettings = field(default_factory=PathsSettings)
    image_a: int | None = None
    image_b: int | None = None
    image_c: int | None = None
    random_classes: tuple[int | None, int | None] = (None, None)
    gallery_seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.training, PathsSettings):
            raise SettingError(f"training must be training settings, got {self.training!r}.")
        store_checked(
            self,
            data_files=_files(self.data_files),
            latent_dim=_latent_dim(self.latent_dim),
            image_a=_image(self.image_a, "image_a"),
            image_b=_image(self.image_b, "image_b"),
            image_c=_image(self.image_c, "image_c"),
            random_classes=_classes(self.random_classes),
            gallery_seed=whole(self.gallery_seed, "gallery_seed", 0, MAX_SEED),
        )
        if self.image_a is not None and self.image_a == self.image_b:
            raise SettingError(
                f"image_b must differ from image_a (both are {self.image_a}): the path "
                "between an image and itself is a point."
            )

    def check_images(self, n_test: int, data_name: str) -> None:
        """Raise SettingError unless the pair's images are among the ``n_test`` held-out
        images of the data named ``data_name``."""
        for name in ("image_a", "image_b", "image_c"):
            index = getattr(self, name)
            if index is not None and index >= n_test:
                raise SettingError(
                    f"{name} = {index} is beyond the {n_test} held-out images of {data_name}."
                )

    @property
    def pair(self) -> PairRequest | None:
        """The pair to analyse, once both ends are picked."""
        if self.image_a is None or self.image_b is None:
            return None
        return PairRequest(self.image_a, self.image_b, self.image_c)
