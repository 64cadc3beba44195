"""Fixtures for the photo checks: a loopback media server, runtimes, the setting's context."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from classifiers.context import LocationContext, RosterChild, SettingContext
from classifiers.images.consent_index import ConsentIndex
from classifiers.images.runtime import ImageRuntime
from monitor.media import FetchPolicy, MediaFetcher
from tests.photos.media_server import MediaServer


@pytest.fixture(scope="module")
def media_server() -> Iterator[MediaServer]:
    """A real HTTP server on 127.0.0.1 serving the test images."""
    server = MediaServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def context() -> SettingContext:
    return SettingContext(
        organisation_names=("Kidspace Wrap Around Care",),
        locations=(LocationContext(id="oakfield", name="Oakfield Club",
                                   schools=("Oakfield Primary",)),),
        roster=(RosterChild(name="Amelia Hartley", location="oakfield", photo_consent="no"),
                RosterChild(name="Noah Patel", location="oakfield", photo_consent="yes")))


def make_runtime(server: MediaServer, consent: ConsentIndex | None = None, **policy: object) -> ImageRuntime:
    """A runtime whose only allowed origin is the test server."""
    fetcher = MediaFetcher(FetchPolicy(allow_origins=(server.url,), **policy))  # type: ignore[arg-type]
    return ImageRuntime(fetcher=fetcher, consent=consent, workers=2)
