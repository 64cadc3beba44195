"""Play Meta's webhook sender: build ``feed``/``comments`` events and POST them, signed.

    payload = facebook_comment_event(server.world, comment)
    send_meta_webhook("http://127.0.0.1:8000/webhooks/oak-fb", payload, app_secret="s3cret")
    send_meta_webhook(url, payload, app_secret="s3cret", signature="bad")      # -> 403
    send_meta_webhook(url, payload, signature="missing")                      # -> 403
    meta_subscribe(url, verify_token="vt", challenge="1158201444")            # GET handshake

Event shapes follow the recorded deliveries in shared/fixtures/platforms/facebook/webhooks
and Meta's Instagram ``comments``/``mentions`` samples.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx

from connectors.fakes.facebook import graph_time
from connectors.fakes.model import FakeComment, FakePost, FakeWorld
from connectors.meta_webhooks import sign

Signature = Literal["good", "bad", "missing"]


def facebook_comment_event(world: FakeWorld, comment: FakeComment, *, verb: str = "add") -> dict[str, Any]:
    """A Page ``feed`` change for ``comment`` (verb add/edited/hide/unhide/remove)."""
    post = world.posts[comment.post_id]
    suffix = post.id.split("_")[-1]
    value: dict[str, Any] = {
        "from": {"id": comment.author_id, "name": comment.author_name},
        "post": {
            "status_type": "added_photos" if post.media_url else "mobile_status_update",
            "is_published": True,
            "updated_time": graph_time(post.updated),
            "permalink_url": f"https://www.facebook.com/{post.account_id}/posts/{suffix}",
            "promotion_status": "inactive",
            "id": post.id,
        },
        "message": comment.text,
        "post_id": post.id,
        "comment_id": comment.id,
        "created_time": int(comment.created),
        "item": "comment",
        "parent_id": comment.parent_id or post.id,
        "verb": verb,
    }
    if comment.media_url:
        value["photo"] = comment.media_url
    return _page_envelope(post.account_id, [{"value": value, "field": "feed"}], comment.created)


def facebook_post_event(world: FakeWorld, post: FakePost, *, verb: str = "add") -> dict[str, Any]:
    acc = world.account("facebook", post.account_id)
    value = {
        "from": {"id": post.account_id, "name": acc.name if acc else ""},
        "message": post.text,
        "post_id": post.id,
        "created_time": int(post.created),
        "item": "status",
        "published": 1,
        "verb": verb,
    }
    return _page_envelope(post.account_id, [{"value": value, "field": "feed"}], post.created)


def _page_envelope(page_id: str, changes: list[dict[str, Any]], when: float) -> dict[str, Any]:
    return {"entry": [{"id": page_id, "time": int(when), "changes": changes}], "object": "page"}


def instagram_comment_event(world: FakeWorld, comment: FakeComment) -> dict[str, Any]:
    """An Instagram ``comments`` change (the 2021+ shape with ``from``, ``media``, ``parent_id``)."""
    post = world.posts[comment.post_id]
    value: dict[str, Any] = {
        "from": {"id": comment.author_id, "username": comment.author_handle},
        "media": {"id": post.id, "media_product_type": "FEED"},
        "id": comment.id,
        "text": comment.text,
    }
    if comment.parent_id:
        value["parent_id"] = comment.parent_id
    return {
        "object": "instagram",
        "entry": [{"id": post.account_id, "time": int(comment.created),
                   "changes": [{"field": "comments", "value": value}]}],
    }


def instagram_mention_event(account_id: str, *, media_id: str, comment_id: str | None = None) -> dict[str, Any]:
    value = {"media_id": media_id, **({"comment_id": comment_id} if comment_id else {})}
    return {"object": "instagram",
            "entry": [{"id": account_id, "time": 0, "changes": [{"field": "mentions", "value": value}]}]}


def send_meta_webhook(
    url: str,
    payload: dict[str, Any] | bytes,
    *,
    app_secret: str | None = None,
    signature: Signature = "good",
    http: httpx.Client | None = None,
) -> httpx.Response:
    """POST ``payload`` as Meta does, with a good, bad or missing ``X-Hub-Signature-256``."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"content-type": "application/json", "user-agent": "facebookexternalua"}
    if signature == "good":
        if not app_secret:
            raise ValueError("a good signature needs the app secret")
        headers["x-hub-signature-256"] = sign(body, app_secret)
    elif signature == "bad":
        headers["x-hub-signature-256"] = sign(body, (app_secret or "") + "-wrong")
    client = http or httpx.Client()
    try:
        return client.post(url, content=body, headers=headers, timeout=10)
    finally:
        if http is None:
            client.close()


def meta_subscribe(url: str, *, verify_token: str, challenge: str = "1158201444",
                   http: httpx.Client | None = None) -> httpx.Response:
    """Meta's subscription handshake: GET with ``hub.mode``, ``hub.verify_token``, ``hub.challenge``."""
    params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
    client = http or httpx.Client()
    try:
        return client.get(url, params=params, timeout=10)
    finally:
        if http is None:
            client.close()
