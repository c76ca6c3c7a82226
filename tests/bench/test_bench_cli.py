"""`./dev benchmark` (python -m bench) takes the old management command's arguments and runs."""

from __future__ import annotations

import pytest

from bench.__main__ import main, parser


def test_the_arguments_and_defaults_of_the_old_command() -> None:
    options = parser().parse_args(["push"])
    assert vars(options) == {
        "what": "push",
        "skills": 3000,
        "agents": 30000,
        "rounds": 5,
        "events": 100_000,
        "clients": 200,
        "seconds": 300.0,
        "names": 0,
    }
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["nothing"])
    assert exit_.value.code == 2


def test_a_small_run_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intervals", "--agents", "50", "--rounds", "2"]) == 0
    printed = capsys.readouterr().out
    assert "Interval accounting at" in printed and "per batch" in printed


def test_a_short_soak_prints_cpu_memory_and_batch_timing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import soak

    monkeypatch.setattr(soak, "WARM_UP", 4.0)
    assert (
        main(["soak", "--skills", "20", "--agents", "200", "--seconds", "8", "--names", "50"]) == 0
    )
    printed = capsys.readouterr().out
    assert "50 agents' names in the directory" in printed
    assert "% of one core" in printed and "MB after the warm-up" in printed
    assert "agent-report runs taken in" in printed
