"""Classifier names → constructors. Names are storage keys (written on every finding):
once shipped, a name never changes; a new model gets a new ``version``, not a new name.

``default`` expands to the recommended set. The three encoder-backed classifiers share
one :class:`~classifiers.encoder.EncoderRuntime`, so the model loads once and runs once
per batch however many of them are configured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from classifiers.base import Classifier
from classifiers.context import SettingContext
from monitor.errors import ConfigError

DEFAULT_SET: tuple[str, ...] = ("policy_encoder", "child_identification", "personal_data")
#: The photo and video checks (issue 9); they need ``monitor.consent.configure_images``.
IMAGE_SET: tuple[str, ...] = ("image_metadata", "image_faces", "image_consent", "image_text")
ALIASES: dict[str, tuple[str, ...]] = {"default": DEFAULT_SET, "images": IMAGE_SET}


def _policy(context: SettingContext) -> Classifier:
    from classifiers.policy_model import PolicyEncoderClassifier

    return PolicyEncoderClassifier()


def _child(context: SettingContext) -> Classifier:
    from classifiers.child_identification import ChildIdentificationClassifier

    return ChildIdentificationClassifier(context)


def _personal(context: SettingContext) -> Classifier:
    from classifiers.personal_data import PersonalDataClassifier

    return PersonalDataClassifier(context)


def _keyword(context: SettingContext) -> Classifier:
    from classifiers.keyword import KeywordClassifier

    return KeywordClassifier()


def _image(name: str) -> Callable[[SettingContext], Classifier]:
    """Issue 9's image checks (classifiers/images); they share one fetch/decode runtime."""
    def build(context: SettingContext) -> Classifier:
        from classifiers import images

        cls = {"image_metadata": images.ImageMetadataClassifier,
               "image_faces": images.ImageFacesClassifier,
               "image_consent": images.ImageConsentClassifier,
               "image_text": images.ImageTextClassifier}[name]
        return cls(context)
    return build


_FACTORIES: dict[str, Callable[[SettingContext], Classifier]] = {
    "policy_encoder": _policy,
    "child_identification": _child,
    "personal_data": _personal,
    "keyword": _keyword,  # transparent baseline for eval; not in the default set
    # image checks: opt-in by name (they fetch media), not in the default set
    **{n: _image(n) for n in ("image_metadata", "image_faces", "image_consent", "image_text")},
}


def available() -> list[str]:
    """Every name ``build_classifiers`` accepts, the aliases (``default``, ``images``) first."""
    return [*ALIASES, *_FACTORIES]


def build_classifiers(names: Sequence[str], context: SettingContext | None = None) -> list[Classifier]:
    """Build the named classifiers once each, in order; ``default`` is the recommended set."""
    context = context or SettingContext.default()
    wanted: list[str] = []
    for name in names:
        for n in ALIASES.get(name, (name,)):
            if n not in _FACTORIES:
                raise ConfigError(f"unknown classifier {n!r}; available: {', '.join(available())}")
            if n not in wanted:
                wanted.append(n)
    return [_FACTORIES[n](context) for n in wanted]
