"""The fake Facebook Graph API (connectors/fakes) wired to the review page's take-downs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.base import Connector
from connectors.common import ConnectorSecrets
from connectors.fakes.server import FakePlatformServer
from connectors.registry import build_connector
from monitor.config import AccountConfig
from monitor.db import session_scope
from tests.web import factories

TOKEN = "fake-page-token"


@dataclass
class FakeComment:
    case_id: int
    comment_id: str


def connector_factory(server: FakePlatformServer) -> Callable[[str], Connector]:
    """Real FacebookPageConnector instances pointed at the fake over loopback HTTP."""

    def factory(account_id: str) -> Connector:
        page = {"fb1": "p1", "fb2": "p2"}[account_id]
        account = AccountConfig(id=account_id, platform="facebook", external_id=page,
                                base_url=server.base_url("facebook"), options={"timeout": 2.0})
        return build_connector(account, ConnectorSecrets(token=TOKEN))

    return factory


def flagged_comment(server: FakePlatformServer, engine, text: str, *,  # type: ignore[no-untyped-def]
                    categories: list[str] | None = None) -> FakeComment:
    """A comment that exists on the fake page and as a case in our database."""
    world = server.world
    if world.account("facebook", "p1") is None:
        world.add_account("facebook", "p1", name="Little Acorns Oak Street")
    post = world.add_post("facebook", "p1", "Our sports day is on Friday!")
    comment = world.add_comment(post.id, text, author_name="Jo Public")
    cid = factories.make_case(engine, categories=categories or ["abuse"], severity="high", text=text,
                              handle="jo_public")
    with session_scope(engine) as s:
        from monitor.models import Case, Item

        item = s.get(Item, s.get(Case, cid).item_id)
        item.external_id = comment.id
        s.add(item)
    return FakeComment(cid, comment.id)
