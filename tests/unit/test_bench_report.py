"""`python -m bench` writes one report: its head, then each block with its own load average."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench.common import Options, Table


def _second(_options: Options) -> list[Table]:
    return [Table(title="second figures", header=("figure",), rows=[("1",)])]


def _failing(_options: Options) -> list[Table]:
    raise RuntimeError("wrk is not installed")


def test_each_block_says_its_load_average_and_a_failed_one_does_not_hide_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_main, "BENCHES", {"first": _failing, "second": _second})
    out = tmp_path / "report.md"
    monkeypatch.setattr(
        "sys.argv", ["bench", "--only", "first,second", "--quick", "--out", str(out)]
    )

    assert bench_main.main() == 0

    report = out.read_text()
    assert report.count("load average before") == 3  # the run's head, then each block
    assert "*first: load average before " in report
    assert "RuntimeError: wrk is not installed" in report
    assert report.index("*second: load average before ") < report.index("### second figures")


def test_an_unknown_block_is_named_and_nothing_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.md"
    monkeypatch.setattr("sys.argv", ["bench", "--only", "new,nope", "--out", str(out)])

    assert bench_main.main() == 2

    assert "unknown benchmark nope: choose from new, tiers, green, serve" in capsys.readouterr().out
    assert not out.exists()
