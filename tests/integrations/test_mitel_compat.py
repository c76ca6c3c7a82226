"""The old Mitel ACD Listener's mitel_data.json, rebuilt from decoder rows."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from integrations.mitel.compat import compat_document, write_atomically
from integrations.mitel.decoder import RteDecoder

SAMPLE = Path(__file__).parent.parent / "fixtures" / "mitel" / "mitel_acd_listener_data.json"
STREAM = (
    b"\x0201Q120000860000000000000\r\n"
    b"\x0202B1200016186   6186   0\r\n"
    b"\x0203B1200016184   6184   0\r\n"
    b"\x0204B1200016183   6183   0\r\n"
    b"\x0205K120002610000000000000\r\n"
)


def decoded(stream: bytes) -> tuple[list, list]:
    batches = RteDecoder().feed(stream)
    queues = [(q.kind, q.number, q.extra) for b in batches for q in b.queues]
    agents = [(a.agent_id, a.state, a.extra) for b in batches for a in b.agents]
    return queues, agents


def test_it_rebuilds_the_listeners_sample_file_byte_for_byte() -> None:
    queues, agents = decoded(STREAM)
    document = compat_document(queues, agents, 1383899857.435)
    assert json.dumps(document) == SAMPLE.read_text()


def test_agent_values_use_the_listeners_words() -> None:
    stream = b"".join(
        f"\x02{n:02d}{code}12000{n % 10}2101   61{n:02d}   1\r\n".encode()
        for n, code in enumerate("ABCGLJ")
    )
    _, agents = decoded(stream)
    document = compat_document([], agents, 0)
    assert list(document["agents"].values()) == ["in", "out", "busy", "busy", "timer", "idle"]


def test_without_a_listener_state_it_falls_back_on_the_neutral_state() -> None:
    agents = [
        ("1", "available", {}),
        ("2", "wrap_up", {}),
        ("3", "not_ready", {"listener_state": "nonsense"}),
        ("4", "logged_out", {}),
        ("5", "unknown", {}),
    ]
    assert compat_document([], agents, 0)["agents"] == {
        "1": "idle",
        "2": "timer",
        "3": "busy",
        "4": "out",
    }


def test_it_leaves_out_queues_without_wire_strings_and_other_kinds() -> None:
    queues = [
        ("group", "610", {"waiting": "001"}),
        ("skill", "7", {"waiting": "000", "agents": "000", "longestwait": "0000"}),
        ("path", "860", {"waiting": "002", "agents": "003", "longestwait": "0104", "tail": ""}),
    ]
    document = compat_document(queues, [], 5)
    assert document == {
        "paths": {"860": {"waiting": "002", "agents": "003", "longestwait": "0104"}},
        "agents": {},
        "groups": {},
        "lastUpdate": 5.0,
    }


def test_write_atomically_replaces_the_file_and_leaves_no_temporary_behind(
    tmp_path: Path,
) -> None:
    target = tmp_path / "mitel_data.json"
    target.write_text("old")
    document = json.loads(SAMPLE.read_text())
    write_atomically(str(target), document)
    assert target.read_text() == SAMPLE.read_text()
    assert os.listdir(tmp_path) == ["mitel_data.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_atomically_keeps_the_old_file_when_the_document_cannot_be_written(
    tmp_path: Path,
) -> None:
    target = tmp_path / "mitel_data.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomically(str(target), {"lastUpdate": object()})
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["mitel_data.json"]
