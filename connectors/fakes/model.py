"""The fake platforms' shared in-memory world: accounts, posts and comments.

One model serves every platform; each platform's fake renders it in that platform's
JSON and id formats. Tests and the demo add to it and read it back (a take-down hides
or deletes a ``FakeComment`` here, which is how a test checks it happened).

Times are Unix seconds (float). Ids are generated per platform in the platform's own
style, and always increase with creation, which X's ``since_id`` relies on.
"""

from __future__ import annotations

import itertools
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

When = float | int | datetime | None


def _ts(when: When, default: float) -> float:
    if when is None:
        return default
    if isinstance(when, datetime):
        return when.timestamp()
    return float(when)


@dataclass
class FakeAccount:
    platform: str
    id: str
    name: str
    handle: str


@dataclass
class FakePost:
    platform: str
    account_id: str
    id: str
    text: str
    created: float
    updated: float
    title: str = ""
    media_url: str | None = None
    media_type: str = "image"
    comments_disabled: bool = False
    deleted: bool = False
    seq: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeComment:
    platform: str
    post_id: str
    id: str
    text: str
    author_id: str
    author_name: str
    created: float
    parent_id: str | None = None  # None: a top-level comment
    author_handle: str = ""
    hidden: bool = False
    deleted: bool = False
    status: str = "published"  # youtube: published|heldForReview|rejected; wordpress: approved|hold|trash
    media_url: str | None = None
    seq: int = 0


_ID_BASE = {
    "facebook": 122_000_000_000_000_000,
    "instagram": 17_900_000_000_000_000,
    "x": 1_700_000_000_000_000_000,
    "tiktok": 7_300_000_000_000_000_000,
    "tumblr": 730_000_000_000,
}
_YT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _yt_id(n: int, length: int) -> str:
    chars = []
    for _ in range(length):
        n, r = divmod(n, 64)
        chars.append(_YT_ALPHABET[r])
    return "".join(reversed(chars))


class FakeWorld:
    """Thread-safe store of everything the fake platforms know."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[tuple[str, str], FakeAccount] = {}
        self.posts: dict[str, FakePost] = {}
        self.comments: dict[str, FakeComment] = {}
        self._by_post: dict[str, list[str]] = {}
        self._seq = itertools.count(1)
        #: Per platform: tokens the fake accepts (empty: any non-empty token).
        self.tokens: dict[str, set[str]] = {}

    # -- ids ---------------------------------------------------------------------------
    def _new_id(self, platform: str, kind: str, seq: int, account_id: str, post: FakePost | None) -> str:
        if platform == "facebook":
            n = _ID_BASE["facebook"] + seq
            if kind == "post":
                return f"{account_id}_{n}"
            assert post is not None
            return f"{post.id.split('_')[-1]}_{n}"
        if platform == "youtube":
            if kind == "post":
                return _yt_id(seq * 7919 + 123_456_789, 11)
            return "Ugz" + _yt_id(seq * 104_729 + 987_654_321, 15) + "AaABAg"
        if platform == "wordpress":
            return str(seq)
        return str(_ID_BASE.get(platform, 1_000_000) + seq)

    # -- building the world -------------------------------------------------------------
    def add_account(self, platform: str, account_id: str, *, name: str, handle: str = "") -> FakeAccount:
        with self.lock:
            acc = FakeAccount(platform, str(account_id), name, handle or name.lower().replace(" ", ""))
            self.accounts[(platform, acc.id)] = acc
            return acc

    def account(self, platform: str, account_id: str) -> FakeAccount | None:
        return self.accounts.get((platform, str(account_id)))

    def add_post(
        self,
        platform: str,
        account_id: str,
        text: str,
        *,
        created: When = None,
        title: str = "",
        media_url: str | None = None,
        media_type: str = "image",
        comments_disabled: bool = False,
        **extra: Any,
    ) -> FakePost:
        with self.lock:
            if (platform, str(account_id)) not in self.accounts:
                raise KeyError(f"add_account({platform!r}, {account_id!r}) first")
            seq = next(self._seq)
            ts = _ts(created, time.time())
            post = FakePost(
                platform,
                str(account_id),
                self._new_id(platform, "post", seq, str(account_id), None),
                text,
                ts,
                ts,
                title=title,
                media_url=media_url,
                media_type=media_type,
                comments_disabled=comments_disabled,
                seq=seq,
                extra=dict(extra),
            )
            self.posts[post.id] = post
            self._by_post[post.id] = []
            return post

    def add_comment(
        self,
        post_id: str,
        text: str,
        *,
        author_name: str = "A Parent",
        author_id: str | None = None,
        author_handle: str = "",
        parent_id: str | None = None,
        created: When = None,
        status: str | None = None,
        media_url: str | None = None,
    ) -> FakeComment:
        """A comment (or, with ``parent_id``, a reply) on ``post_id``; bumps the post's updated time."""
        with self.lock:
            post = self.posts[post_id]
            seq = next(self._seq)
            ts = _ts(created, time.time())
            if parent_id is not None and parent_id not in self.comments:
                raise KeyError(f"no comment {parent_id!r} to reply to")
            cid = self._new_id(post.platform, "comment", seq, post.account_id, post)
            if post.platform == "youtube" and parent_id is not None:
                cid = f"{parent_id}.{_yt_id(seq * 15_485_863 + 31_337, 22)}"
            default_status = {"wordpress": "approved"}.get(post.platform, "published")
            comment = FakeComment(
                post.platform,
                post_id,
                cid,
                text,
                author_id or str(zlib.crc32(author_name.encode()) + 10**15),
                author_name,
                ts,
                parent_id=parent_id,
                author_handle=author_handle or author_name.lower().replace(" ", "_"),
                status=status or default_status,
                media_url=media_url,
                seq=seq,
            )
            self.comments[cid] = comment
            self._by_post[post_id].append(cid)
            post.updated = max(post.updated, ts)
            return comment

    # -- reading it back ----------------------------------------------------------------
    def comment(self, comment_id: str) -> FakeComment:
        return self.comments[comment_id]

    def posts_of(self, platform: str, account_id: str, *, include_deleted: bool = False) -> list[FakePost]:
        with self.lock:
            return sorted(
                (
                    p
                    for p in self.posts.values()
                    if p.platform == platform
                    and p.account_id == str(account_id)
                    and (include_deleted or not p.deleted)
                ),
                key=lambda p: (p.created, p.seq),
            )

    def comments_on(self, post_id: str, *, include_deleted: bool = False) -> list[FakeComment]:
        with self.lock:
            found = [self.comments[c] for c in self._by_post.get(post_id, [])]
            return sorted(
                (c for c in found if include_deleted or not c.deleted), key=lambda c: (c.created, c.seq)
            )

    def replies_to(self, comment_id: str) -> list[FakeComment]:
        c = self.comments[comment_id]
        return [r for r in self.comments_on(c.post_id) if r.parent_id == comment_id]

    def token_ok(self, platform: str, token: str | None) -> bool:
        if not token:
            return False
        allowed = self.tokens.get(platform)
        return not allowed or token in allowed
