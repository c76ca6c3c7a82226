"""Configuration as code: exportconfig writes DESIGN.md's shape, importconfig reads it back."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wallboard.configio import ConfigError, export_config, import_config
from wallboard.models import (
    Board,
    PassThroughTarget,
    Rotation,
    RotationEntry,
    Source,
    Threshold,
    Tile,
)

pytestmark = pytest.mark.django_db

# DESIGN.md's example, with a board in place of its "..." placeholder.
DESIGN_EXAMPLE: dict[str, Any] = {
    "sources": [
        {
            "name": "cms-skills",
            "vendor": "avaya_cms",
            "layout": "tvi1",
            "listen": "0.0.0.0:7001",
            "allowed_peers": ["10.0.0.5"],
            "refresh_seconds": 3,
            "queue_range": "1-99, 200-299",
            "agent_range": "",
            "enabled": True,
            "pass_through": [{"host": "10.0.0.9", "port": 7001, "enabled": True}],
        },
        {"name": "pbx-1", "vendor": "mitel", "connect": "10.0.0.7:15373", "queue_range": "600-699"},
    ],
    "boards": [
        {
            "title": "Sales floor",
            "slug": "sales-floor",
            "tiles": [
                {
                    "kind": "queue_kpi",
                    "title": "Sales",
                    "source": "cms-skills",
                    "queue_range": "1-9",
                    "kpis": "calls_waiting, oldest_wait_seconds",
                    "thresholds": [{"kpi": "calls_waiting", "warning": 5, "alarm": 10}],
                },
                {"kind": "clock"},
            ],
        }
    ],
}


def example() -> dict[str, Any]:
    return copy.deepcopy(DESIGN_EXAMPLE)


def counts() -> dict[str, int]:
    return {
        "sources": Source.objects.count(),
        "targets": PassThroughTarget.objects.count(),
        "boards": Board.objects.count(),
        "tiles": Tile.objects.count(),
        "thresholds": Threshold.objects.count(),
        "rotations": Rotation.objects.count(),
        "entries": RotationEntry.objects.count(),
    }


# -- export ------------------------------------------------------------------------------------


def test_export_writes_a_listening_source_in_designs_shape(make_source: Any) -> None:
    make_source(
        "cms-skills",
        listen="0.0.0.0:7001",
        allowed_peers="10.0.0.5, 10.0.1.0/24",
        queue_range="1-99, 200-299",
        targets=[("10.0.0.9", 7001)],
    )
    (item,) = export_config()["sources"]
    assert item == {
        "name": "cms-skills",
        "vendor": "avaya_cms",
        "layout": "tvi1",
        "listen": "0.0.0.0:7001",
        "allowed_peers": ["10.0.0.5", "10.0.1.0/24"],
        "refresh_seconds": 3,
        "queue_range": "1-99, 200-299",
        "agent_range": "",
        "enabled": True,
        "pass_through": [{"host": "10.0.0.9", "port": 7001, "enabled": True}],
    }


def test_export_writes_connect_for_a_connecting_source_and_no_listen(make_source: Any) -> None:
    make_source("pbx-1", vendor="mitel", layout="", connect="10.0.0.7:15373")
    (item,) = export_config()["sources"]
    assert item["connect"] == "10.0.0.7:15373"
    assert "listen" not in item
    assert "layout" not in item  # blank: the vendor's default
    assert item["allowed_peers"] == []
    assert item["pass_through"] == []


def test_export_leaves_out_display_keys(make_source: Any) -> None:
    board = Board.objects.create(title="Floor", slug="floor")
    rotation = Rotation.objects.create(name="Lobby", slug="lobby")
    text = json.dumps(export_config())
    assert board.display_key not in text
    assert rotation.display_key not in text
    assert "display_key" not in text


# -- import ------------------------------------------------------------------------------------


def test_designs_own_example_imports() -> None:
    assert import_config(example()) == {"sources": 2, "boards": 1, "rotations": 0}
    cms = Source.objects.get(name="cms-skills")
    assert (cms.vendor, cms.layout, cms.listen, cms.connect) == (
        "avaya_cms",
        "tvi1",
        "0.0.0.0:7001",
        "",
    )
    assert cms.allowed_peers == "10.0.0.5"
    assert cms.queue_range == "1-99, 200-299"
    assert [(t.host, t.port, t.enabled) for t in cms.targets.all()] == [("10.0.0.9", 7001, True)]
    pbx = Source.objects.get(name="pbx-1")
    assert (pbx.vendor, pbx.connect, pbx.listen) == ("mitel", "10.0.0.7:15373", "")
    tile = Tile.objects.get(title="Sales")
    assert tile.source == cms
    assert tile.thresholds.get().alarm == 10


def test_missing_optional_keys_take_defaults() -> None:
    import_config(example())
    pbx = Source.objects.get(name="pbx-1")
    assert pbx.enabled is True
    assert pbx.layout == ""
    assert pbx.agent_range == ""
    assert pbx.allowed_peers == ""
    assert pbx.options == {}
    assert pbx.refresh_seconds == 15  # the Mitel default
    board = Board.objects.get()
    assert (board.theme, board.columns) == ("dark", 3)
    clock = Tile.objects.get(kind="clock")
    assert (clock.order, clock.width, clock.height, clock.source) == (1, 1, 1, None)


def test_importing_twice_changes_nothing() -> None:
    import_config(example())
    first = counts()
    key = Board.objects.get().display_key
    assert import_config(example()) == {"sources": 2, "boards": 1, "rotations": 0}
    assert counts() == first
    assert first["sources"] == 2
    assert first["targets"] == 1
    assert first["tiles"] == 2
    assert first["thresholds"] == 1
    assert Board.objects.get().display_key == key  # screens keep working


def test_an_import_replaces_a_sources_targets_rather_than_adding_to_them() -> None:
    import_config(example())
    changed = example()
    changed["sources"][0]["pass_through"] = [
        {"host": "10.0.0.20", "port": 9000},
        {"host": "10.0.0.21", "port": 9000, "enabled": False},
    ]
    import_config(changed)
    targets = Source.objects.get(name="cms-skills").targets.all()
    assert sorted((t.host, t.port, t.enabled) for t in targets) == [
        ("10.0.0.20", 9000, True),
        ("10.0.0.21", 9000, False),
    ]
    assert PassThroughTarget.objects.count() == 2


def test_an_import_updates_an_existing_source_by_name() -> None:
    import_config(example())
    pk = Source.objects.get(name="pbx-1").pk
    changed = example()
    changed["sources"][1]["queue_range"] = "700-799"
    changed["sources"][1]["enabled"] = False
    import_config(changed)
    pbx = Source.objects.get(name="pbx-1")
    assert (pbx.pk, pbx.queue_range, pbx.enabled) == (pk, "700-799", False)


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ((), "screens"),
        (("sources", 1), "colour"),
        (("sources", 0, "pass_through", 0), "weight"),
        (("boards", 0), "background"),
        (("boards", 0, "tiles", 0), "font"),
        (("boards", 0, "tiles", 0, "thresholds", 0), "sound"),
    ],
)
def test_an_unknown_key_is_refused_by_name_and_nothing_is_imported(
    path: tuple[Any, ...], key: str
) -> None:
    data = example()
    where: Any = data
    for step in path:
        where = where[step]
    where[key] = "x"
    with pytest.raises(ConfigError, match=key):
        import_config(data)
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_bad_range_is_refused_naming_the_source_and_nothing_is_imported() -> None:
    data = example()
    data["sources"][1]["queue_range"] = "699-600"
    with pytest.raises(ConfigError) as exc:
        import_config(data)
    assert "source 'pbx-1'" in str(exc.value)
    assert "queue_range" in str(exc.value)
    assert "backwards" in str(exc.value)
    assert Source.objects.count() == 0


def test_a_source_with_the_wrong_transport_is_refused_naming_the_source() -> None:
    data = example()
    data["sources"][1] = {"name": "pbx-2", "vendor": "mitel", "listen": "0.0.0.0:15373"}
    with pytest.raises(ConfigError, match=r"source 'pbx-2'.*Use connect"):
        import_config(data)


def test_a_failed_import_leaves_an_earlier_import_as_it_was() -> None:
    import_config(example())
    before = counts()
    data = example()
    data["sources"][0]["queue_range"] = "5-50"
    data["sources"].append({"name": "bad", "vendor": "nortel", "listen": "0.0.0.0:1"})
    with pytest.raises(ConfigError):
        import_config(data)
    assert counts() == before
    assert Source.objects.get(name="cms-skills").queue_range == "1-99, 200-299"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["sources"][1].pop("vendor"), "missing vendor"),
        (lambda d: d["sources"][0]["pass_through"][0].pop("port"), "missing port"),
        (lambda d: d["boards"][0]["tiles"][0].update(source="nope"), "no source 'nope'"),
        (lambda d: d["boards"][0]["tiles"][0].update(kpis="calls"), "Unknown KPI calls"),
        (lambda d: d.update(rotations=[{"name": "R", "slug": "r", "boards": [{"board": "x"}]}]),
         "no board 'x'"),
        (lambda d: d["sources"].__setitem__(0, "cms-skills"), "expected an object"),
    ],
)  # fmt: skip
def test_other_mistakes_are_refused_with_a_message(change: Any, message: str) -> None:
    data = example()
    change(data)
    with pytest.raises(ConfigError, match=message):
        import_config(data)
    assert Source.objects.count() == 0


# -- round trip --------------------------------------------------------------------------------


def build_everything(make_source: Any) -> None:
    cms = make_source(
        "cms-skills",
        listen="0.0.0.0:7001",
        allowed_peers="10.0.0.5, 10.0.1.0/24",
        queue_range="1-99, 200-299",
        targets=[("10.0.0.9", 7001), ("10.0.0.10", 7002)],
    )
    make_source(
        "cms-agents",
        layout="agent_tv",
        listen="0.0.0.0:7002",
        agent_range="5000-5999",
        options={"state_map": {"LUNCH": "not_ready"}},
        enabled=False,
    )
    pbx = make_source(
        "pbx-1",
        vendor="mitel",
        layout="",
        connect="10.0.0.7:15373",
        compat_file="/var/lib/wallboard/acd.json",
        refresh_seconds=20,
    )
    floor = Board.objects.create(title="Sales floor", slug="sales-floor", theme="light", columns=4)
    kpi = Tile.objects.create(
        board=floor,
        order=0,
        kind=Tile.QUEUE_KPI,
        title="Sales",
        source=cms,
        queue_kind="skill",
        queue_range="1-9",
        kpis="calls_waiting, service_level_pct",
        width=2,
    )
    Threshold.objects.create(tile=kpi, kpi="calls_waiting", warning=5, alarm=10)
    Threshold.objects.create(
        tile=kpi, kpi="service_level_pct", direction="below", warning=80, alarm=60
    )
    grid = Tile.objects.create(
        board=floor,
        order=1,
        kind=Tile.AGENT_GRID,
        agent_range="5000-5099",
        compact=True,
        height=2,
    )
    Threshold.objects.create(tile=grid, kpi="time_in_not_ready", alarm=600)
    Tile.objects.create(board=floor, order=2, kind=Tile.CLOCK)
    groups = Board.objects.create(title="Groups", slug="groups")
    Tile.objects.create(board=groups, kind=Tile.BIG_NUMBER, source=pbx, kpis="calls_waiting")
    lobby = Rotation.objects.create(name="Lobby", slug="lobby")
    RotationEntry.objects.create(rotation=lobby, board=floor, seconds=45, order=0)
    RotationEntry.objects.create(rotation=lobby, board=groups, seconds=20, order=1)


def delete_everything() -> None:
    Rotation.objects.all().delete()
    Board.objects.all().delete()
    Source.objects.all().delete()
    assert counts() == dict.fromkeys(counts(), 0)


def test_boards_tiles_thresholds_and_rotations_survive_a_round_trip(make_source: Any) -> None:
    build_everything(make_source)
    before = counts()
    exported = json.loads(json.dumps(export_config()))
    assert [b["slug"] for b in exported["boards"]] == ["groups", "sales-floor"]
    assert exported["rotations"] == [
        {
            "name": "Lobby",
            "slug": "lobby",
            "boards": [
                {"board": "sales-floor", "seconds": 45},
                {"board": "groups", "seconds": 20},
            ],
        }
    ]
    delete_everything()
    assert import_config(exported) == {"sources": 3, "boards": 2, "rotations": 1}
    assert counts() == before
    assert export_config() == exported


def test_the_commands_round_trip_through_a_file(make_source: Any, tmp_path: Path) -> None:
    build_everything(make_source)
    path = tmp_path / "wallboard.json"
    err = io.StringIO()
    call_command("exportconfig", str(path), stderr=err)
    assert str(path) in err.getvalue()
    exported = json.loads(path.read_text(encoding="utf-8"))
    delete_everything()
    out = io.StringIO()
    call_command("importconfig", str(path), stdout=out)
    assert "Imported 3 sources, 2 boards, 1 rotations." in out.getvalue()
    assert export_config() == exported


def test_exportconfig_without_a_file_writes_json_to_standard_output(make_source: Any) -> None:
    make_source("cms-skills")
    out = io.StringIO()
    call_command("exportconfig", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"sources", "boards", "rotations"}
    assert data["sources"][0]["name"] == "cms-skills"


def test_importconfig_reads_standard_input_for_a_dash(monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(example())))
    call_command("importconfig", "-", stdout=io.StringIO())
    assert Source.objects.count() == 2


def test_importconfig_of_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(CommandError, match="Cannot read") as exc:
        call_command("importconfig", str(missing))
    assert str(missing) in str(exc.value)


def test_importconfig_of_a_file_that_is_not_json_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"sources": [', encoding="utf-8")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("importconfig", str(path))


def test_importconfig_of_a_bad_config_is_a_command_error_saying_nothing_was_imported(
    tmp_path: Path,
) -> None:
    data = example()
    data["sources"][0]["colour"] = "red"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=r"Nothing imported.*colour"):
        call_command("importconfig", str(path))
    assert Source.objects.count() == 0


def test_a_malformed_listen_address_is_refused_naming_the_source() -> None:
    data = example()
    data["sources"][0]["listen"] = "0.0.0.0:70o1"
    with pytest.raises(ConfigError, match="source 'cms-skills'"):
        import_config(data)


# -- KPIs as a list ------------------------------------------------------------------------------


def test_a_tiles_kpis_may_be_a_json_list() -> None:
    data = example()
    data["boards"][0]["tiles"][0]["kpis"] = ["calls_waiting", "service_level_pct"]
    data["boards"][0]["tiles"].append(
        {"kind": "big_number", "title": "Waiting", "kpis": ["calls_waiting"]}
    )
    import_config(data)
    assert Tile.objects.get(title="Sales").kpi_list() == ["calls_waiting", "service_level_pct"]
    assert Tile.objects.get(title="Waiting").kpi_list() == ["calls_waiting"]


def test_an_unknown_kpi_in_a_list_is_refused_by_its_name() -> None:
    data = example()
    data["boards"][0]["tiles"][0]["kpis"] = ["calls_waiting", "calls"]
    with pytest.raises(ConfigError, match=r"tiles\[0\].*Unknown KPI calls\b") as exc:
        import_config(data)
    assert "[" not in str(exc.value).split("Unknown KPI")[1].split(".")[0]


@pytest.mark.parametrize("kpis", [5, {"calls_waiting": True}, ["calls_waiting", 3], [None]])
def test_kpis_that_are_neither_text_nor_a_list_of_names_are_refused(kpis: Any) -> None:
    data = example()
    data["boards"][0]["tiles"][0]["kpis"] = kpis
    with pytest.raises(ConfigError, match=r"tiles\[0\]: kpis: .*list"):
        import_config(data)
    assert Tile.objects.count() == 0


def test_kpis_imported_as_a_list_export_and_import_again_unchanged() -> None:
    data = example()
    data["boards"][0]["tiles"][0]["kpis"] = ["calls_waiting", "oldest_wait_seconds"]
    import_config(data)
    exported = json.loads(json.dumps(export_config()))
    Board.objects.all().delete()
    import_config(exported)
    assert export_config() == exported
    assert Tile.objects.get(title="Sales").kpi_list() == ["calls_waiting", "oldest_wait_seconds"]


# -- ranges ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["all", "abc", "1..5"])
@pytest.mark.parametrize("field", ["queue_range", "agent_range"])
def test_a_tiles_range_of_words_is_refused_naming_the_tile_and_the_word(
    field: str, text: str
) -> None:
    data = example()
    data["boards"][0]["tiles"][0][field] = text
    with pytest.raises(ConfigError) as exc:
        import_config(data)
    assert "tiles[0]" in str(exc.value) and field in str(exc.value)
    assert f"'{text}'" in str(exc.value)
    assert Tile.objects.count() == 0


def test_a_sources_range_of_a_word_is_refused_naming_the_source_and_the_word() -> None:
    data = example()
    data["sources"][1]["agent_range"] = "all"
    with pytest.raises(ConfigError, match=r"source 'pbx-1'.*agent_range.*'all'.*blank"):
        import_config(data)


def test_quoted_codes_survive_a_round_trip(make_source: Any) -> None:
    source = make_source(
        "optimus-1", vendor="optimus", layout="", connect="10.0.0.8:5501", queue_range="'SALES'"
    )
    board = Board.objects.create(title="Codes", slug="codes")
    Tile.objects.create(
        board=board, kind=Tile.QUEUE_KPI, source=source, queue_range="'SALES', 100-199"
    )
    exported = json.loads(json.dumps(export_config()))
    delete_everything()
    import_config(exported)
    assert export_config() == exported
    assert Tile.objects.get().queue_range == "'SALES', 100-199"
