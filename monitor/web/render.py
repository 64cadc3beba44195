"""Template rendering: one Jinja environment with autoescape forced on for every file.

Why our own Environment? Starlette's default only autoescapes by file extension; forcing
``autoescape=True`` means even a template with an odd name escapes public text, and
``StrictUndefined`` turns a typo into an error in tests instead of a silent blank.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import Response

from monitor.clock import ensure_utc
from monitor.web.deps import csrf_token
from monitor.web.highlight import has_hidden, runs
from monitor.web.permissions import Perm, can

TEMPLATES = Path(__file__).with_name("templates")


def _when_in(tz: ZoneInfo) -> Callable[[datetime | None], str]:
    """Times are stored in UTC and shown in the organisation's time zone (config.timezone)."""

    def when(value: datetime | None) -> str:
        v = ensure_utc(value)
        return v.astimezone(tz).strftime("%d %b %Y %H:%M") if v else ""

    return when


def _safe_url(value: str | None) -> str | None:
    """Only http(s) links from the public are made clickable (no javascript:, data:, …)."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and value == value.strip():
        return value
    return None


def make_templates(timezone: str = "Europe/London") -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when_in(ZoneInfo(timezone))
    env.filters["safe_url"] = _safe_url
    env.filters["runs"] = runs
    env.filters["jsontext"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    env.filters["has_hidden"] = has_hidden
    env.globals["Perm"] = Perm
    env.globals["can"] = can
    return Jinja2Templates(env=env)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("user", None)
    context.setdefault("message", None)
    context["csrf"] = csrf_token(request)
    config = request.app.state.web.config
    context["organisation"] = config.organisation
    context["location_names"] = {loc.id: loc.name for loc in config.locations}
    return templates.TemplateResponse(request, name, context, status_code=status_code)
