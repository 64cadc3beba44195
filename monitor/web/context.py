"""What the web app holds for its lifetime (``app.state.web``), built by ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from connectors.base import Connector
from monitor.config import Config
from monitor.web.security import IpThrottle, LockoutPolicy

ConnectorFactory = Callable[[str], Connector]


@dataclass
class WebOptions:
    """Deployment knobs. ``secure_cookies`` must be on behind https (the cookie then
    never travels over plain http); ``idle_minutes`` logs out an unattended screen."""

    secure_cookies: bool = False
    same_site: str = "strict"
    session_hours: int = 12
    idle_minutes: int = 60
    page_size: int = 100
    display_chars: int = 100_000


@dataclass
class WebContext:
    engine: Engine
    config: Config
    clock: Callable[[], datetime]
    connector_factory: ConnectorFactory | None
    options: WebOptions = field(default_factory=WebOptions)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    ip_throttle: IpThrottle = field(default_factory=IpThrottle)
    #: session ids signed out before their cookie expired (see ``deps.current_user``)
    revoked: dict[str, datetime] = field(default_factory=dict)

    def revoke(self, sid: str, now: datetime) -> None:
        """Why keep a list? The session lives in a signed cookie, so signing out on the
        server must also refuse a copy of that cookie. One process serves the page; the
        list only needs to outlive the cookie (expired entries are dropped)."""
        horizon = now + timedelta(hours=self.options.session_hours)
        self.revoked = {k: v for k, v in self.revoked.items() if v > now}
        self.revoked[sid] = horizon
