"""`manage.py replay FILE` says what a capture holds and what its decoder makes of it: batches,
records, bad input with an excerpt, the rows it would store; a file that is not a capture, or
a source of another vendor, is refused with a message."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ingest.capture import RECORD
from tests.system.test_replay_to_a_running_ingest import a_capture

pytestmark = pytest.mark.django_db


def replay(*args: str) -> str:
    out = io.StringIO()
    call_command("replay", *args, stdout=out)
    return out.getvalue()


def test_it_prints_batches_records_errors_and_rows(tmp_path: Path) -> None:
    path = a_capture(tmp_path / "skills.wbcap", "avaya_cms", "tvi1", 4)
    with open(path, "ab") as f:  # a garbled run, as a real CMS might send
        junk = b"F1|x|y|z\nF3|\n"
        f.write(RECORD.pack(1003.0, len(junk)) + junk)
    said = replay(str(path))
    assert "capture of site-feed (avaya_cms tvi1): 5 reads" in said
    assert "decoded as site-feed (avaya_cms tvi1): 5 batches" in said
    assert "would store 3 queues and 0 agents" in said
    assert "  skill 1: " in said
    assert "  error: " in said and "F1|x|y|z" in said


def test_a_file_that_is_not_a_capture_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(CommandError, match="not a wallboard capture"):
        replay(str(path))


def test_a_source_of_another_vendor_is_refused(tmp_path: Path, make_source: Any) -> None:
    path = a_capture(tmp_path / "skills.wbcap", "avaya_cms", "tvi1", 2)
    make_source("optimus-1", vendor="optimus", layout="")
    with pytest.raises(
        CommandError, match="the capture is of avaya_cms; source optimus-1 is optimus"
    ):
        replay(str(path), "--source", "optimus-1")
