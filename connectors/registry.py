"""Build the right connector for an account.

    connector = build_connector(account, ConnectorSecrets(token=..., app_secret=...))

``build_connector`` returns a working connector or raises: ``ConfigError`` for an
account this build cannot serve (unknown platform, missing required option),
``CredentialsRejected`` when a required secret is missing, with the environment
variable or file to set. Platform names are storage keys and never change.

Why lazy imports? A deployment that watches only Facebook should not import (or fail
on) the other five clients.
"""

from __future__ import annotations

import importlib
from typing import Any

import httpx

from connectors.base import Connector
from connectors.common import ConnectorSecrets
from monitor.config import AccountConfig
from monitor.errors import ConfigError

__all__ = ["CONNECTORS", "ConnectorSecrets", "build_connector", "connector_class", "secrets_for"]

#: platform -> "module:Class"
CONNECTORS: dict[str, str] = {
    "facebook": "connectors.facebook.connector:FacebookPageConnector",
    "instagram": "connectors.instagram.connector:InstagramConnector",
    "youtube": "connectors.youtube.connector:YouTubeConnector",
    "x": "connectors.x.connector:XConnector",
    "tiktok": "connectors.tiktok.connector:TikTokConnector",
    "wordpress": "connectors.wordpress.connector:WordPressConnector",
    "tumblr": "connectors.tumblr.connector:TumblrConnector",
}


def connector_class(platform: str) -> type[Connector]:
    target = CONNECTORS.get(platform)
    if target is None:
        known = ", ".join(sorted(CONNECTORS))
        hint = " (the static source is built by connectors.static)" if platform == "static" else ""
        raise ConfigError(f"platform {platform!r} has no connector here{hint}; known: {known}")
    module, _, name = target.partition(":")
    try:
        cls: type[Connector] = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"connector for {platform!r} could not be loaded: {exc}") from None
    return cls


def build_connector(
    account: AccountConfig, secrets: ConnectorSecrets, *, http: httpx.Client | None = None
) -> Connector:
    """A ready connector for ``account``; ``http`` is shared (and not closed) if given."""
    cls = connector_class(account.platform)
    built: Any = cls.from_config(account, secrets, http=http)  # type: ignore[attr-defined]
    return built  # type: ignore[no-any-return]


def secrets_for(account: AccountConfig) -> ConnectorSecrets:
    """Secrets from the environment/files the account names (``read_secret``)."""
    from monitor.config import read_secret

    return ConnectorSecrets(
        token=read_secret(env=account.token_env, file=account.token_file),
        app_secret=read_secret(env=account.app_secret_env),
        verify_token=read_secret(env=account.verify_token_env),
    )
