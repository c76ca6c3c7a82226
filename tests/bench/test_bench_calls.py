"""`./dev benchmark calls` runs the simulated AES's byte stream through the CSTA decoder and the
call ledger, and prints the events per second and what the stream held."""

from __future__ import annotations

import pytest

from bench.__main__ import main
from bench.calls import bench


def test_a_small_run_prints_the_csta_call_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calls", "--events", "3000"]) == 0
    printed = capsys.readouterr().out
    assert "CSTA call events (simulated AES" in printed
    assert "call ledger, one core:" in printed and "events/s (target 50,000)" in printed


def test_the_run_takes_its_calls_through_the_ledger() -> None:
    found = bench(3000, repeat=1)
    assert found["events"] >= 3000
    assert found["steps"] > 0 and found["changed"] > 0
