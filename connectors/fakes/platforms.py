"""Which platform fakes the server mounts (one module per platform)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.fakes.server import FakePlatformServer, PlatformFake

#: module -> class; a module still missing is skipped so the others keep working.
FAKES = {
    "facebook": "FacebookFake",
    "instagram": "InstagramFake",
    "youtube": "YouTubeFake",
    "x": "XFake",
    "tiktok": "TikTokFake",
    "wordpress": "WordPressFake",
    "tumblr": "TumblrFake",
    "media": "MediaFake",  # the photo files behind the posts' media URLs
}


def build_fakes(server: FakePlatformServer) -> list[PlatformFake]:
    fakes = []
    for module, cls in FAKES.items():
        try:
            mod = importlib.import_module(f"connectors.fakes.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"connectors.fakes.{module}":
                raise
            continue
        fakes.append(getattr(mod, cls)(server))
    return fakes
