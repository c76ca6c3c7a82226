"""The neutral option agent_states_from: any vendor's source may take it (the vendor's own
options never see it), it names another source, and not the source itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ingest.store import load_configs

pytestmark = pytest.mark.django_db


def test_any_vendor_takes_it_and_its_decoder_never_sees_it(make_source: Any) -> None:
    source = make_source("cms", options={"agent_states_from": "pbx-1"})
    assert "agent_states_from" not in source.effective_options()
    (config,) = load_configs(["cms"])
    assert config.agent_states_from == "pbx-1"
    assert "agent_states_from" not in config.decoder_options()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("cms", "agent_states_from names this source itself."),
        ("", "agent_states_from is the name of another source."),
        (7, "agent_states_from is the name of another source."),
    ],
)
def test_it_must_name_another_source(make_source: Any, value: Any, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        make_source("cms", options={"agent_states_from": value})
