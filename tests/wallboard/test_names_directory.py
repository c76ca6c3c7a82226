"""The names directory: resolution rules, the admin list, the CSV import and its error report."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from wallboard.models import Name
from wallboard.models.names import directory
from wallboard.namesio import import_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def supervisor(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_one_entry_per_source_kind_and_number(make_source: Any) -> None:
    pbx = make_source("pbx-1")
    Name.objects.create(source=None, kind="skill", number="1", name="Sales")
    Name.objects.create(source=pbx, kind="skill", number="1", name="Sales")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Name.objects.create(source=None, kind="skill", number="1", name="Again")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Name.objects.create(source=pbx, kind="skill", number="1", name="Again")
    names = directory()
    assert len(names) == 2 and names.source(pbx.pk) == "pbx-1"


def test_csv_import_is_idempotent_and_takes_sources(make_source: Any) -> None:
    pbx = make_source("pbx-1")
    text = (
        "kind,number,name,source\n"
        "skill,1,Sales\n"
        "split,2,Billing,\n"
        "VDN,500,Main number\n"
        "group,600,Sales North,pbx-1\n"
        "agent,5001,Ann Lee\n"
        "reason,2,Lunch\n"
    )
    result = import_csv(text)
    assert result.ok and (result.created, result.updated) == (6, 0)
    assert Name.objects.get(kind="skill", number="2").name == "Billing"
    assert Name.objects.get(kind="vdn", number="500").source is None
    assert Name.objects.get(kind="group", number="600").source == pbx
    again = import_csv(text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert Name.objects.count() == 6
    renamed = import_csv("reason;2;Lunch break\n", override=True)  # ; separated, no header
    assert (renamed.created, renamed.updated) == (0, 1)
    entry = Name.objects.get(kind="reason", number="2")
    assert entry.name == "Lunch break" and entry.override


def test_csv_import_reports_each_bad_line_and_imports_nothing(make_source: Any) -> None:
    make_source("pbx-1")
    text = (
        "kind,number,name,source\n"
        "skill,1,Sales\n"
        "colour,2,Blue\n"
        "\n"
        "agent,,Nobody\n"
        "vdn,7\n"
        "group,600,Sales,pbx-9\n"
        "skill,1,Sales again\n"
        "reason,3,\n"
    )
    result = import_csv(text)
    assert result.errors == [
        "line 3: unknown kind 'colour' (one of skill, vdn, group, path, queue, agent, reason)",
        "line 5: the number (or agent ID, reason code) is blank",
        "line 6: expected kind, number, name[, source]: got 2 columns",
        "line 7: no source named 'pbx-9'",
        "line 8: skill 1 is named on line 2 already",
        "line 9: the name is blank",
    ]
    assert Name.objects.count() == 0


def test_admin_lists_filters_and_searches(supervisor: Any, make_source: Any) -> None:
    pbx = make_source("pbx-1")
    Name.objects.create(source=None, kind="skill", number="1", name="Sales")
    Name.objects.create(source=pbx, kind="reason", number="2", name="Lunch")
    page = supervisor.get("/admin/wallboard/name/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sales" in text and "Lunch" in text and "every source" in text
    assert "Import CSV" in text
    found = supervisor.get("/admin/wallboard/name/?q=lunch").content.decode()
    assert "Lunch" in found and "Sales" not in found
    filtered = supervisor.get("/admin/wallboard/name/?kind__exact=skill").content.decode()
    assert "Sales" in filtered and "Lunch" not in filtered
    assert supervisor.get("/admin/wallboard/name/add/").status_code == 200


def test_admin_csv_import_page(supervisor: Any, make_source: Any) -> None:
    pbx = make_source("pbx-1")
    page = supervisor.get("/admin/wallboard/name/import/")
    assert page.status_code == 200 and "kind, number, name" in page.content.decode()
    good = SimpleUploadedFile("names.csv", b"kind,number,name\nskill,1,Sales\nreason,2,Lunch\n")
    done = supervisor.post(
        "/admin/wallboard/name/import/", {"file": good, "source": pbx.pk, "override": "on"}
    )
    assert done.status_code == 302
    assert Name.objects.filter(source=pbx, override=True).count() == 2
    listed = supervisor.get(done["Location"]).content.decode()
    assert "2 new, 0 changed, 0 unchanged" in listed
    bad = SimpleUploadedFile("names.csv", b"skill,1,Sales\nwho,2,What\n")
    refused = supervisor.post("/admin/wallboard/name/import/", {"file": bad})
    text = refused.content.decode()
    assert refused.status_code == 200
    assert "Nothing was imported" in text and "line 2: unknown kind &#x27;who&#x27;" in text
    assert Name.objects.count() == 2


def test_csv_import_needs_permission(client: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/wallboard/name/import/").status_code == 403


def test_the_admin_says_when_a_name_is_there_already(supervisor: Any, make_source: Any) -> None:
    pbx = make_source("pbx-1")
    Name.objects.create(source=None, kind="skill", number="1", name="Sales")
    Name.objects.create(source=pbx, kind="skill", number="1", name="Sales")
    for source, message in [
        ("", "Every source&#x27;s names already have this kind and number."),
        (str(pbx.pk), "This source already names this kind and number."),
    ]:
        page = supervisor.post(
            "/admin/wallboard/name/add/",
            {"source": source, "kind": "skill", "number": "1", "name": "Again"},
        )
        assert page.status_code == 200 and message in page.content.decode()
    assert Name.objects.count() == 2


def test_renaming_a_source_changes_the_directory_digest(make_source: Any) -> None:
    pbx = make_source("pbx-1")
    Name.objects.create(kind="skill", number="1", name="Sales")
    before = directory().digest
    pbx.display_name = "PBX 1"
    pbx.save()
    assert directory().digest != before


def test_an_unchanged_directory_read_again_is_not_made_again(make_source: Any) -> None:
    Name.objects.create(kind="agent", number="10001", name="Ann Adams")
    first = directory()
    assert directory() is first  # runingest reads it with the boards every reload


def test_every_change_to_the_directory_is_seen_at_the_next_read(make_source: Any) -> None:
    pbx = make_source("pbx-1")
    ann = Name.objects.create(kind="agent", number="10001", name="Ann Adams")
    assert directory().agent(pbx.pk, "10001") == "Ann Adams"
    ann.name = "Ann Brown"
    ann.save()
    assert directory().agent(pbx.pk, "10001") == "Ann Brown"  # an edit, same number of rows
    Name.objects.create(source=pbx, kind="agent", number="10001", name="Ann B.")
    assert directory().agent(pbx.pk, "10001") == "Ann B."  # the source's own wins
    Name.objects.filter(source=pbx).delete()
    assert directory().agent(pbx.pk, "10001") == "Ann Brown"
    Name.objects.filter(kind="agent", number="10001").update(override=True)  # no save()
    assert directory().agent(pbx.pk, "10001", "Feed Name") == "Ann Brown"
    pbx.display_name = "PBX 1"
    pbx.save()
    assert directory().source(pbx.pk) == "PBX 1"


def name_rows_read(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "wallboard_name"' in q["sql"]]


def test_an_unchanged_directory_is_not_read_again(make_source: Any) -> None:
    # A site that imports its HR list names 30,000 agents: runingest read them all every
    # reload (3 s), the API and history pages with every request.
    make_source("pbx-1")
    Name.objects.create(kind="agent", number="10001", name="Ann Adams")
    with CaptureQueriesContext(connection) as queries:
        first = directory()
    assert name_rows_read(queries)
    with CaptureQueriesContext(connection) as queries:
        assert directory() is first
    assert name_rows_read(queries) == [] and len(queries.captured_queries) == 2


@pytest.fixture
def ann_named(make_source: Any) -> Any:
    """A source whose agent 10001 the directory names Ann Adams, the directory read once."""
    pbx = make_source("pbx-1")
    Name.objects.create(kind="agent", number="10001", name="Ann Adams")
    assert directory().agent(pbx.pk, "10001") == "Ann Adams"
    return pbx


def test_a_change_in_plain_sql_is_seen_at_the_next_read(ann_named: Any) -> None:
    pbx = ann_named
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wallboard_name SET name = 'Ann Brown'")
    assert directory().agent(pbx.pk, "10001") == "Ann Brown"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM wallboard_name")
    assert directory().agent(pbx.pk, "10001", "Feed Name") == "Feed Name"


class Undone(Exception):
    pass


def test_an_edit_rolled_back_is_never_taken_for_the_next_edit(ann_named: Any) -> None:
    pbx = ann_named
    with pytest.raises(Undone), transaction.atomic():
        Name.objects.update(name="Ann Brown")
        assert directory().agent(pbx.pk, "10001") == "Ann Brown"  # read inside the edit
        raise Undone
    # The next edit, read first after the rollback: a version counted up would be the one
    # the rolled-back edit had, and the directory read inside it would be taken for this.
    Name.objects.update(name="Ann Cole")
    assert directory().agent(pbx.pk, "10001") == "Ann Cole"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE: PostgreSQL only")
@pytest.mark.django_db(transaction=True)  # (each statement commits, as TRUNCATE is used)
def test_on_postgresql_a_truncated_directory_is_seen_at_the_next_read(ann_named: Any) -> None:
    pbx = ann_named
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE wallboard_name")
    assert directory().agent(pbx.pk, "10001", "Feed Name") == "Feed Name"
