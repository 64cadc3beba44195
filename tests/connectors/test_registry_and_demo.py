"""The registry builds every platform's connector; the demo data and the benchmark run on the fakes."""

from __future__ import annotations

import logging

import pytest

from connectors.base import Action, Connector
from connectors.cli import run_bench
from connectors.common import ConnectorSecrets
from connectors.fakes.demo_data import DEMO_ENV, demo_accounts, load_demo
from connectors.registry import CONNECTORS, build_connector, secrets_for
from monitor.config import AccountConfig, parse_config
from monitor.errors import ConfigError, ConnectorError, CredentialsRejected
from monitor.types import ItemKind

from .conftest import TOKEN, account_for, drain

EXTERNAL = {"facebook": "1", "instagram": "2", "youtube": "UC3", "x": "4", "tiktok": "5",
            "wordpress": "https://site.example", "tumblr": "blog"}


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_registry_builds_each_platform(server, http, platform):
    """Every platform name maps to a connector class with that platform key."""
    conn = build_connector(account_for(server, platform, EXTERNAL[platform]), ConnectorSecrets(token=TOKEN), http=http)
    assert isinstance(conn, Connector) and conn.platform == platform
    assert TOKEN not in repr(conn.diagnostics())
    conn.close()


def test_missing_token_names_the_env_var_to_set():
    """A missing secret raises CredentialsRejected with the variable or file to fix."""
    acc = AccountConfig(id="oak", platform="facebook", external_id="1", token_env="OAK_FB_TOKEN",
                        token_file="/run/secrets/oak")
    with pytest.raises(CredentialsRejected) as exc:
        build_connector(acc, ConnectorSecrets())
    assert "OAK_FB_TOKEN" in str(exc.value) and "/run/secrets/oak" in str(exc.value)


def test_unknown_platform_is_a_config_error():
    """The static source is not built here; it says where it lives."""
    with pytest.raises(ConfigError, match="static"):
        build_connector(AccountConfig(id="s", platform="static", external_id="x"), ConnectorSecrets(token="t"))


def test_secrets_repr_hides_values(monkeypatch):
    """ConnectorSecrets never shows its values, even in a debugger or a log of locals."""
    monkeypatch.setenv("T_ENV", TOKEN)
    s = secrets_for(AccountConfig(id="a", platform="x", external_id="1", token_env="T_ENV"))
    assert s.token == TOKEN and TOKEN not in repr(s)


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_token_never_in_errors_or_logs_on_any_platform(server, http, caplog, platform):
    """For every platform, failures (5xx, truncated, timeout) never mention the token anywhere."""
    caplog.set_level(logging.DEBUG)
    server.world.add_account(platform, EXTERNAL[platform].replace("https://site.example", "https://site.example"),
                             name="Org")
    acc = account_for(server, platform, EXTERNAL[platform], options={"timeout": 0.3})
    conn = build_connector(acc, ConnectorSecrets(token=TOKEN), http=http)
    for kind, opts in (("server_error", {}), ("truncated", {}), ("timeout", {"delay": 0.8}), ("error", {})):
        server.fail(platform, kind, **opts)
        with pytest.raises(ConnectorError) as exc:
            drain(conn)
        assert TOKEN not in str(exc.value), kind
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_demo_loads_and_polls_with_the_notable_comments(server, http, monkeypatch):
    """The demo accounts poll ~60 comments from the fake, including the four the monitor must catch."""
    demo = load_demo(server)
    assert len(demo.posts) == 20 and 55 <= len(demo.comments) <= 65
    for k, v in DEMO_ENV.items():
        monkeypatch.setenv(k, v)
    config = parse_config({"locations": [{"id": "oakfield", "name": "Oakfield"}, {"id": "brookside", "name": "Brookside"}],
                           "accounts": demo_accounts(server)})
    texts, items = {}, []
    for acc in config.accounts:
        conn = build_connector(acc, secrets_for(acc), http=http)
        got, _, _ = drain(conn)
        items += got
        texts.update({i.external_id: i.text for i in got})
    assert len(items) == 81
    assert set(demo.notable) == {"bullying", "child_named", "press_threat", "disclosure"}
    assert all(cid in texts for cid in demo.notable.values())
    assert "St Mary's" in texts[demo.notable["child_named"]]
    bullying = next(i for i in items if i.external_id == demo.notable["bullying"])
    assert bullying.kind is ItemKind.REPLY
    assert any(i.author_is_owner and i.kind is ItemKind.REPLY for i in items)


def test_demo_take_down_is_visible_on_the_fake(server, http, monkeypatch):
    """Hiding the demo's bullying comment through the connector changes the fake's state."""
    demo = load_demo(server)
    monkeypatch.setenv("SAFEGUARD_DEMO_TOKEN", DEMO_ENV["SAFEGUARD_DEMO_TOKEN"])
    acc = AccountConfig.model_validate(demo_accounts(server)[0])
    conn = build_connector(acc, secrets_for(acc), http=http)
    assert conn.act(demo.notable["bullying"], Action.HIDE).ok
    assert server.world.comment(demo.notable["bullying"]).hidden


def test_benchmark_reports_calls_time_and_quota():
    """A small benchmark run ends with one summary line of figures and units."""
    result = run_bench(posts=3, comments=120, new=2, videos=4, interval=900)
    assert result.first.items == 3 + 360 and result.incremental.items == 2
    assert result.youtube_units_per_poll == 1 + 4
    line = result.summary()
    assert line.startswith("connectors facebook: first sync 363 items in") and "units/day for 4 videos @ 15 min" in line
