"""The Slack notifier against the fake Slack Web API: error mapping, escaping, answer shapes."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from monitor.notifiers.base import AlertMessage
from monitor.notifiers.slack import SlackDeliveryFailed, SlackNotifier
from monitor.testing.fake_slack import FakeSlack
from tests.alerts.conftest import SLACK_TOKEN
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "platforms" / "slack"
MESSAGE = AlertMessage(
    alert_id=7, case_id=3, idempotency_key="case:3:v1:new_case:sm-oak:slack", recipient_id="sm-oak",
    recipient_name="Sam", recipient_email=None, recipient_slack="U0SAM", severity="high",
    categories=("abuse",), location="Oakfield Club", platform="facebook", reason="new_case",
    excerpt="<!channel> you are useless <https://evil.example|click>",
    case_url="https://review.example.org/cases/3", ack_url="https://review.example.org/ack/x")


@pytest.mark.parametrize(("kind", "retryable", "retry_after"), [
    ("ratelimited", True, 7.0),
    ("server_error", True, None),
    ("invalid_auth", False, None),
    ("channel_not_found", False, None),
    ("down", True, None),
])
def test_slack_errors_map_to_retryable_or_not(slack: FakeSlack, kind: str, retryable: bool,
                                              retry_after: float | None) -> None:
    """429/5xx/refused are worth retrying (429 after Retry-After); auth and channel errors are not."""
    notifier = SlackNotifier(SLACK_TOKEN, base_url=slack.base_url)
    if kind == "down":
        slack.down()
    else:
        slack.fail(kind, times=1, retry_after=7)
    with pytest.raises(SlackDeliveryFailed) as err:
        notifier.send(MESSAGE)
    assert err.value.retryable is retryable
    assert err.value.retry_after == retry_after
    assert SLACK_TOKEN not in str(err.value)


def test_comment_text_cannot_ping_the_channel_or_inject_links(slack: FakeSlack) -> None:
    """Slack's control characters in an excerpt are escaped: no @channel, no disguised link."""
    SlackNotifier(SLACK_TOKEN, base_url=slack.base_url).send(MESSAGE)
    blocks = json.dumps(slack.posts[0]["message"]["blocks"])
    assert "<!channel>" not in blocks and "&lt;!channel&gt;" in blocks
    assert "<https://evil" not in blocks


def test_same_key_is_posted_once_per_process(slack: FakeSlack) -> None:
    """Handing the notifier the same alert again (e.g. the DB write failed) posts nothing new."""
    notifier = SlackNotifier(SLACK_TOKEN, base_url=slack.base_url)
    first = notifier.send(MESSAGE)
    assert notifier.send(replace(MESSAGE, redelivery=True)) == first
    assert len(slack.posts) == 1


def test_fake_slack_answers_in_the_recorded_shapes(slack: FakeSlack) -> None:
    """The fake's postMessage, error and 429 answers have the fields the recorded payloads have."""
    recorded = json.loads((FIXTURES / "chat.postMessage_ok_real_curl_2023.json").read_text())
    ok = httpx.post(slack.base_url + "chat.postMessage", json={"channel": "C1", "text": "hi"},
                    headers={"authorization": f"Bearer {SLACK_TOKEN}"}).json()
    assert set(recorded) <= set(ok)
    assert {"bot_id", "type", "text", "user", "ts", "app_id", "blocks", "team"} <= set(ok["message"])
    err = json.loads((FIXTURES / "error_channel_not_found_with_headers_2019.json").read_text())
    slack.fail("channel_not_found", times=1)
    r = httpx.post(slack.base_url + "chat.postMessage", json={"channel": "C1", "text": "hi"},
                   headers={"authorization": f"Bearer {SLACK_TOKEN}"})
    assert r.status_code == err["status"] and r.json() == err["body"]
    limited = json.loads((FIXTURES / "error_ratelimited_429_mock.json").read_text())
    slack.fail("ratelimited", times=1, retry_after=1)
    r = httpx.post(slack.base_url + "chat.postMessage", json={"channel": "C1", "text": "hi"},
                   headers={"authorization": f"Bearer {SLACK_TOKEN}"})
    assert r.status_code == limited["status"] and r.json() == limited["body"]
    assert r.headers["retry-after"] == limited["headers"]["retry-after"]
    bad = httpx.post(slack.base_url + "chat.postMessage", json={"channel": "C1", "text": "hi"},
                     headers={"authorization": "Bearer xoxb-wrong"}).json()
    assert bad == {"ok": False, "error": "invalid_auth"}
