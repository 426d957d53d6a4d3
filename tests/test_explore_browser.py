"""A reader in headless Chromium: the demo's front page, two facets, the charts, a phone, axe-core.

Screenshots go to tests/artifacts/ (explore-*.png) for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def shown_total(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("h2 .explore-total").inner_text())


def facet_count(page, facet: str, label: str) -> int:  # type: ignore[no-untyped-def]
    """The count beside a facet value (read even when its facet is folded)."""
    count = page.locator(f"nav .explore-facet:has(summary:text-is('{facet}')) "
                         f"a:has(.explore-facet-label:text-is('{label}')) .explore-count")
    return int(count.text_content())


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -e .[dev]").Axe()
    results = axe.run(page, options=WCAG)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
            for v in results.response["violations"]]


def test_reader_applies_two_facets_and_sees_counts_change_and_charts(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    assert shown_total(page) == 15
    python_before = facet_count(page, "Skill", "Python")
    bars = page.locator("#chart-skills svg rect.bar")
    assert bars.count() >= 5 and bars.first.bounding_box()["width"] > 50  # drawn, and drawn to scale
    page.screenshot(path=ARTIFACTS / "explore-front-desktop.png", full_page=True)
    assert axe_violations(page) == []

    # first facet: a country, from the filter list
    page.get_by_role("navigation", name="Filter postings").get_by_role(
        "link", name=re.compile("^United Kingdom")).click()
    page.wait_for_url(re.compile(r"country=GB"))
    assert shown_total(page) == 3
    assert page.get_by_role("link", name="Remove filter Country: United Kingdom").is_visible()
    python_in_gb = facet_count(page, "Skill", "Python")
    assert python_in_gb < python_before

    # second facet: a bar of the skills chart, by keyboard
    top_bar = page.locator("#chart-skills svg a").first
    label = top_bar.get_attribute("aria-label")
    top_bar.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"country=GB.*skill=|skill=.*country=GB"))
    after = shown_total(page)
    assert after == int(re.search(r": (\d+) postings", label).group(1)) <= 3
    assert page.locator(".explore-chips a[aria-label^='Remove filter']").count() == 2
    assert page.locator("#chart-companions svg circle").count() >= 2
    assert page.locator(".explore-results > li").count() == after
    page.screenshot(path=ARTIFACTS / "explore-two-facets-desktop.png", full_page=True)
    assert axe_violations(page) == []

    # a phone: nothing wider than the screen, charts fit, still no accessibility violations
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for box in (page.locator("svg.chart").nth(i).bounding_box() for i in range(page.locator("svg.chart").count())):
        assert box["width"] <= 375
    assert page.locator(".explore-facet[open]").count() == 2  # only the facets in use start unfolded
    page.screenshot(path=ARTIFACTS / "explore-two-facets-375.png", full_page=True)
    assert axe_violations(page) == []


def test_front_page_on_a_phone(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    chart = page.locator("#chart-skills svg")
    assert 300 <= chart.bounding_box()["width"] <= 375
    # chart text stays readable: at least 11 CSS px once the SVG is scaled to the phone
    size = page.evaluate("""() => { const t = document.querySelector('#chart-skills svg a text');
        return t.getBoundingClientRect().height; }""")
    assert size >= 11
    # the keyboard moves from the search box to its button, and the focus is drawn
    page.locator("#explore-q").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Search"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.screenshot(path=ARTIFACTS / "explore-front-375.png", full_page=True)
    assert axe_violations(page) == []
