"""A capture asked for on a source's admin page, in a real browser against the product as a
site runs it (`serve`: web and ingest in one process): the page's *Add another raw capture*
row, saved, is taken up by ingest, records the bytes the phone system sends, ends at its
limit, and its file downloads from the page and replays to the rows ingest stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.capture import read_capture
from tests.product import Product, free_port, screenshot, send, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "avaya_cms"
TVI1 = (FIXTURES / "tvi1_example.txt").read_bytes()  # skills 3, 12, 7


def test_a_capture_asked_for_on_the_source_page_downloads_and_replays(
    product: Product, chromium: Any, tmp_path: Path
) -> None:
    port = free_port()
    product.env.update(CAPTURE_DIR=str(tmp_path / "captures"), DJANGO_SUPERUSER_PASSWORD="pw-1")
    product.configure(
        {
            "sources": [
                {
                    "name": "cms-skills",
                    "vendor": "avaya_cms",
                    "layout": "tvi1",
                    "listen": f"127.0.0.1:{port}",
                    "refresh_seconds": 3,
                }
            ],
            "boards": [],
        }
    )
    product.manage("createsuperuser", "--noinput", "--username", "boss", "--email", "b@x.org")
    product.start()
    page = chromium.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(f"{product.url}/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-1")
    page.click("input[type=submit]")
    page.goto(f"{product.url}/admin/wallboard/source/")
    page.click("text=cms-skills")
    page.click("text=Add another raw capture")
    page.fill("input[name$='-limit_seconds']:not([name*='__prefix__'])", "3")
    page.click("input[name=_continue]")
    saved = page.wait_for_selector(".messagelist .success", timeout=15000)  # the page came back
    assert saved is not None and "was changed successfully" in saved.inner_text()
    wait_until(listed(page, "running"), 20, "the capture running", 0.3)
    send(port, TVI1)
    wait_until(listed(page, "download"), 20, "the capture's download link", 0.5)
    page.locator("#captures-group").scroll_into_view_if_needed()
    screenshot(page, "capture-on-the-source-page")
    link = page.locator("#captures-group a", has_text="download")
    answer = page.request.get(product.url + str(link.get_attribute("href")))
    assert answer.ok, answer.text()
    path = tmp_path / "downloaded.wbcap"
    path.write_bytes(answer.body())
    header, reads = read_capture(path)
    assert header.source == "cms-skills" and b"".join(r.data for r in reads) == TVI1
    said = product.manage("replay", str(path), "--source", "cms-skills")
    assert "would store 3 queues" in said
    assert said.count("\n  skill ") == 3


def listed(page: Any, word: str) -> Any:
    """Whether the source page's captures show `word`; if not, the page is loaded again."""

    def shown() -> bool:
        if word in page.inner_text("#captures-group"):
            return True
        page.reload()
        return False

    return shown
