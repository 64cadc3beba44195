"""The consent register: who recorded what, approvals and child links, and what the checks see."""

from __future__ import annotations

import pytest
from sqlmodel import select

from classifiers.images.pdq import compute, variant_hashes
from monitor import audit, consent, crypto
from monitor.db import session_scope
from monitor.errors import ConfigError
from monitor.models import ApprovedImage, AuditEvent, RosterChild
from tests.helpers import org_config, setup_org
from tests.photos import images


def add_child(engine, name: str = "Amelia Hartley", photo_consent: str = "unknown") -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        row = RosterChild(location_id="oakfield", name_enc=crypto.encrypt(name),
                          name_fingerprint=crypto.keyed_hash(name), photo_consent=photo_consent)
        s.add(row)
        s.flush()
        return row.id  # type: ignore[return-value]


def test_consent_is_recorded_with_who_and_when_and_audited_without_the_name(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each consent change says who made it; the audit trail never holds the child's name."""
    setup_org(engine, org_config(tmp_path))
    cid = add_child(engine)
    with session_scope(engine) as s:
        consent.record_consent(s, roster_child_id=cid, consent="no", by="sam")
    with session_scope(engine) as s:
        child = s.get(RosterChild, cid)
        ev = s.exec(select(AuditEvent).where(AuditEvent.action == "consent.recorded")).one()
        assert audit.verify(s).ok
    assert child.photo_consent == "no" and child.consent_recorded_by == "sam"  # type: ignore[union-attr]
    assert child.consent_recorded_at is not None and ev.detail == {"from": "unknown", "to": "no"}  # type: ignore[union-attr]
    assert "Amelia" not in str(ev.detail)


def test_bad_values_are_refused_with_a_clear_message(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Only yes/no/internal_only/unknown, and only real 64-hex PDQ hashes."""
    setup_org(engine, org_config(tmp_path))
    cid = add_child(engine)
    with session_scope(engine) as s:
        with pytest.raises(ConfigError, match="expected one of"):
            consent.record_consent(s, roster_child_id=cid, consent="maybe", by="sam")
        with pytest.raises(ConfigError, match="PDQ"):
            consent.approve_image(s, pdq="not-a-hash", by="sam")


def test_an_approval_is_seen_by_the_checks_at_once_and_can_be_revoked(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The index reloads after a change in this process; a revoked approval stops counting."""
    setup_org(engine, org_config(tmp_path))
    a = images.astronaut()
    main, variants = compute(a).hex, variant_hashes(a)
    index = consent.DbConsentIndex(engine, ttl=3600)
    assert index.approved(main) is None
    with session_scope(engine) as s:
        row = consent.approve_image(s, pdq=main, by="sam", variants=variants)
        approval_id = row.id
    w, h = a.size
    assert index.approved(main) == 0
    assert index.approved(compute(a.crop((w // 10, 0, w, h))).hex) is not None
    with session_scope(engine) as s:
        assert len(s.exec(select(ApprovedImage)).all()) == 1 + len(set(variants) - {main})
        consent.revoke_approval(s, approval_id=approval_id, by="dana")  # type: ignore[arg-type]
    assert index.approved(main) is None


def test_a_link_follows_the_childs_current_consent(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Linking once; changing the child's consent later changes what every match means."""
    setup_org(engine, org_config(tmp_path))
    cid = add_child(engine, photo_consent="yes")
    h = compute(images.astronaut()).hex
    index = consent.DbConsentIndex(engine, ttl=3600)
    with session_scope(engine) as s:
        consent.link_child(s, pdq=h, roster_child_id=cid, by="sam")
        consent.link_child(s, pdq=h, roster_child_id=cid, by="sam")  # idempotent
    assert [(c.roster_child_id, c.consent) for c in index.children(h)] == [(cid, "yes")]
    with session_scope(engine) as s:
        consent.record_consent(s, roster_child_id=cid, consent="no", by="sam")
        found = consent.lookup(s, pdq=h)
    assert [(c.roster_child_id, c.consent) for c in index.children(h)] == [(cid, "no")]
    assert found.children == [{"roster_child_id": cid, "consent": "no", "distance": 0}]
    with session_scope(engine) as s:
        assert consent.unlink_child(s, pdq=h, roster_child_id=cid, by="sam")
    assert index.children(h) == []
