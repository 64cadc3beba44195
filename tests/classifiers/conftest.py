"""Fixtures for the classifier specifications: the shipped artefacts, loaded once.

No test trains anything; every figure is measured with the artefacts in
``classifiers/artefacts/``, offline (HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path
from typing import Any

import pytest

from classifiers.context import LocationContext, RosterChild, SettingContext

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
DOMAIN_DEV = SHARED_DATA / "domain" / "dev.jsonl"


@pytest.fixture(scope="session")
def setting() -> SettingContext:
    """A small setting: two children on the roster, one location with a school."""
    return SettingContext(
        organisation_names=("Kidspace",),
        locations=(LocationContext(id="oak", name="Oakfield club", schools=("Oakfield Primary",),
                                   uniforms=("green jumper with the oak tree badge",),
                                   places=("Victoria Park",)),),
        roster=(RosterChild("Tommy Kowalski", known_as="Tom", location="oak"),
                RosterChild("Zuzanna Nowak", location="oak"),
                RosterChild("Grace Okafor", location="oak")),
    )


@pytest.fixture(scope="session")
def default_classifiers() -> list[Any]:
    from classifiers.registry import build_classifiers

    return build_classifiers(["default"])


@pytest.fixture(scope="session")
def classify(default_classifiers: list[Any]) -> Any:
    """classify(text, **fields) -> the classify output record for one item."""
    from classifiers.run import classify_items

    def _run(text: str, **fields: Any) -> dict[str, Any]:
        return next(classify_items([{"id": "t", "text": text, **fields}], default_classifiers))

    return _run
