"""``safeguard bench connectors``: what polling costs, measured against the local fakes.

Figures: API calls and wall time for a Facebook Page's first sync and for an incremental
poll after a few new comments, then YouTube quota units per day for N videos polled at
the configured interval (measured from a real incremental poll's unit count).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

import httpx
import typer

from connectors.base import Connector
from connectors.common import ConnectorSecrets
from connectors.fakes.server import FakePlatformServer
from connectors.registry import build_connector
from monitor.config import AccountConfig

BENCH_TOKEN = "bench-token"


@dataclass
class SyncFigures:
    """One poll: items delivered, API calls made (from Batch.api_calls), wall time."""

    items: int
    calls: int
    seconds: float


@dataclass
class BenchResult:
    """Everything ``bench connectors`` measured; ``summary()`` is its closing line."""

    first: SyncFigures
    incremental: SyncFigures
    youtube_units_per_poll: int
    youtube_units_per_day: int
    videos: int
    interval: int

    def summary(self) -> str:
        return (
            f"connectors facebook: first sync {self.first.items} items in {self.first.calls} calls "
            f"{self.first.seconds:.1f} s; incremental {self.incremental.items} items in "
            f"{self.incremental.calls} calls {self.incremental.seconds:.2f} s; youtube quota "
            f"{self.youtube_units_per_day} units/day for {self.videos} videos @ "
            f"{self.interval // 60} min ({self.youtube_units_per_poll} units/poll)"
        )


def _drain(conn: Connector, cursors: dict[str, str | None]) -> tuple[int, int]:
    items = calls = 0
    for batch in conn.poll(dict(cursors)):
        items += len(batch.items)
        calls += batch.api_calls
        if batch.cursor is not None:
            cursors[batch.stream] = batch.cursor
    return items, calls


def _timed(conn: Connector, cursors: dict[str, str | None]) -> SyncFigures:
    t0 = time.perf_counter()
    items, calls = _drain(conn, cursors)
    return SyncFigures(items, calls, time.perf_counter() - t0)


def run_bench(*, posts: int = 50, comments: int = 200, new: int = 5, videos: int = 20,
              interval: int = 900) -> BenchResult:
    """Run both measurements against a fresh fake server; nothing leaves the machine."""
    with FakePlatformServer() as server, httpx.Client() as http:
        world = server.world
        now = time.time()
        world.add_account("facebook", "1001", name="Bench Page")
        made = []
        for i in range(posts):
            p = world.add_post("facebook", "1001", f"post {i}", created=now - 86_400 + i * 600)
            made.append(p)
            for j in range(comments):
                world.add_comment(p.id, f"comment {j}", author_name=f"Parent {j % 40}",
                                  created=p.created + j + 1)
        secrets = ConnectorSecrets(token=BENCH_TOKEN)
        fb = build_connector(AccountConfig(id="bench-fb", platform="facebook", external_id="1001",
                                           base_url=server.base_url("facebook"), poll_interval=300),
                             secrets, http=http)
        cursors: dict[str, str | None] = {}
        first = _timed(fb, cursors)
        for k in range(new):
            world.add_comment(made[(k * 7) % posts].id, f"new {k}", created=time.time() - 5 + k * 0.001)
        incremental = _timed(fb, cursors)

        world.add_account("youtube", "UCbench", name="Bench Channel")
        for i in range(videos):
            v = world.add_post("youtube", "UCbench", f"video {i}", title=f"Video {i}",
                               created=now - 86_400 + i * 600)
            world.add_comment(v.id, "nice", created=v.created + 1)
        yt = build_connector(AccountConfig(id="bench-yt", platform="youtube", external_id="UCbench",
                                           base_url=server.base_url("youtube"), poll_interval=interval),
                             secrets, http=http)
        yt_cursors: dict[str, str | None] = {}
        _drain(yt, yt_cursors)
        before = int(yt.diagnostics()["quota_used"])
        _drain(yt, yt_cursors)
        per_poll = int(yt.diagnostics()["quota_used"]) - before
    return BenchResult(first, incremental, per_poll, per_poll * (86_400 // interval), videos, interval)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add ``bench connectors`` to the ``safeguard`` CLI."""

    @bench.command("connectors")
    def bench_connectors(
        posts: Annotated[int, typer.Option(help="Facebook posts on the page")] = 50,
        comments: Annotated[int, typer.Option(help="comments per post")] = 200,
        new: Annotated[int, typer.Option(help="new comments before the incremental poll")] = 5,
        videos: Annotated[int, typer.Option(help="YouTube videos polled")] = 20,
        interval: Annotated[int, typer.Option(help="YouTube poll interval, seconds")] = 900,
    ) -> None:
        """API calls and time for a first sync and an incremental poll; YouTube quota per day."""
        result = run_bench(posts=posts, comments=comments, new=new, videos=videos, interval=interval)
        for label, fig in (("first sync", result.first), ("incremental", result.incremental)):
            typer.echo(f"facebook {label}: {fig.items} items, {fig.calls} API calls, {fig.seconds:.3f} s")
        typer.echo(f"youtube: {result.youtube_units_per_poll} units per incremental poll of {videos} videos")
        typer.echo(result.summary())
