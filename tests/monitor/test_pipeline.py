"""The pipeline after ingest: classify → policy → case → alert outbox → audit."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from monitor import audit
from monitor.db import session_scope
from monitor.models import Alert, AuditEvent, Case, Finding, Item
from monitor.types import CaseStatus, ItemKind, ItemState
from tests.helpers import ingest, item, org_config, process, setup_org


def test_a_flagged_comment_opens_one_case_with_alerts_and_audit(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A bullying comment yields findings, one case, outbox rows and audit events."""
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    ingest(engine, [item("p1", "Our autumn crafts!", kind=ItemKind.POST, owner=True),
                    item("c1", "You are a useless idiot", parent="p1")])
    res = process(engine, cfg)
    assert res.items == 2 and res.cases_opened == 1
    with session_scope(engine) as s:
        case = s.exec(select(Case)).one()
        findings = s.exec(select(Finding)).all()
        alerts = s.exec(select(Alert)).all()
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq))]
        assert audit.verify(s).ok
    assert case.categories == ["abuse"] and case.status == CaseStatus.NEW.value
    assert {f.classifier for f in findings} == {"keyword"} and findings[0].model_version == "keyword-1"
    assert {(a.recipient, a.channel) for a in alerts} == {("sm-oak", "mailbox")}
    assert actions.count("case.opened") == 1 and "alert.queued" in actions


def test_processing_again_changes_nothing(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Once an item version is DONE it is never classified, cased or alerted again."""
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    ingest(engine, [item("c1", "You stupid idiot")])
    process(engine, cfg)
    ingest(engine, [item("c1", "You stupid idiot")])
    again = process(engine, cfg)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 1
        assert s.exec(select(func.count()).select_from(Alert)).one() == 1
    assert again.items == 0


def test_an_edit_is_classified_again_and_updates_the_same_case(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Editing a comment to add a threat to the press adds the category to its case."""
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    ingest(engine, [item("c1", "You stupid idiot")])
    process(engine, cfg)
    ingest(engine, [item("c1", "You stupid idiot, I'm going to the local paper")])
    res = process(engine, cfg)
    with session_scope(engine) as s:
        case = s.exec(select(Case)).one()
        keys = sorted(a.idempotency_key for a in s.exec(select(Alert)))
    assert res.cases_updated == 1 and case.item_version == 2
    assert case.categories == ["abuse", "complaint"]
    assert keys[0] == f"case:{case.id}:v1:new_case:sm-oak:mailbox"
    assert f"case:{case.id}:v2:updated:sm-oak:mailbox" in keys[1:]


def test_safeguarding_reaches_the_dsl_at_once(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A disclosure is critical and goes straight to the DSL (the deputy is the escalation)."""
    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    ingest(engine, [item("c1", "my step dad hits me and says keep it a secret")])
    process(engine, cfg)
    with session_scope(engine) as s:
        case = s.exec(select(Case)).one()
        who = {a.recipient for a in s.exec(select(Alert))}
    assert case.severity == "critical" and "dsl" in who and "sm-oak" not in who


def test_a_classifier_that_crashes_leaves_items_pending_then_failed(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A poison item is isolated: the rest of its batch is processed, it is retried, then parked."""
    from classifiers.keyword import KeywordClassifier
    from monitor.pipeline import MAX_ATTEMPTS, Pipeline

    class Fragile(KeywordClassifier):
        name = "fragile"

        def classify_batch(self, items):  # type: ignore[no-untyped-def]
            if any("BOOM" in i.text for i in items):
                raise RuntimeError("model blew up")
            return super().classify_batch(items)

    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    ingest(engine, [item("c1", "fine"), item("c2", "BOOM"), item("c3", "idiot")])
    pipe = Pipeline(engine, cfg, [Fragile()])
    for _ in range(MAX_ATTEMPTS):
        pipe.process_pending()
    with session_scope(engine) as s:
        states = dict(s.exec(select(Item.external_id, Item.state)).all())
        assert s.exec(select(func.count()).select_from(Case)).one() == 1
    assert states == {"c1": ItemState.DONE.value, "c2": ItemState.FAILED.value,
                      "c3": ItemState.DONE.value}


def test_reply_context_reaches_the_classifiers(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The text a comment replies to, and who wrote it, reach the classifiers as context."""
    from classifiers.keyword import KeywordClassifier
    from monitor.pipeline import Pipeline

    seen: dict[str, str | None] = {}
    authors: dict[str, str | None] = {}

    class Spy(KeywordClassifier):
        def classify_batch(self, items):  # type: ignore[no-untyped-def]
            seen.update({i.text: i.context for i in items})
            authors.update({i.text: i.context_author for i in items})
            return super().classify_batch(items)

    cfg = org_config(tmp_path)
    setup_org(engine, cfg)
    ingest(engine, [item("p1", "Photos from Lily's party", kind=ItemKind.POST, owner=True),
                    item("c1", "dm me", parent="p1")])
    Pipeline(engine, cfg, [Spy()]).process_pending()
    assert seen["dm me"] == "Photos from Lily's party" and seen["Photos from Lily's party"] is None
    assert authors["dm me"] == "A Parent" and authors["Photos from Lily's party"] is None
