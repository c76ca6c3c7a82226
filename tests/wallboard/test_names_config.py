"""exportconfig / importconfig carry the names directory (`names`): written when it has entries,
read back idempotently, unknown keys and bad values an error as everywhere else."""

from __future__ import annotations

import re
from typing import Any

import pytest

from wallboard.configio import ConfigError, export_config, import_config
from wallboard.models import Name

pytestmark = pytest.mark.django_db


def test_names_round_trip_and_import_twice_changes_nothing(make_source: Any) -> None:
    pbx = make_source("pbx-1")
    assert "names" not in export_config()  # nothing to say: the section is left out
    Name.objects.create(kind="skill", number="1", name="Sales")
    Name.objects.create(source=pbx, kind="reason", number="2", name="Lunch", override=True)
    exported = export_config()
    assert exported["names"] == [
        {"kind": "skill", "number": "1", "name": "Sales"},
        {"kind": "reason", "number": "2", "name": "Lunch", "source": "pbx-1", "override": True},
    ]
    Name.objects.all().delete()
    counts = import_config(exported)
    assert counts["names"] == 2
    import_config(exported)
    assert Name.objects.count() == 2
    assert export_config()["names"] == exported["names"]
    renamed = {"names": [{"kind": "skill", "number": 1, "name": "Sales desk"}]}
    import_config(renamed)
    assert Name.objects.get(kind="skill", number="1").name == "Sales desk"
    assert Name.objects.count() == 2


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "skill", "number": "1", "name": "S", "colour": "red"}, "unknown key(s) colour"),
        ({"kind": "team", "number": "1", "name": "S"}, "kind 'team' is not one of"),
        ({"kind": "skill", "number": "1", "name": "S", "source": "pbx-9"}, "no source 'pbx-9'"),
        ({"kind": "skill", "number": "", "name": "S"}, "number"),
        ({"kind": "skill", "number": "1", "name": ""}, "name"),
        ({"kind": "skill", "number": "1"}, "missing name"),
        ({"kind": "skill", "number": "1", "name": "S", "override": "yes"}, "override"),
    ],
)
def test_a_bad_name_is_an_error_and_imports_nothing(entry: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"names\[1\]: .*{re.escape(message)}"):
        import_config({"names": [{"kind": "vdn", "number": "5", "name": "Main"}, entry]})
    assert Name.objects.count() == 0
