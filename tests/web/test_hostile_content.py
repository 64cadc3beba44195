"""Hostile public comments go through the real pipeline and must render inert.

A fake classifier flags every comment (with evidence spans placed over the hostile
parts), so each one becomes a case; then the queue, the case page, the audit page and the
API are rendered and parsed. Nothing a member of the public wrote may become markup: no
script elements, no event-handler attributes, no javascript: links, no raw bidi or
zero-width characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from html.parser import HTMLParser

import pytest
from sqlmodel import Session, select

from classifiers.base import Classifier, ClassifierInput, Detection, Span
from connectors.base import Batch, FetchedItem
from monitor.db import session_scope
from monitor.models import Case, Item
from monitor.pipeline import Pipeline
from monitor.store import ingest_batch
from monitor.types import Category, ItemKind
from tests.web import factories

RLO, ZWSP, ZWJ = "\u202e", "\u200b", "\u200d"
HOSTILE = {
    "script": '<script>alert("owned")</script> you are useless',
    "attr": 'x" onmouseover="alert(1)" data-x="<img src=x onerror=alert(2)>',
    "js_link": '<a href="javascript:alert(3)">click me</a> [link](javascript:alert(4))',
    "rtl": f"Pay here {RLO}gpj.exe{RLO} now, useless",
    "zero_width": f"use{ZWSP}less st{ZWJ}upid",
    "entities": "&lt;script&gt; &amp; </textarea></title><svg/onload=alert(5)>",
    "close_tags": "</mark></div></main><iframe src=//evil.example></iframe>",
    "template": "{{ 7*7 }} {% raw %} ${7*7} #{7*7}",
    "huge": ("<b>bold?</b> useless " * 55_000)[:1_000_000],
}


class FlagEverything(Classifier):
    """Flags every item as a complaint with spans at both ends and across hostile text."""

    name = "flag_everything"
    version = "test-1"
    categories = frozenset({Category.COMPLAINT})

    def classify_batch(self, items: Sequence[ClassifierInput]) -> list[list[Detection]]:
        out = []
        for it in items:
            n = len(it.text)
            spans = (Span(0, min(10, n), "complaint"), Span(max(n // 2 - 5, 0), min(n // 2 + 5, n), "insult"),
                     Span(max(n - 4, 0), n + 50, "threat"), Span(-5, 2, "bogus"))
            out.append([Detection(Category.COMPLAINT, 0.9, "test", spans)])
        return out


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, attrs))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def assert_inert(html: str) -> Collector:
    p = Collector()
    p.feed(html)
    tags = {t for t, _ in p.tags}
    assert not tags & {"script", "iframe", "svg", "img", "object", "embed", "base", "link"} - {"link"}
    for tag, attrs in p.tags:
        for name, value in attrs:
            assert not name.startswith("on"), f"<{tag} {name}=…> from public text"
            if name in ("href", "src", "action", "formaction"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:", "//")), value
    assert RLO not in html and ZWSP not in html and ZWJ not in html
    return p


@pytest.fixture
def hostile_cases(engine):  # type: ignore[no-untyped-def]
    factories.seed_org(engine)
    items = [FetchedItem(external_id="post-1", kind=ItemKind.POST, text="Our nativity play is on Friday!",
                         author_name="Little Acorns", author_is_owner=True)]
    for key, text in HOSTILE.items():
        items.append(FetchedItem(
            external_id=f"c-{key}", kind=ItemKind.COMMENT, text=text, parent_external_id="post-1",
            author_name=f'<img src=x onerror=alert("{key}")>{RLO}evil', author_handle=f"h_{key}\"><b>",
            permalink="javascript:alert('perm')" if key == "js_link" else f"https://facebook.com/{key}"))
    with session_scope(engine) as s:
        ingest_batch(s, account_id="fb1", platform="facebook", batch=Batch(items=items))
    Pipeline(engine, factories.config(), [FlagEverything()]).process_pending()
    with Session(engine) as s:
        cases = {s.get(Item, c.item_id).external_id.removeprefix("c-"): c.id
                 for c in s.exec(select(Case))}
    assert set(HOSTILE) <= set(cases)
    return cases


def test_case_pages_render_hostile_comments_inert(hostile_cases, as_role):
    """Each hostile comment's page escapes its text, author and link, with spans marked."""
    c, _ = as_role("dsl")
    for key, cid in hostile_cases.items():
        if key == "post-1":
            continue
        r = c.get(f"/cases/{cid}")
        assert r.status_code == 200, key
        p = assert_inert(r.text)
        assert any(t == "mark" for t, _ in p.tags), f"{key}: no evidence highlighted"
        if key not in ("rtl", "zero_width", "huge", "post-1"):
            assert HOSTILE[key] in "".join(p.text), f"{key}: text not shown verbatim as text"
        if key == "rtl":
            assert "[U+202E]" in r.text
        if key == "zero_width":
            assert "[U+200B]" in r.text and "[U+200D]" in r.text
        if key == "js_link":
            assert "link not shown" in r.text


def test_huge_comment_is_shown_truncated_not_refused(hostile_cases, as_role):
    """A 1 MB comment renders (cut to the display limit) and says so."""
    c, _ = as_role("dsl")
    r = c.get(f"/cases/{hostile_cases['huge']}")
    assert r.status_code == 200 and "Only the first 100000 of 1000000 characters" in r.text
    assert len(r.content) < 1_500_000


def test_queue_and_audit_render_hostile_content_inert(hostile_cases, as_role):
    """Excerpts in the queue and details in the audit trail are escaped too."""
    c, _ = as_role("admin")
    for path in ("/queue", "/audit", "/audit?action=case"):
        r = c.get(path)
        assert r.status_code == 200
        assert_inert(r.text)


def test_setting_manager_does_not_see_hidden_neighbours(engine, as_role):
    """Thread context leaves out neighbouring comments whose cases the role may not see."""
    factories.seed_org(engine)
    with session_scope(engine) as s:
        post = factories.make_item(s, kind="post", text="Sports day photos", owner=True)
        ext = post.external_id
    sg = factories.make_case(engine, categories=["safeguarding"], severity="critical",
                             text="he told me not to tell anyone what happens at home", parent=ext)
    ok = factories.make_case(engine, categories=["complaint"], text="the car park is a disgrace", parent=ext)
    c, _ = as_role("manager")
    html = c.get(f"/cases/{ok}").text
    assert "Sports day photos" in html and "not to tell anyone" not in html
    assert "not shown" not in html  # not even a count of what was left out
    d, _ = as_role("dsl")
    assert "not to tell anyone" in d.get(f"/cases/{ok}").text
    del sg


def test_api_returns_public_text_as_json_data(hostile_cases, as_role):
    """The API serves JSON (never HTML) so a browser never renders the text from it."""
    c, _ = as_role("dsl")
    r = c.get(f"/api/cases/{hostile_cases['script']}")
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["item"]["text"] == HOSTILE["script"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_low_safeguarding_scores_are_not_shown_to_setting_managers(engine, as_role):
    """A below-threshold safeguarding finding on a complaint case is for the DSL's eyes only."""
    from monitor.models import Finding

    factories.seed_org(engine)
    cid = factories.make_case(engine, categories=["complaint"], text="staff were rude at pick-up")
    with session_scope(engine) as s:
        case = s.get(Case, cid)
        s.add(Finding(item_id=case.item_id, item_version=1, classifier="policy_encoder",
                      model_version="enc-3", category="safeguarding", score=0.31, spans=[]))
    m, _ = as_role("manager")
    assert "safeguarding" not in m.get(f"/cases/{cid}").text
    assert all(f["category"] != "safeguarding" for f in m.get(f"/api/cases/{cid}").json()["findings"])
    d, _ = as_role("dsl")
    assert "safeguarding" in d.get(f"/cases/{cid}").text
