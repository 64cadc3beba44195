"""Sign-in, sessions, CSRF and headers: the defences that do not depend on the role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from monitor.models import AuditEvent, Case, User
from monitor.web import security
from monitor.web.context import WebOptions
from tests.web import factories
from tests.web.conftest import build_app
from tests.web.factories import PASSWORD, make_case


def _post_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every POST path of the app, including those of included routers."""
    from monitor.web.routes import api, api_admin, audit, auth, cases, health, queue, users

    routers = [m.router for m in (api, api_admin, audit, auth, cases, health, queue, users)]
    routes = [r for router in routers for r in router.routes] + list(app.routes)
    return sorted({r.path for r in routes if "POST" in (getattr(r, "methods", None) or set())})


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(app, engine, as_role):
    """No state-changing request is accepted without the session's synchroniser token."""
    cid = make_case(engine, categories=["complaint"])
    c, _ = as_role("admin")
    routes = _post_routes(app)
    assert len(routes) >= 15
    for path in routes:
        url = path.replace("{case_id}", str(cid)).replace("{user_id}", "1").replace("{action}", "deactivate")
        if url == "/api/session":
            continue  # JSON login: no session yet; covered below
        for extra in ({}, {"csrf_token": "wrong"}):
            r = c.post(url, data={"reason": "x", "text": "x", "agency": "police", "action": "hide",
                                  "confirm": "yes", "case_ids": str(cid), **extra})
            assert r.status_code == 403, f"{url} accepted {extra or 'no token'}"
        r = c.post(url, json={"reason": "x"}, headers={"X-CSRF-Token": "wrong"})
        assert r.status_code == 403, url
    with Session(engine) as s:
        assert s.get(Case, cid).status == "new"


def test_login_form_needs_its_csrf_token(client):
    """The sign-in form itself carries a token (no login CSRF)."""
    r = client.post("/login", data={"username": "dsl", "password": PASSWORD})
    assert r.status_code == 403


def test_api_login_is_only_exempt_for_json(client):
    """A cross-site form post to the JSON login is refused; JSON cannot be sent cross-site."""
    r = client.post("/api/session", data={"username": "dsl", "password": PASSWORD})
    assert r.status_code == 403


def test_form_login_then_queue(client):
    """Sign in through the form, land on the queue, sign out again."""
    token = factories.form_csrf(client.get("/login").text)
    r = client.post("/login", data={"username": "dsl", "password": PASSWORD, "csrf_token": token,
                                    "next": "/queue"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    page = client.get("/queue")
    assert page.status_code == 200 and "Review queue" in page.text
    r = client.post("/logout", data={"csrf_token": factories.form_csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_login_redirect_never_leaves_the_site(client):
    """``next`` pointing off-site (//evil) is replaced by the queue."""
    token = factories.form_csrf(client.get("/login").text)
    r = client.post("/login", data={"username": "dsl", "password": PASSWORD, "csrf_token": token,
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/queue"


def test_five_failures_lock_the_account_for_fifteen_minutes(client, engine, clock):
    """After 5 wrong passwords even the right one fails until the lock expires."""
    for _ in range(5):
        assert client.post("/api/session", json={"username": "viewer", "password": "wrong"}).status_code == 401
    r = client.post("/api/session", json={"username": "viewer", "password": PASSWORD})
    assert r.status_code == 401
    with Session(engine) as s:
        u = s.exec(select(User).where(User.username == "viewer")).one()
        assert u.locked_until is not None
        reasons = [e.detail["reason"] for e in s.exec(select(AuditEvent).where(
            AuditEvent.action == "auth.login_failed"))]
        assert "locked_now" in reasons and reasons[-1] == "locked"
    clock.advance(minutes=16)
    assert client.post("/api/session", json={"username": "viewer", "password": PASSWORD}).status_code == 200


def test_failure_message_does_not_reveal_whether_the_user_exists(client):
    """Unknown user, wrong password and locked account read the same."""
    a = client.post("/api/session", json={"username": "nobody", "password": "x"}).json()
    b = client.post("/api/session", json={"username": "dsl", "password": "x"}).json()
    assert a == b


def test_unknown_user_still_costs_one_password_verification(monkeypatch):
    """A dummy hash is verified for unknown users, so timing does not reveal accounts."""
    calls: list[str] = []
    real = security._hasher

    class Spy:
        def verify(self, h: str, p: str) -> bool:
            calls.append(h)
            return real.verify(h, p)

    monkeypatch.setattr(security, "_hasher", Spy())
    assert security.verify_password(None, "guess") is False
    assert calls == [security._DUMMY_HASH]


def test_per_client_throttle_stops_password_spraying(client, engine, app):
    """Many failures from one address across accounts are throttled (before lock-outs)."""
    app.state.web.ip_throttle.max_failures = 3
    for name in ("a1", "a2", "a3"):
        client.post("/api/session", json={"username": name, "password": "x"})
    r = client.post("/api/session", json={"username": "dsl", "password": PASSWORD})
    assert r.status_code == 429 and "Too many" in r.json()["detail"]


def test_session_cookie_is_httponly_and_samesite(client):
    """The session cookie cannot be read by script nor sent on cross-site requests."""
    r = client.post("/api/session", json={"username": "dsl", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie


def test_secure_cookies_option_marks_the_cookie_secure(engine, clock):
    """Behind https the cookie is Secure and HSTS is sent."""
    factories.seed_org(engine)
    app = build_app(engine, clock, options=WebOptions(secure_cookies=True))
    with TestClient(app, base_url="https://testserver") as c:
        r = c.post("/api/session", json={"username": "dsl", "password": PASSWORD})
        assert "secure" in r.headers["set-cookie"].lower()
        assert "max-age" in r.headers["strict-transport-security"]


@pytest.mark.parametrize("path", ["/login", "/static/style.css", "/cases/999999", "/healthz", "/api/cases"])
def test_security_headers_on_every_response(client, path):
    """Strict CSP (no inline script), no sniffing, no framing, no referrer — errors included."""
    r = client.get(path, follow_redirects=False)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    if not path.startswith("/static/"):
        assert r.headers["cache-control"] == "no-store"


def test_pages_contain_no_inline_script_or_style(app, engine, as_role):
    """Nothing in our own templates would need 'unsafe-inline'."""
    cid = make_case(engine, categories=["complaint"])
    c, _ = as_role("dsl")
    for path in ("/queue", f"/cases/{cid}", "/audit", f"/cases/{cid}/takedown?action=delete", "/login"):
        html = c.get(path).text.lower()
        assert "<script" not in html and "style=" not in html and "<style" not in html, path


def test_password_reset_ends_existing_sessions(engine, as_role):
    """Changing the password (``user reset``) signs the user out everywhere."""
    from datetime import timedelta

    c, _ = as_role("dsl")
    assert c.get("/queue").status_code == 200
    with Session(engine) as s:
        u = s.exec(select(User).where(User.username == "dsl")).one()
        u.password_changed_at = u.password_changed_at + timedelta(seconds=1)
        s.add(u)
        s.commit()
    assert c.get("/queue", follow_redirects=False).status_code == 303


def test_idle_session_expires(as_role, clock):
    """An unattended screen is signed out after the idle limit (60 minutes)."""
    c, _ = as_role("dsl")
    clock.advance(minutes=59)
    assert c.get("/queue").status_code == 200
    clock.advance(minutes=61)
    assert c.get("/queue", follow_redirects=False).status_code == 303


def test_openapi_document_is_served_without_swagger_ui(client):
    """The API is described by OpenAPI; the CDN-loading docs UI is not served."""
    spec = client.get("/api/openapi.json").json()
    assert "/api/cases/{case_id}/dismiss" in spec["paths"]
    assert client.get("/docs").status_code == 404


def test_admin_unlocks_and_deactivates_users(engine, as_role, client, clock):
    """An admin can lift a lock-out and switch an account off; a deactivated user cannot sign in."""
    for _ in range(5):
        client.post("/api/session", json={"username": "viewer", "password": "wrong"})
    c, tok = as_role("admin")
    with Session(engine) as s:
        vid = s.exec(select(User).where(User.username == "viewer")).one().id
    assert "locked until" in c.get("/admin/users").text
    assert c.post(f"/admin/users/{vid}/unlock", data={"csrf_token": tok}).status_code == 200
    assert client.post("/api/session", json={"username": "viewer", "password": PASSWORD}).status_code == 200
    c.post(f"/admin/users/{vid}/deactivate", data={"csrf_token": tok})
    assert client.get("/queue", follow_redirects=False).status_code == 303  # session ended
    assert client.post("/api/session", json={"username": "viewer", "password": PASSWORD}).status_code == 401
    m, mtok = as_role("manager")
    assert m.post(f"/admin/users/{vid}/activate", data={"csrf_token": mtok}).status_code == 403


def test_a_copied_cookie_stops_working_after_sign_out(as_role, app):
    """Signing out also refuses a stolen copy of the session cookie."""
    c, tok = as_role("dsl")
    stolen = dict(c.cookies)
    c.delete("/api/session", headers={"X-CSRF-Token": tok})
    with TestClient(app, base_url="http://testserver", cookies=stolen) as thief:
        assert thief.get("/api/cases").status_code == 401
