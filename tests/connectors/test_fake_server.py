"""The fake platform server itself: switches are scoped, unknown names fail loudly."""

from __future__ import annotations

import httpx
import pytest

from connectors.fakes.server import FakePlatformServer


def test_failure_switch_counts_down_and_matches_paths(server):
    """A switch affects only its next N matching requests, then the fake answers normally again."""
    server.world.add_account("facebook", "1", name="P")
    server.fail("facebook", "server_error", times=2, match="/published_posts")
    url = server.base_url("facebook") + "/v21.0/1/published_posts"
    h = {"authorization": "Bearer t"}
    with httpx.Client() as c:
        assert c.get(server.base_url("facebook") + "/v21.0/1", headers=h).status_code == 200
        assert [c.get(url, headers=h).status_code for _ in range(3)] == [503, 503, 200]


def test_unknown_platform_and_kind_are_refused(server):
    """Typos in a test's setup are errors, not silently passing tests."""
    with pytest.raises(KeyError):
        server.base_url("myspace")
    with pytest.raises(ValueError):
        server.fail("facebook", "explode")


def test_server_runs_as_a_context_manager_on_a_random_port():
    """start()/stop() or a with-block; each server gets its own port and world."""
    with FakePlatformServer() as a, FakePlatformServer() as b:
        assert a.url != b.url and a.world is not b.world
        with httpx.Client() as c:
            assert c.get(a.url + "/nowhere").status_code == 404
