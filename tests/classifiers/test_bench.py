"""``safeguard bench classify`` reports real figures and ends with one summary line."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from monitor.cli import app


def test_bench_classify_prints_figures_and_one_summary_line() -> None:
    from classifiers.encoder import shared_runtime

    shared_runtime()  # a runtime already loaded in the process does not decide the form
    result = CliRunner().invoke(app, ["bench", "classify", "-n", "200", "--singles", "20",
                                      "--weights", "unsigned"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert re.match(r"int8 weights: unsigned \(signed products exact on this CPU: (yes|no)\)",
                    lines[1])
    flagged = int(re.search(r"batched: 200 comments in [\d.]+ s \((\d+) flagged\)",
                            result.output).group(1))
    assert 0 < flagged < 200  # the domain mix: some breaches, mostly not
    summary = re.fullmatch(r"classify: (\d+) comments/s, p50 (\d+) ms, p95 (\d+) ms, "
                           r"peak RSS (\d+) MB, load ([\d.]+) s", lines[-1])
    assert summary, lines[-1]
    assert int(summary.group(1)) > 0 and int(summary.group(2)) <= int(summary.group(3))


def test_an_unknown_weight_form_is_refused_clearly() -> None:
    result = CliRunner().invoke(app, ["bench", "classify", "--weights", "int4"])
    assert result.exit_code != 0
    assert "--weights must be one of auto, signed, unsigned" in result.output
