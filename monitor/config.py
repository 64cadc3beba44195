"""Configuration: one YAML file validated with pydantic, secrets only from the environment.

Why YAML plus environment? The YAML file describes the organisation (locations, people,
accounts, routing) and is safe to keep in version control; tokens and keys never live in
it — an account names the environment variable (``token_env``) or secret file
(``token_file``) that holds its token.

``load_config`` turns every validation problem into one ``ConfigError`` whose message
names the key path and the problem, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.errors import ConfigError
from monitor.types import Category, Severity

PLATFORMS = ("facebook", "instagram", "youtube", "x", "tiktok", "wordpress", "tumblr", "static")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Strict):
    """Someone who can be told: a Setting Manager, the DSL, the deputy, an admin."""

    id: str
    name: str
    email: str | None = None
    slack_user: str | None = None  # Slack member id, e.g. U012ABCDEF
    phone: str | None = None


class Location(_Strict):
    id: str
    name: str
    setting_managers: list[str] = Field(default_factory=list)  # person ids
    schools: list[str] = Field(default_factory=list)
    uniforms: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    slack_channel: str | None = None


class AccountConfig(_Strict):
    """One of the organisation's own accounts on a platform."""

    id: str
    platform: str
    external_id: str  # page id, IG user id, channel id, user id, site URL
    handle: str | None = None
    location: str | None = None  # None: organisation-wide account
    token_env: str | None = None  # name of the env var holding the access token
    token_file: str | None = None  # or a file holding it (Docker/systemd secrets)
    app_secret_env: str | None = None  # webhook signing secret
    verify_token_env: str | None = None  # webhook subscription verify token
    base_url: str | None = None  # API base URL override (the local fakes)
    poll_interval: int = Field(300, ge=5, description="seconds between polls")
    enabled: bool = True
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, v: str) -> str:
        if v not in PLATFORMS:
            raise ValueError(f"unknown platform {v!r}; expected one of {', '.join(PLATFORMS)}")
        return v


class RoutingRule(_Strict):
    """Who is told about what. First matching rule wins for each recipient set."""

    categories: list[Category] = Field(default_factory=list)  # empty: any
    min_severity: Severity = Severity.LOW
    notify: list[Literal["setting_managers", "dsl", "deputy_dsl", "admins"] | str]
    channels: list[Literal["email", "slack", "mailbox"]] = Field(
        default_factory=lambda: ["email", "slack"]
    )
    organisation_author_only: bool = False


class PolicyConfig(_Strict):
    #: per-category minimum score for a detection to count (classifiers already apply
    #: their calibrated thresholds; this lets an organisation be stricter)
    min_score: dict[Category, float] = Field(default_factory=dict)
    #: severity floor per category, over the defaults in categories.md
    severity: dict[Category, Severity] = Field(default_factory=dict)
    routing: list[RoutingRule] = Field(default_factory=list)


class SlackConfig(_Strict):
    token_env: str = "SAFEGUARD_SLACK_TOKEN"
    signing_secret_env: str = "SAFEGUARD_SLACK_SIGNING_SECRET"
    base_url: str | None = None  # override for the local fake Slack API
    default_channel: str | None = None
    timeout: float = Field(5.0, gt=0, description="seconds per Slack API call")


class EmailConfig(_Strict):
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    sender: str = "safeguard-monitor@localhost"
    include_safeguarding_text: bool = False
    timeout: float = Field(10.0, gt=0, description="seconds per SMTP operation")


class AlertsConfig(_Strict):
    slack: SlackConfig | None = None
    email: EmailConfig | None = None
    mailbox_file: str | None = None  # demo and fallback: alerts appended to an mbox file
    escalation_minutes: int = 30
    quiet_hours: tuple[str, str] | None = None  # ("21:00", "07:00"), low severity only
    max_attempts: int = 12
    failure_threshold_minutes: int = 15
    #: who is told next when nobody acknowledges (issue 4): targets as in RoutingRule.notify
    escalation_chain: list[str] = Field(
        default_factory=lambda: ["setting_managers", "dsl", "deputy_dsl"])
    digest_time: str | None = None  # "08:00" local time: low severity waits for one digest
    ack_secret_env: str = "SAFEGUARD_ACK_SECRET"  # signs the email "acknowledge" links
    ack_link_hours: int = 72


class ImagesConfig(_Strict):
    """Photo and video checks (classifier alias ``images``)."""

    #: origins (scheme://host:port) allowed besides each platform's media hosts — only for
    #: the local fake platforms in tests and the demo; never needed in production
    allow_origins: list[str] = Field(default_factory=list)


class RetentionConfig(_Strict):
    raw_payload_days: int = 7
    text_days: int = 90


class RecordsConfig(_Strict):
    """Records for inspectors (issue 10): complaint deadlines, evidence signing, reports."""

    complaint_response_days: int = Field(28, ge=1, description="days to answer a complaint")
    due_soon_days: int = Field(7, ge=0, description="warn this many days before the deadline")
    #: Ed25519 key that signs evidence packs, stored encrypted with the Fernet key
    signing_key_file: str = ".safeguard-evidence.key"
    #: where stored media files live (a media entry's "path" is relative to it)
    media_dir: str | None = None
    #: extra person ids who receive the organisation-wide monthly report (the DSL, the
    #: deputy and the admins always do); each location's managers get their own report
    report_recipients: list[str] = Field(default_factory=list)


class Config(_Strict):
    version: int = 1
    organisation: str = "Safeguard Monitor"
    review_url: str = "http://127.0.0.1:8000"
    timezone: str = "Europe/London"
    people: list[Person] = Field(default_factory=list)
    dsl: str | None = None
    deputy_dsl: str | None = None
    admins: list[str] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    accounts: list[AccountConfig] = Field(default_factory=list)
    classifiers: list[str] = Field(default_factory=lambda: ["default", "images"])
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    images: ImagesConfig = Field(default_factory=ImagesConfig)
    records: RecordsConfig = Field(default_factory=RecordsConfig)

    @model_validator(mode="after")
    def _references_resolve(self) -> "Config":
        people = {p.id for p in self.people}
        locations = {loc.id for loc in self.locations}
        for key, pid in (("dsl", self.dsl), ("deputy_dsl", self.deputy_dsl)):
            if pid is not None and pid not in people:
                raise ValueError(f"{key}: no person with id {pid!r} in people")
        for i, pid in enumerate(self.admins):
            if pid not in people:
                raise ValueError(f"admins.{i}: no person with id {pid!r} in people")
        for loc in self.locations:
            for pid in loc.setting_managers:
                if pid not in people:
                    raise ValueError(
                        f"locations.{loc.id}.setting_managers: no person with id {pid!r}"
                    )
        seen: set[str] = set()
        for acc in self.accounts:
            if acc.id in seen:
                raise ValueError(f"accounts.{acc.id}: duplicate account id")
            seen.add(acc.id)
            if acc.location is not None and acc.location not in locations:
                raise ValueError(f"accounts.{acc.id}.location: unknown location {acc.location!r}")
        return self

    # -- look-ups used across the monitor -------------------------------------------
    def person(self, pid: str | None) -> Person | None:
        return next((p for p in self.people if p.id == pid), None)

    def location(self, lid: str | None) -> Location | None:
        return next((loc for loc in self.locations if loc.id == lid), None)

    def account(self, aid: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.id == aid), None)


class Settings(BaseSettings):
    """Process settings from the environment (``SAFEGUARD_*``); secrets live here only."""

    model_config = SettingsConfigDict(env_prefix="SAFEGUARD_", extra="ignore")

    config: Path = Path("config/safeguard.yaml")
    database_url: str = "sqlite:///safeguard.db"
    secret_key: str | None = None  # Fernet key for credentials and roster at rest
    secret_key_file: Path | None = None
    log_json: bool = False
    log_level: str = "INFO"


def _format_error(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}")
    return "; ".join(lines)


def parse_config(data: Any, *, source: str = "<config>") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys, not {type(data).__name__}")
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{source}: {_format_error(err)}") from None


def load_config(path: str | os.PathLike[str]) -> Config:
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: configuration file not found (set SAFEGUARD_CONFIG or pass --config)")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{p}: not valid YAML{where}: {getattr(err, 'problem', err)}") from None
    return parse_config(data, source=str(p))


def read_secret(*, env: str | None = None, file: str | None = None) -> str | None:
    """A secret from an environment variable or a file; never logged."""
    if env and os.environ.get(env):
        return os.environ[env].strip()
    if file:
        fp = Path(file)
        if fp.exists():
            return fp.read_text(encoding="utf-8").strip()
    return None
