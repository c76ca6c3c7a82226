"""The README's deployment recipe, run where it can run here, in its order, from the README's
own blocks (marked `<!-- recipe: NAME -->`), so the README cannot drift from what works: a fresh
PostgreSQL role and database, the production `.env`, migrate, the first admin, `check --deploy`
clean; the backups; then the plain-HTTP LAN variant: `serve --host 0.0.0.0` reached by another
address of this machine, and an admin login in Chromium over plain HTTP.

Needs PostgreSQL at 127.0.0.1:5432 and a role that may create roles and databases
(WALLBOARD_PG_ADMIN_URL, by default CI's postgres/postgres); skipped without one."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.management.commands.demo import local_addresses
from tests.conftest import free_port
from tests.product import screenshot, stop_or_explain

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get(
    "WALLBOARD_PG_ADMIN_URL", "postgres://postgres:postgres@127.0.0.1:5432/postgres"
)
DOCUMENTED_DB = "wallboard:choose-a-db-password@127.0.0.1:5432/wallboard"
pytestmark = pytest.mark.slow


def recipe(name: str) -> str:
    """The body of the README's block marked for the recipe step `name`."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- recipe: {name} -->\n```\w*\n(.*?)```", readme, re.DOTALL)
    assert found, f"the README has no block marked <!-- recipe: {name} -->"
    return found.group(1)


def heredoc(block: str, word: str) -> str:
    """A block's `<<WORD ... WORD` here-document command, whole."""
    found = re.search(rf"^[^\n]*<<'?{word}'?\n.*?^{word}$", block, re.DOTALL | re.MULTILINE)
    assert found, f"no <<{word} here-document in:\n{block}"
    return found.group(0) + "\n"


def manage_lines(block: str) -> list[list[str]]:
    """The block's `manage.py` commands, as arguments to manage.py (as the service user)."""
    commands = []
    for line in block.splitlines():
        if "manage.py" in line:
            words = line.split("manage.py", 1)[1].split(">")[0].split()
            commands.append(words)
    return commands


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, str]]:
    """The recipe's database step, for a role and database of this test's own."""
    with socket.socket() as probe:
        probe.settimeout(2)
        if probe.connect_ex(("127.0.0.1", 5432)) != 0:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    import psycopg

    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL role that may create databases ({exc}); WALLBOARD_PG_ADMIN_URL")
    name, password = f"wb_recipe_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    sql = heredoc(recipe("database"), "SQL").split("\n", 1)[1].rsplit("SQL", 1)[0]
    sql = re.sub(r"\bwallboard\b", name, sql).replace("choose-a-db-password", password)
    try:
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            admin.execute(statement)
        yield {"name": name, "url": f"postgres://{name}:{password}@127.0.0.1:5432/{name}"}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        admin.close()


def dot_env(step: str, workdir: Path, database: dict[str, str]) -> dict[str, str]:
    """Run the README's `.env` here-document in `workdir`; its settings, on this test's
    database (the one setting that must name it)."""
    workdir.mkdir(exist_ok=True)
    subprocess.run(["bash", "-e", "-c", heredoc(recipe(step), "ENV")], cwd=workdir, check=True)
    settings = {}
    for line in (workdir / ".env").read_text().splitlines():
        key, _, value = line.partition("=")
        settings[key] = value
    assert DOCUMENTED_DB in settings["DATABASE_URL"]
    settings["DATABASE_URL"] = database["url"]
    settings["CAPTURE_DIR"] = str(workdir / "captures")
    return settings


def environment(settings: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")}
    return {**keep, "DEBUG": "false", **settings}


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(database: dict[str, str], tmp_path_factory: Any) -> dict[str, str]:
    """Steps 5 and 6: the production `.env`, migrate, the first admin, check --deploy."""
    env = environment(dot_env("env-tls", tmp_path_factory.mktemp("tls"), database))
    assert len(env["SECRET_KEY"]) >= 50
    commands = manage_lines(recipe("migrate"))
    assert [c[0] for c in commands] == ["migrate", "createsuperuser", "check"]
    password = secrets.token_urlsafe(12)
    for args in commands:
        if args[0] == "createsuperuser":  # answered by the environment instead of a person
            env = {**env, "DJANGO_SUPERUSER_PASSWORD": password}
            args = [*args, "--noinput", "--username", "admin", "--email", "admin@example.com"]
        if args[0] == "check":
            assert "--deploy" in args
            said = manage(env, *args, "--fail-level", "WARNING")
            assert "System check identified no issues" in said, said
            continue
        manage(env, *args)
    return {"password": password}


def test_the_recipe_installs_and_check_deploy_is_clean(installed: dict[str, str]) -> None:
    assert installed["password"]


def test_the_backup_step_writes_the_database_and_the_configuration(
    installed: dict[str, str], database: dict[str, str], tmp_path: Path
) -> None:
    block = recipe("backup")
    assert "pg_dump -Fc wallboard" in block
    env = environment({"DATABASE_URL": database["url"], "SECRET_KEY": "backup-test"})
    (args,) = manage_lines(block)
    config = json.loads(manage(env, *args))
    assert "sources" in config and "boards" in config
    dump = subprocess.run(
        ["pg_dump", "-Fc", f"--dbname={database['url']}"], capture_output=True, timeout=120
    )
    assert dump.returncode == 0 and dump.stdout.startswith(b"PGDMP")


def lan_address() -> str:
    """An address of this machine that is not 127.0.0.1 (127.0.0.2 if it has no other)."""
    found = [a for a in local_addresses() if ":" not in a]
    return found[0] if found else "127.0.0.2"


@pytest.fixture
def lan_site(installed: dict[str, str], database: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """The plain-HTTP LAN variant: its `.env`, and `serve --host 0.0.0.0` as its unit runs it,
    on a free port; started by start(secure_cookies) for each case."""
    settings = dot_env("env-lan", tmp_path / "lan", database)
    assert settings["SECURE_COOKIES"] == "false"
    address, port = lan_address(), free_port()
    settings["ALLOWED_HOSTS"] = f"{settings['ALLOWED_HOSTS']},{address}"  # this LAN's address
    (args,) = manage_lines(recipe("lan-serve"))
    assert args[:3] == ["serve", "--host", "0.0.0.0"] and args[-2:] == ["--port", "8000"]
    processes: list[subprocess.Popen[str]] = []

    def start(overrides: dict[str, str] | None = None) -> tuple[str, Path]:
        log = tmp_path / f"serve-{len(processes)}.log"
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args[:-1], str(port)],
            cwd=ROOT,
            env=environment({**settings, **(overrides or {})}),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        url = f"http://{address}:{port}"
        deadline = time.monotonic() + 30
        while True:  # listening on the LAN address, not only on 127.0.0.1
            try:
                socket.create_connection((address, port), timeout=2).close()
                return url, log
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)

    yield start
    for n, process in enumerate(processes):
        stop_or_explain(process, tmp_path / f"serve-{n}.log")


def log_in(chromium: Any, url: str, password: str, name: str) -> Any:
    page = chromium.new_page(viewport={"width": 1200, "height": 700})
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    screenshot(page, name)
    return page


def test_a_lan_site_serves_another_address_and_its_login_works_over_plain_http(
    lan_site: Any, installed: dict[str, str], chromium: Any
) -> None:
    url, log = lan_site()
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:  # by the LAN address
        assert answer.status == 200
    assert "security: plain-HTTP LAN mode (SECURE_COOKIES=false)" in log.read_text()
    page = log_in(chromium, url, installed["password"], "install-recipe-lan-login")
    assert page.url == f"{url}/admin/"
    assert "Sources, boards and access" in page.inner_text("body")
    page.close()


def test_with_secure_cookies_a_plain_http_login_is_refused_with_the_reason(
    lan_site: Any, installed: dict[str, str], chromium: Any
) -> None:
    url, log = lan_site({"SECURE_COOKIES": "true"})
    assert "security: secure cookies (HTTPS)" in log.read_text()
    page = log_in(chromium, url, installed["password"], "install-recipe-secure-cookies-refused")
    text = page.inner_text("body")
    assert "This site is set for HTTPS; set SECURE_COOKIES=false for a plain-HTTP LAN." in text
    page.close()


def test_a_host_the_lan_site_does_not_list_is_refused_and_logged(lan_site: Any) -> None:
    url, log = lan_site({"ALLOWED_HOSTS": "wallboard.lan"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/admin/login/", timeout=5)
    assert refused.value.code == 400
    host = url.split("//", 1)[1]
    deadline = time.monotonic() + 10
    while f"Invalid HTTP_HOST header: '{host}'" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def test_database_pool_true_serves_from_djangos_pool(
    installed: dict[str, str], database: dict[str, str]
) -> None:
    env = environment(
        {"DATABASE_URL": database["url"], "SECRET_KEY": "pool-test", "DATABASE_POOL": "true"}
    )
    said = manage(
        env,
        "shell",
        "-c",
        "from django.db import connection; from wallboard.models import Source;"
        " print(type(connection.pool).__name__, Source.objects.count())",
    )
    assert "ConnectionPool 0" in said
