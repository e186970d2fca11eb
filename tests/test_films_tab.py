"""The Films tab in a real browser: the catalog as a sortable table whose cells cite their sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def test_films_tab_lists_cited_values_and_sorts(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.get_by_role("tab", name="Films").click()
        table = page.locator("#filmchat-films")
        table.get_by_text("Way Back Home").first.wait_for(timeout=30_000)
        text = table.inner_text()
        assert "131 min [" in text and "2013-01-24 [" in text and "Park Jin-Pyo [" in text
        sources = page.locator("#filmchat-film-sources").inner_text()
        assert "10-touching-emotional-korean-movies.txt" in sources and "Duration:131 minutes" in sources
        # sort by runtime, longest first (the column's menu): Way Back Home heads the table
        header = table.get_by_role("columnheader").filter(has_text="Runtime").first
        header.hover()
        header.locator("button.cell-menu-button").click(force=True)
        page.get_by_role("menuitem", name="Sort descending").click()
        page.wait_for_function("() => document.querySelector('#filmchat-films').innerText.split('Country')[1].trim()"
                               ".startsWith('Way Back Home')",
                               timeout=10_000)
        (ROOT / "docs").mkdir(exist_ok=True)
        box = page.locator("#filmchat-films-tab").bounding_box()
        page.screenshot(path=str(ROOT / "docs" / "films-tab.png"), full_page=True,
                        clip={"x": box["x"], "y": box["y"], "width": box["width"], "height": min(box["height"], 1000)})
        b.close()
