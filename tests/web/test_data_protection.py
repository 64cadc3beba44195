"""Retention purge and the export of everything held about one author."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from monitor.db import session_scope
from monitor.models import AuditEvent, Item, ItemVersion
from monitor.web.retention import purge
from tests.web import factories
from tests.web.factories import T0, make_case, make_item


def test_purge_clears_old_caseless_text_but_keeps_counts_and_hashes(engine):
    """Old items with no case lose their text; hashes, rows and case items stay."""
    factories.seed_org(engine)
    old = T0 - timedelta(days=40)
    with session_scope(engine) as s:
        plain_old = make_item(s, text="lovely day at the park", fetched=old)
        plain_old.raw = {"message": "lovely day at the park"}
        recent = make_item(s, text="see you tomorrow", fetched=T0 - timedelta(days=5))
        post = make_item(s, kind="post", text="Christmas fair on Saturday", fetched=old, owner=True)
        ids = (plain_old.id, recent.id, post.id)
        post_ext, old_hash = post.external_id, plain_old.content_hash
    flagged = make_case(engine, categories=["complaint"], text="disgraceful service", fetched=old,
                        parent=post_ext)
    with session_scope(engine) as s:
        res = purge(s, text_days=30, now=T0, actor="tester")
    assert res.items == 1 and res.versions == 1
    with Session(engine) as s:
        p = s.get(Item, ids[0])
        assert p.text is None and p.raw is None and p.text_purged_at is not None
        assert p.content_hash == old_hash
        assert all(v.text is None for v in s.exec(select(ItemVersion).where(ItemVersion.item_id == ids[0])))
        assert s.get(Item, ids[1]).text == "see you tomorrow"  # too recent
        assert s.get(Item, ids[2]).text == "Christmas fair on Saturday"  # context of a case
        assert s.exec(select(Item).where(Item.text == "disgraceful service")).one()  # has a case
        ev = s.exec(select(AuditEvent).where(AuditEvent.action == "retention.purged")).one()
        assert ev.detail["items"] == 1 and ev.actor == "tester"
    with session_scope(engine) as s:
        assert purge(s, text_days=30, now=T0).items == 0  # idempotent
    del flagged


def test_purged_text_is_shown_as_purged(engine, as_role):
    """A neighbouring comment whose text was purged says so instead of showing nothing."""
    factories.seed_org(engine)
    with session_scope(engine) as s:
        post = make_item(s, kind="post", text="Trip to the farm", owner=True)
        ext = post.external_id
        make_item(s, text="old chatter", parent=ext, fetched=T0 - timedelta(days=90))
    cid = make_case(engine, categories=["complaint"], text="rude staff", parent=ext)
    with session_scope(engine) as s:
        purge(s, text_days=30, now=T0)
    c, _ = as_role("dsl")
    html = c.get(f"/cases/{cid}").text
    assert "text purged under the retention policy" in html and "old chatter" not in html


def test_author_export_holds_everything_about_one_handle(engine, as_role):
    """Items, versions, findings, cases, notes and audit events of the handle; nobody else's."""
    cid = make_case(engine, categories=["complaint"], text="awful nursery", handle="Angry_Parent")
    make_case(engine, categories=["abuse"], text="someone else", handle="other_person")
    c, tok = as_role("dsl")
    c.post(f"/cases/{cid}/note", data={"csrf_token": tok, "text": "spoke to parent"})
    data = c.get("/api/authors/@angry_parent/export").json()
    assert data["handle"] == "angry_parent"
    assert [i["text"] for i in data["items"]] == ["awful nursery"]
    assert data["items"][0]["versions"] and data["items"][0]["findings"]
    assert [case["id"] for case in data["cases"]] == [cid]
    assert data["cases"][0]["notes"][0]["text"] == "spoke to parent"
    assert any(e["action"] == "case.note_added" for e in data["audit_events"])
    assert "someone else" not in str(data)
    with Session(engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "data.author_exported")).one()


def test_setting_manager_cannot_export_authors(as_role):
    """Subject access exports are for the DSL, deputy and admin only."""
    c, _ = as_role("manager")
    assert c.get("/api/authors/anyone/export").status_code == 403
