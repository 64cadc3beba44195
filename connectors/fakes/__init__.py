"""Faithful local fakes of the platform APIs, for tests, the demo and the benchmark.

    from connectors.fakes import FakePlatformServer, load_demo, demo_accounts
"""

from connectors.fakes.demo_data import DEMO_ENV, DemoData, demo_accounts, load_demo
from connectors.fakes.model import FakeAccount, FakeComment, FakePost, FakeWorld
from connectors.fakes.server import FakePlatformServer

__all__ = [
    "DEMO_ENV",
    "DemoData",
    "FakeAccount",
    "FakeComment",
    "FakePlatformServer",
    "FakePost",
    "FakeWorld",
    "demo_accounts",
    "load_demo",
]
