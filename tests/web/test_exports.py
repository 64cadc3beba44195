"""The package's public surface is what ``__all__`` says (STYLE 9)."""

from __future__ import annotations

import monitor.web


def test_public_names_are_exported():
    """``create_app`` and ``WebOptions`` are the interface; the rest are internals."""
    assert sorted(monitor.web.__all__) == ["WebOptions", "create_app"]
    assert all(hasattr(monitor.web, name) for name in monitor.web.__all__)
