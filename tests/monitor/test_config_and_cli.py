"""Configuration and the command line: clear errors, never a traceback, data left intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_config, parse_config
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_the_example_configuration_is_valid() -> None:
    """config/example.yaml documents every key and loads as it is."""
    cfg = load_config(REPO / "config" / "example.yaml")
    assert cfg.locations and cfg.accounts and cfg.dsl


@pytest.mark.parametrize("data, expected", [
    ({"dsl": "nobody"}, "dsl: no person with id 'nobody' in people"),
    ({"accounts": [{"id": "a", "platform": "myspace", "external_id": "1"}]},
     "accounts.0.platform: unknown platform 'myspace'"),
    ({"accounts": [{"id": "a", "platform": "facebook", "external_id": "1", "poll_interval": 1}]},
     "accounts.0.poll_interval"),
    ({"locations": [{"id": "x", "name": "X", "setting_managers": ["ghost"]}]},
     "locations.x.setting_managers: no person with id 'ghost'"),
    ({"alerts": {"mailbox": "typo"}}, "alerts.mailbox: Extra inputs are not permitted"),
    ([1, 2], "the top level must be a mapping"),
])
def test_bad_configuration_names_the_key_and_the_problem(data, expected) -> None:  # type: ignore[no-untyped-def]
    """Every validation problem becomes one line that names the key."""
    with pytest.raises(ConfigError) as err:
        parse_config(data, source="x.yaml")
    assert expected in str(err.value) and "Traceback" not in str(err.value)


def test_check_config_reports_a_bad_file_without_a_traceback(tmp_path: Path) -> None:
    """`safeguard check-config` exits 2 with one clear message for invalid YAML."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [\n  - id: x\n name: broken")
    result = runner.invoke(app, ["check-config", str(bad)])
    assert result.exit_code == 2
    assert "not valid YAML at line" in result.output and "Traceback" not in result.output


def test_an_unreachable_database_is_one_clear_error(tmp_path: Path) -> None:
    """`safeguard init` against a closed port says the database is unreachable."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"organisation": "X"}))
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "init", "--config", str(cfg),
                           "--db", "postgresql+psycopg://postgres@127.0.0.1:9/nothing"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "is unreachable" in proc.stderr and "Traceback" not in proc.stderr


def test_status_before_init_tells_you_to_run_init(tmp_path: Path) -> None:
    """Commands that need the schema refuse an empty database with the fix."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"organisation": "X"}))
    result = runner.invoke(app, ["status", "--config", str(cfg), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2 and "run `safeguard init` first" in result.output


def test_init_then_status_shows_accounts_and_open_cases(tmp_path: Path) -> None:
    """A fresh database is created by init, and status lists the configured accounts."""
    cfg = tmp_path / "c.yaml"
    data = yaml.safe_load((REPO / "config" / "example.yaml").read_text())
    cfg.write_text(yaml.safe_dump(data))
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert runner.invoke(app, ["init", "--config", str(cfg), "--db", db]).exit_code == 0
    assert runner.invoke(app, ["init", "--config", str(cfg), "--db", db]).exit_code == 0  # idempotent
    result = runner.invoke(app, ["status", "--config", str(cfg), "--db", db])
    assert result.exit_code == 0, result.output
    assert data["accounts"][0]["id"] in result.output and "open cases: critical 0" in result.output


def _keys(model: type, prefix: str = "") -> list[str]:
    from pydantic import BaseModel

    out = []
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        out.append(prefix + name)
        ann = field.annotation
        for sub in getattr(ann, "__args__", (ann,)):
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                out += _keys(sub, prefix + name + ".")
            for inner in getattr(sub, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    out += _keys(inner, prefix + name + ".")
    return out


def test_the_example_configuration_shows_every_key() -> None:
    """Every configuration key appears in config/example.yaml, so the reference stays true."""
    from monitor.config import Config

    text = (REPO / "config" / "example.yaml").read_text()
    missing = [k for k in _keys(Config) if not any(
        line.lstrip(" -{").startswith(k.split(".")[-1] + ":") or f" {k.split('.')[-1]}:" in line
        for line in text.splitlines())]
    assert missing == []
