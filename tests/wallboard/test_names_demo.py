"""The demo comes with a names directory: its skills, Mitel groups and paths, some agents and
the AUX reason codes, set up again without duplicates."""

from __future__ import annotations

import pytest

from wallboard.demo import set_up
from wallboard.models import Name
from wallboard.models.names import directory

pytestmark = pytest.mark.django_db


def test_the_demo_names_its_queues_agents_and_reasons() -> None:
    sources = set_up(27000)
    count = Name.objects.count()
    set_up(27000)
    assert Name.objects.count() == count
    names = directory()
    cms, pbx, opt = sources["cms-skills"].pk, sources["pbx-1"].pk, sources["optimus-1"].pk
    assert names.queue(cms, "skill", "1") == "Sales"
    assert names.queue(pbx, "group", "611") == "Claims"
    assert names.queue(pbx, "path", "860") == "Main line"
    assert names.queue(opt, "queue", "100", "Reception 1") == "Switchboard"
    assert names.agent(pbx, "6101") == "Noor Haddad"
    assert names.reason(sources["cms-agents"].pk, "2") == "Lunch"


def test_the_demo_names_the_aes_vdns_skills_and_eas_agents() -> None:
    aes = set_up(27000)["aes-1"].pk
    names = directory()
    assert names.queue(aes, "vdn", "7001") == "Main number"
    assert names.queue(aes, "skill", "302") == "Orders"
    assert names.agent(aes, "3101") == "Ana Costa"
