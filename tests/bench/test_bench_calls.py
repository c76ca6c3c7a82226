"""`./dev benchmark calls` runs the simulated AES's byte stream through the CSTA decoder and the
call ledger, and prints the events per second and what the stream held; `push-calls` times
each scripted call step to every display's update (figures printed, never asserted)."""

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


@pytest.mark.slow
def test_a_small_push_calls_run_times_each_call_step_on_every_display(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["push-calls", "--clients", "3", "--rounds", "1"]) == 0
    printed = capsys.readouterr().out
    assert "call step to screen: p50" in printed and "missed 0" in printed
    for step in ("offered+queued", "ringing", "answered", "ended"):
        assert f"    {step}: p50" in printed
