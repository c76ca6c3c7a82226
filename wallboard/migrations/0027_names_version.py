"""The names directory's version: a value every change to the names table replaces.

Kept by the database itself (triggers), so every way of changing a name changes it: the admin,
the CSV import, importconfig, a queryset update(), a cascade from a deleted source, plain SQL.
A process that read the directory before reads one small row to know it is the same, where it
read every name (30,000 at a site that imports its HR list) each reload and each API request.

The value is random, not a counter: an edit rolled back must not leave a version that the next,
different, edit would give again (a counter goes back with the rollback; a process that saw the
rolled-back edit inside its own transaction would take the next edit for it).
"""

from django.db import migrations

TABLE = "wallboard_names_version"

SQLITE = [
    f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, version text NOT NULL)",
    f"INSERT INTO {TABLE} (id, version) VALUES (1, lower(hex(randomblob(16))))",
    *(
        f"CREATE TRIGGER wallboard_name_{event.lower()} AFTER {event} ON wallboard_name "
        f"BEGIN UPDATE {TABLE} SET version = lower(hex(randomblob(16))) WHERE id = 1; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
SQLITE_BACK = [
    *(f"DROP TRIGGER wallboard_name_{event}" for event in ("insert", "update", "delete")),
    f"DROP TABLE {TABLE}",
]

POSTGRESQL = [
    f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, version text NOT NULL)",
    f"INSERT INTO {TABLE} (id, version) VALUES (1, gen_random_uuid()::text)",
    "CREATE FUNCTION wallboard_names_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN UPDATE {TABLE} SET version = gen_random_uuid()::text WHERE id = 1; RETURN NULL; "
    "END $$",
    "CREATE TRIGGER wallboard_name_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    "ON wallboard_name FOR EACH STATEMENT EXECUTE FUNCTION wallboard_names_changed()",
]
POSTGRESQL_BACK = [
    "DROP TRIGGER wallboard_name_changed ON wallboard_name",
    "DROP FUNCTION wallboard_names_changed()",
    f"DROP TABLE {TABLE}",
]


def _run(statements):
    def run(apps, schema_editor):
        # Another database keeps no version: the directory is then read whole every time.
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("wallboard", "0026_board_updates"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_BACK, "postgresql": POSTGRESQL_BACK}),
        ),
    ]
