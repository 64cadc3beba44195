"""The DSL's review page: ``create_app`` builds it, ``register`` adds its CLI commands."""

from monitor.web.app import create_app
from monitor.web.context import WebOptions

__all__ = ["WebOptions", "create_app"]
