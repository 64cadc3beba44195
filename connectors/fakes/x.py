"""Fake X API v2 under ``/x/2``.

Own posts are ``FakePost``s (``platform="x"``); replies are ``FakeComment``s on the
conversation's root post (``parent_id`` = the reply replied to, None = a direct reply).

``GET /2/users/:id/tweets`` (``start_time``, ``since_id``, ``pagination_token``),
``GET /2/tweets/search/recent`` and ``/all`` (``conversation_id:X OR ...``, ``since_id``,
``next_token``; recent covers 7 days), ``PUT /2/tweets/:id/hidden``. Every answer carries
``x-rate-limit-limit/remaining/reset``; the ``rate_limit`` switch answers 429 with
``x-rate-limit-reset`` = now + ``reset_in`` (default 900 s).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from connectors._time import parse_time
from connectors.fakes.model import FakeComment, FakePost
from connectors.fakes.server import FakeRequest, FakeResponse, PlatformFake, Route

WEEK = 7 * 86_400


def x_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def problem(status: int, title: str, detail: str | None = None, type_: str = "about:blank",
            headers: dict[str, str] | None = None) -> FakeResponse:
    return FakeResponse(status, {"title": title, "detail": detail or title, "type": type_, "status": status},
                        {"content-type": "application/problem+json", **(headers or {})})


class XFake(PlatformFake):
    name = "x"

    def routes(self) -> list[Route]:
        return [
            Route("GET", re.compile(r"^/2/users/(?P<id>\d+)/tweets/?$"), self.user_tweets),
            Route("GET", re.compile(r"^/2/tweets/search/(?P<scope>recent|all)/?$"), self.search),
            Route("PUT", re.compile(r"^/2/tweets/(?P<id>\d+)/hidden/?$"), self.hide),
        ]

    def _limits(self, remaining: int = 899, reset_in: float = 900) -> dict[str, str]:
        return {"x-rate-limit-limit": "900", "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(int(time.time() + reset_in))}

    def authenticate(self, req: FakeRequest) -> FakeResponse | None:
        if not self.world.token_ok(self.name, req.bearer()):
            return problem(401, "Unauthorized")
        return None

    def failure(self, kind: str, opts: dict[str, Any]) -> FakeResponse:
        status = int(opts.get("status", 429))
        if kind == "rate_limit" or status == 429:
            if opts.get("usage_capped"):
                return problem(429, "UsageCapExceeded", "Usage cap exceeded: Monthly product cap",
                               "https://api.twitter.com/2/problems/usage-capped",
                               self._limits(0, float(opts.get("reset_in", 900))))
            return problem(429, "Too Many Requests", headers=self._limits(0, float(opts.get("reset_in", 900))))
        if status == 401:
            return problem(401, "Unauthorized")
        return problem(status, "Forbidden", "You are not permitted to perform this action.",
                       "https://api.twitter.com/2/problems/not-authorized-for-resource")

    # -- rendering ------------------------------------------------------------------------
    def _tweet(self, node: FakePost | FakeComment, req: FakeRequest) -> dict[str, Any]:
        fields = set(req.query.get("tweet.fields", "").split(","))
        if isinstance(node, FakePost):
            t: dict[str, Any] = {"id": node.id, "text": node.text, "author_id": node.account_id,
                                 "conversation_id": node.id, "created_at": x_time(node.created)}
            if node.media_url:
                t["attachments"] = {"media_keys": [f"3_{node.id}"]}
        else:
            root = self.world.posts[node.post_id]
            replied = node.parent_id or root.id
            replied_author = (self.world.comments[node.parent_id].author_id if node.parent_id else root.account_id)
            t = {"id": node.id, "text": node.text, "author_id": node.author_id, "conversation_id": root.id,
                 "created_at": x_time(node.created), "in_reply_to_user_id": replied_author,
                 "referenced_tweets": [{"type": "replied_to", "id": replied}]}
        out = {"id": t["id"], "text": t["text"], "edit_history_tweet_ids": [t["id"]]}
        out.update({k: v for k, v in t.items() if k in fields})
        return out

    def _page(self, req: FakeRequest, rows: list[FakePost | FakeComment], token_param: str) -> FakeResponse:
        rows = sorted(rows, key=lambda n: int(n.id), reverse=True)
        try:
            size = max(5, min(int(req.query.get("max_results", 10)), 100))
        except ValueError:
            return problem(400, "Invalid Request", "The `max_results` query parameter value is not valid")
        token = req.query.get(token_param)
        if token:
            rows = [r for r in rows if int(r.id) < int(token, 16)]
        chunk = rows[:size]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        body: dict[str, Any] = {}
        if chunk:
            body["data"] = [self._tweet(n, req) for n in chunk]
            meta.update(newest_id=chunk[0].id, oldest_id=chunk[-1].id)
            users = {}
            for n in chunk:
                if isinstance(n, FakePost):
                    acc = self.world.account("x", n.account_id)
                    users[n.account_id] = {"id": n.account_id, "name": acc.name if acc else "", "username": acc.handle if acc else ""}
                else:
                    users[n.author_id] = {"id": n.author_id, "name": n.author_name, "username": n.author_handle}
            includes: dict[str, Any] = {}
            if "author_id" in req.query.get("expansions", ""):
                includes["users"] = list(users.values())
            media = [{"media_key": f"3_{n.id}", "type": "photo", "url": n.media_url}
                     for n in chunk if isinstance(n, FakePost) and n.media_url]
            if media and "attachments.media_keys" in req.query.get("expansions", ""):
                includes["media"] = media
            if includes:
                body["includes"] = includes
            if len(rows) > size:
                meta["next_token"] = format(int(chunk[-1].id), "x")
        body["meta"] = meta
        return FakeResponse(200, body, self._limits())

    @staticmethod
    def _window(req: FakeRequest, ts: float, tid: str) -> bool:
        start, end = parse_time(req.query.get("start_time")), parse_time(req.query.get("end_time"))
        since, until = req.query.get("since_id"), req.query.get("until_id")
        return ((start is None or ts >= start.timestamp()) and (end is None or ts <= end.timestamp())
                and (not since or int(tid) > int(since)) and (not until or int(tid) < int(until)))

    # -- handlers -----------------------------------------------------------------------
    def user_tweets(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        uid = m["id"]
        if self.world.account("x", uid) is None:
            return FakeResponse(200, {"errors": [{"value": uid, "detail": f"Could not find user with id: [{uid}].",
                                                  "title": "Not Found Error", "resource_type": "user",
                                                  "parameter": "id", "resource_id": uid,
                                                  "type": "https://api.twitter.com/2/problems/resource-not-found"}]})
        rows = [p for p in self.world.posts_of("x", uid) if self._window(req, p.created, p.id)]
        return self._page(req, list(rows), "pagination_token")

    def search(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        query = req.query.get("query", "")
        if not query:
            return problem(400, "Invalid Request", "The `query` query parameter can not be empty")
        if len(query) > 512:
            return problem(400, "Invalid Request", "The `query` query parameter value must be at most 512 characters")
        convs = set(re.findall(r"conversation_id:(\d+)", query))
        oldest = time.time() - WEEK if m["scope"] == "recent" else 0
        rows: list[FakePost | FakeComment] = []
        for cid in convs:
            post = self.world.posts.get(cid)
            if post is None or post.platform != "x":
                continue
            rows.extend(c for c in self.world.comments_on(cid)
                        if c.created >= oldest and self._window(req, c.created, c.id))
        return self._page(req, rows, "next_token")

    def hide(self, req: FakeRequest, m: re.Match[str]) -> FakeResponse:
        c = self.world.comments.get(m["id"])
        if c is None or c.deleted or c.platform != "x":
            return problem(403, "Forbidden", "You cannot hide or unhide this Tweet",
                           "https://api.twitter.com/2/problems/not-authorized-for-resource")
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("hidden"), bool):
            return problem(400, "Invalid Request", "`hidden` must be a boolean")
        c.hidden = body["hidden"]
        return FakeResponse(200, {"data": {"hidden": c.hidden}}, self._limits())
