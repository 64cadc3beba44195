"""Builds the running parts from settings and configuration, in one place.

The daemon, the CLI commands, the demo and the tests all assemble the monitor through
``Runtime``, so there is one way the pieces are wired together.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from classifiers.base import Classifier
from classifiers.context import LocationContext, RosterChild, SettingContext
from connectors.base import Connector
from monitor import crypto
from monitor.accounts import secrets_for
from monitor.config import AccountConfig, Config, Settings, load_config
from monitor.db import make_engine
from monitor.errors import ConfigError
from monitor.models import RosterChild as RosterRow
from monitor.notifiers.base import Notifier
from monitor.pipeline import Pipeline

log = logging.getLogger(__name__)


def worker_id() -> str:
    """``host:pid`` unless SAFEGUARD_WORKER_ID says otherwise (containers sharing a hostname)."""
    return os.environ.get("SAFEGUARD_WORKER_ID") or f"{socket.gethostname()}:{os.getpid()}"


def setting_context(config: Config, session: Session | None = None) -> SettingContext:
    """Locations from configuration plus the (decrypted) roster from the database."""
    roster: list[RosterChild] = []
    if session is not None:
        for row in session.exec(select(RosterRow)):
            roster.append(RosterChild(
                name=crypto.decrypt(row.name_enc),
                known_as=crypto.decrypt(row.known_as_enc) if row.known_as_enc else None,
                location=row.location_id, photo_consent=row.photo_consent))
    return SettingContext(
        organisation_names=(config.organisation,),
        locations=tuple(LocationContext(id=loc.id, name=loc.name, schools=tuple(loc.schools),
                                        uniforms=tuple(loc.uniforms), places=tuple(loc.places))
                        for loc in config.locations),
        roster=tuple(roster),
    )


def build_classifiers(names: Sequence[str], context: SettingContext) -> list[Classifier]:
    from classifiers.registry import build_classifiers as build

    return build(names, context)


@dataclass
class Runtime:
    config: Config
    engine: Engine
    worker: str = field(default_factory=worker_id)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, config_path: str | None = None,
                      database_url: str | None = None) -> "Runtime":
        settings = settings or Settings()
        config = load_config(config_path or settings.config)
        return cls(config=config, engine=make_engine(database_url or settings.database_url))

    @cached_property
    def classifiers(self) -> list[Classifier]:
        from monitor.consent import configure_images
        from monitor.db import session_scope

        with session_scope(self.engine) as session:
            context = setting_context(self.config, session)
        configure_images(self.engine, allow_origins=tuple(self.config.images.allow_origins),
                         extra_hosts={"wordpress": self._wordpress_hosts()})
        return build_classifiers(self.config.classifiers, context)

    def _wordpress_hosts(self) -> tuple[str, ...]:
        """A WordPress site serves its own media: its host joins the allow-list."""
        from urllib.parse import urlsplit

        hosts = []
        for acc in self.config.accounts:
            if acc.platform == "wordpress":
                host = urlsplit(acc.base_url or acc.external_id).hostname
                if host:
                    hosts.append(host)
        return tuple(hosts)

    def pipeline(self) -> Pipeline:
        return Pipeline(self.engine, self.config, self.classifiers, worker_id=self.worker)

    @cached_property
    def notifiers(self) -> dict[str, Notifier]:
        from monitor.outbox import build_notifiers

        return build_notifiers(self.config)

    def connector(self, account: AccountConfig, session: Session) -> Connector:
        if account.platform == "static":
            from connectors.static import StaticConnector

            path = account.options.get("path")
            if not path:
                raise ConfigError(f"accounts.{account.id}.options.path: required for platform static")
            return StaticConnector(path, account=account.id)
        from connectors.registry import ConnectorSecrets, build_connector

        s = secrets_for(session, account)
        return build_connector(account, ConnectorSecrets(token=s.token, app_secret=s.app_secret,
                                                         verify_token=s.verify_token))

    def connector_factory(self, account_id: str) -> Connector:
        """A connector for a configured account (take-downs from the review page)."""
        from monitor.db import session_scope

        acc = self.config.account(account_id)
        if acc is None:
            raise ConfigError(f"no account {account_id!r} in the configuration")
        with session_scope(self.engine) as session:
            return self.connector(acc, session)
