"""Every role against every route, on SQLite and PostgreSQL.

Three cases are made per check: a safeguarding case at loc1, a complaint at loc1 and a
complaint at loc2. The Setting Manager (scoped to loc1) may only know of the loc1
complaint; the viewer of both complaints; the admin, DSL and deputy of all three. A case
the role may not see answers 404 (never 403: existence must not leak); a visible case the
role may not act on answers 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from monitor.clock import FrozenClock
from monitor.models import Case, User
from monitor.types import Role
from monitor.web.permissions import ROLE_PERMS, Perm, can_see_case, visible_cases_clause
from tests.web import factories
from tests.web.conftest import build_app

ROLES = ["admin", "dsl", "deputy", "manager", "viewer"]
KINDS = {
    "safeguarding@loc1": (["safeguarding"], "loc1", "critical"),
    "complaint@loc1": (["complaint"], "loc1", "medium"),
    "complaint@loc2": (["complaint", "abuse"], "loc2", "high"),
}
VISIBLE = {
    "admin": set(KINDS), "dsl": set(KINDS), "deputy": set(KINDS),
    "manager": {"complaint@loc1"}, "viewer": {"complaint@loc1", "complaint@loc2"},
}
ROLE_OF = {k: Role(v[0]) for k, v in factories.ROLES.items()}

# (method, path, body kind, permission needed or None for "any role that sees the case")
CASE_ROUTES = [
    ("GET", "/cases/{id}", None, None),
    ("GET", "/api/cases/{id}", None, None),
    ("GET", "/cases/{id}/takedown?action=hide", None, Perm.TAKEDOWN),
    ("POST", "/cases/{id}/acknowledge", "form", Perm.ACKNOWLEDGE),
    ("POST", "/cases/{id}/assign", "form", Perm.ASSIGN),
    ("POST", "/cases/{id}/note", "form", Perm.NOTE),
    ("POST", "/cases/{id}/dismiss", "form", Perm.DISMISS),
    ("POST", "/cases/{id}/escalate", "form", Perm.ESCALATE),
    ("POST", "/cases/{id}/resolve", "form", Perm.RESOLVE),
    ("POST", "/cases/{id}/takedown", "form", Perm.TAKEDOWN),
    ("POST", "/api/cases/{id}/acknowledge", "json", Perm.ACKNOWLEDGE),
    ("POST", "/api/cases/{id}/assign", "json", Perm.ASSIGN),
    ("POST", "/api/cases/{id}/notes", "json", Perm.NOTE),
    ("POST", "/api/cases/{id}/dismiss", "json", Perm.DISMISS),
    ("POST", "/api/cases/{id}/escalate", "json", Perm.ESCALATE),
    ("POST", "/api/cases/{id}/resolve", "json", Perm.RESOLVE),
    ("POST", "/api/cases/{id}/takedown", "json", Perm.TAKEDOWN),
]
BODIES = {
    "acknowledge": {}, "assign": {"assignee_id": None}, "note": {"text": "checked"},
    "notes": {"text": "checked"}, "dismiss": {"reason": "not a concern"},
    "escalate": {"agency": "police", "reference": "CAD 123", "referred_on": "2026-11-26"},
    "resolve": {"note": "ok"}, "takedown": {"action": "hide", "confirm": True},
}
FORM_BODIES = {**BODIES, "assign": {"assignee_id": ""}, "takedown": {"action": "hide", "confirm": "yes"}}

GLOBAL_ROUTES = [
    ("GET", "/queue", Perm.VIEW_CASES),
    ("GET", "/api/cases", Perm.VIEW_CASES),
    ("GET", "/audit", Perm.AUDIT),
    ("GET", "/audit.csv", Perm.AUDIT),
    ("GET", "/api/audit", Perm.AUDIT),
    ("GET", "/api/audit/verify", Perm.AUDIT),
    ("GET", "/api/authors/jopublic/export", Perm.EXPORT_AUTHOR),
    ("GET", "/admin/users", Perm.MANAGE_USERS),
]


@pytest.fixture(scope="module")
def world(shared_engine) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    prefix = f"m{uuid.uuid4().hex[:6]}_"
    factories.seed_org(shared_engine, prefix=prefix)
    app = build_app(shared_engine, FrozenClock(factories.T0))
    clients: dict[str, tuple[TestClient, str]] = {}
    for role in ROLES:
        c = TestClient(app, base_url="http://testserver")
        clients[role] = (c, factories.login(c, prefix + role))
    yield {"engine": shared_engine, "clients": clients, "prefix": prefix}
    for c, _ in clients.values():
        c.close()


def _call(client: TestClient, token: str, method: str, path: str, body: str | None):  # type: ignore[no-untyped-def]
    action = path.rstrip("/").split("/")[-1].split("?")[0]
    if method == "GET":
        return client.get(path, follow_redirects=False)
    if body == "json":
        return client.post(path, json=BODIES[action], headers={"X-CSRF-Token": token},
                           follow_redirects=False)
    return client.post(path, data={**FORM_BODIES[action], "csrf_token": token}, follow_redirects=False)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,body,perm", CASE_ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in CASE_ROUTES])
def test_role_against_case_route(world, role, kind, method, path, body, perm):  # type: ignore[no-untyped-def]
    """Invisible → 404; visible but not permitted → 403; otherwise it works."""
    cats, loc, sev = KINDS[kind]
    cid = factories.make_case(world["engine"], categories=cats, location=loc, severity=sev)
    client, token = world["clients"][role]
    r = _call(client, token, method, path.format(id=cid), body)
    if kind not in VISIBLE[role]:
        expected = {404}
    elif perm is not None and perm not in ROLE_PERMS[ROLE_OF[role]]:
        expected = {403}
    else:
        expected = {200, 201, 303}
    assert r.status_code in expected, f"{role} {method} {path} on {kind}: {r.status_code} {r.text[:200]}"
    if r.status_code == 404:
        assert "safeguarding" not in r.text.lower()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,perm", GLOBAL_ROUTES, ids=[p for _, p, _ in GLOBAL_ROUTES])
def test_role_against_global_route(world, role, method, path, perm):  # type: ignore[no-untyped-def]
    """Pages that are not about one case: allowed by role, else 403."""
    client, _ = world["clients"][role]
    r = client.get(path, follow_redirects=False)
    expected = 200 if perm in ROLE_PERMS[ROLE_OF[role]] else 403
    assert r.status_code == expected, f"{role} {path}: {r.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_bulk_dismiss_route_by_role(world, role):  # type: ignore[no-untyped-def]
    """Bulk dismissal is for roles that may dismiss; it only touches visible cases."""
    ids = {k: factories.make_case(world["engine"], categories=v[0], location=v[1], severity=v[2])
           for k, v in KINDS.items()}
    client, token = world["clients"][role]
    r = client.post("/cases/bulk-dismiss", data={"csrf_token": token, "reason": "duplicate",
                                                 "case_ids": [str(i) for i in ids.values()]},
                    follow_redirects=False)
    allowed = Perm.DISMISS in ROLE_PERMS[ROLE_OF[role]]
    assert r.status_code == (303 if allowed else 403)
    with Session(world["engine"]) as s:
        for kind, cid in ids.items():
            dismissed = s.get(Case, cid).status == "dismissed"
            assert dismissed == (allowed and kind in VISIBLE[role])


@pytest.mark.parametrize("path", ["/queue", "/cases/1", "/audit", "/audit.csv"])
def test_anonymous_pages_redirect_to_login(world, path):  # type: ignore[no-untyped-def]
    """No page shows anything before sign-in."""
    with TestClient(world["clients"]["dsl"][0].app, base_url="http://testserver") as c:
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", ["/api/cases", "/api/cases/1", "/api/audit", "/api/audit/verify",
                                  "/api/authors/x/export"])
def test_anonymous_api_is_401(world, path):  # type: ignore[no-untyped-def]
    """The API answers 401 without a session."""
    with TestClient(world["clients"]["dsl"][0].app, base_url="http://testserver") as c:
        assert c.get(path).status_code == 401


def test_lists_and_counts_never_include_hidden_cases(world):  # type: ignore[no-untyped-def]
    """The manager's list and counts hold only loc1 non-safeguarding cases."""
    eng = world["engine"]
    for v in KINDS.values():
        factories.make_case(eng, categories=v[0], location=v[1], severity=v[2])
    client, _ = world["clients"]["manager"]
    body = client.get("/api/cases", params={"status": "all"}).json()
    with Session(eng) as s:
        mgr = s.exec(select(User).where(User.username == world["prefix"] + "manager")).one()
        expected = [c.id for c in s.exec(select(Case)) if can_see_case(mgr, c)]
    assert {c["id"] for c in body["data"]} <= set(expected)
    assert body["count"] == len(expected) == sum(body["counts"].values())
    assert all("safeguarding" not in c["categories"] and c["location_id"] == "loc1" for c in body["data"])


@pytest.mark.parametrize("role", ROLES)
def test_sql_filter_agrees_with_python_check(world, role):  # type: ignore[no-untyped-def]
    """visible_cases_clause (lists) and can_see_case (single case) never disagree."""
    eng = world["engine"]
    for v in KINDS.values():
        factories.make_case(eng, categories=v[0], location=v[1], severity=v[2])
    with Session(eng) as s:
        user = s.exec(select(User).where(User.username == world["prefix"] + role)).one()
        by_sql = {c.id for c in s.exec(select(Case).where(visible_cases_clause(user)))}
        by_py = {c.id for c in s.exec(select(Case)) if can_see_case(user, c)}
    assert by_sql == by_py


@pytest.mark.parametrize("role", ROLES)
def test_user_admin_actions_by_role(world, role):  # type: ignore[no-untyped-def]
    """Only the admin may unlock or (de)activate accounts."""
    client, token = world["clients"][role]
    with Session(world["engine"]) as s:
        target = s.exec(select(User).where(User.username == world["prefix"] + "viewer")).one().id
    r = client.post(f"/admin/users/{target}/unlock", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == (303 if Perm.MANAGE_USERS in ROLE_PERMS[ROLE_OF[role]] else 403)
