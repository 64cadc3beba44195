"""YouTube Data API quota: every call's unit cost, counted against the daily allowance.

The Data API gives a project 10,000 units a day by default, reset at midnight Pacific
time; every request costs units even when it fails (list calls 1, moderation 50).

Why pace rather than poll until refused? A 403 ``quotaExceeded`` at 14:00 leaves the
channel unwatched until 08:00 the next morning UK time. The meter spreads what is left
over the hours to the reset: when a poll would cost more than its fair share, it asks
the daemon to wait longer (``RateLimited``), so polling slows down before the quota
runs out; a reserve is kept for take-downs (``comments.setModerationStatus``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from monitor.errors import QuotaExhausted, RateLimited

try:
    from zoneinfo import ZoneInfo

    PACIFIC: timezone | ZoneInfo = ZoneInfo("America/Los_Angeles")
except (ImportError, KeyError):  # pragma: no cover - no tz database: Pacific standard time is close enough
    PACIFIC = timezone(timedelta(hours=-8))

#: Units per method (developers.google.com/youtube/v3/determine_quota_cost).
COSTS = {
    "channels.list": 1,
    "playlistItems.list": 1,
    "videos.list": 1,
    "commentThreads.list": 1,
    "comments.list": 1,
    "comments.setModerationStatus": 50,
    "comments.delete": 50,
}
DEFAULT_DAILY_LIMIT = 10_000


class QuotaMeter:
    """Units used today (Pacific day), with pacing and a reserve for moderation."""

    def __init__(
        self,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        *,
        reserve: int = 500,
        account: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.daily_limit = daily_limit
        self.reserve = reserve
        self.account = account
        self.clock = clock
        self.day = self._today()
        self.used = 0
        self.last_poll: float | None = None

    def _today(self) -> str:
        return datetime.fromtimestamp(self.clock(), tz=PACIFIC).date().isoformat()

    def _roll(self) -> None:
        today = self._today()
        if today != self.day:
            self.day, self.used = today, 0

    def seconds_to_reset(self) -> float:
        now = datetime.fromtimestamp(self.clock(), tz=PACIFIC)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return max(1.0, (midnight - now).total_seconds())

    @property
    def remaining(self) -> int:
        self._roll()
        return max(0, self.daily_limit - self.used)

    def charge(self, method: str) -> int:
        self._roll()
        cost = COSTS[method]
        self.used += cost
        return cost

    # -- persistence through the "quota" stream's cursor -----------------------------------
    def encode(self) -> str:
        self._roll()
        return f"{self.day}:{self.used}"

    def restore(self, cursor: str | None) -> None:
        """Take a stored count for today, so a restart does not forget what was spent."""
        if not cursor or ":" not in cursor:
            return
        day, _, used = cursor.rpartition(":")
        self._roll()
        if day == self.day and used.isdigit():
            self.used = max(self.used, int(used))

    # -- pacing ------------------------------------------------------------------------------
    def check_poll(self, estimated: int, interval: float) -> None:
        """Raise if a poll costing ``estimated`` units should not run now.

        QuotaExhausted when it would eat into the moderation reserve (wait for the reset);
        RateLimited when polling at ``interval`` would spend the rest before the reset,
        with the longer wait that makes it last.
        """
        self._roll()
        available = self.daily_limit - self.reserve - self.used
        if estimated > available:
            raise QuotaExhausted(
                f"YouTube quota nearly spent ({self.used}/{self.daily_limit} units today, "
                f"{self.reserve} kept for take-downs); polling resumes at the Pacific midnight reset",
                retry_after=self.seconds_to_reset(),
                account=self.account,
            )
        polls_left = max(1.0, self.seconds_to_reset() / max(interval, 1.0))
        fair_share = available / polls_left
        if estimated > fair_share and self.last_poll is not None:
            stretched = interval * estimated / max(fair_share, 0.001)
            wait = self.last_poll + stretched - self.clock()
            if wait > 0:
                raise RateLimited(
                    f"YouTube quota pacing: {self.used}/{self.daily_limit} units used; next poll "
                    f"in {wait:.0f}s so the rest lasts until the reset",
                    retry_after=wait,
                    account=self.account,
                )

    def polled(self) -> None:
        self.last_poll = self.clock()
