"""The theme as readers use it: the light/dark toggle, a phone's navigation drawer, printing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from browser.support import REFERENCES, SCHEMES, NewContext, Site, nav_link, settle

PT = 4 / 3
"""CSS pixels per typographic point."""
MIN_REFERENCE_PT = 9.0
"""Smallest size for the formatted reference itself in print."""
MIN_DETAIL_PT = 8.5
"""Smallest size for the lines under it (printed number, "Cited in") in print: Material prints
body text at 10.2 pt and site.css sets these at 0.85 em, 8.7 pt."""


def test_the_palette_toggle_switches_to_dark_and_the_choice_persists(page: Page, site: Site) -> None:
    """The toggle turns the page dark; the choice holds on the next page and after a reload, and switches back."""
    page.goto(site.url(""))
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES["light"])

    page.locator("label[title='Switch to dark mode']").click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES["dark"])
    settle(page)
    assert _luminance(page.locator("body").evaluate("body => getComputedStyle(body).backgroundColor")) < 0.05

    other = next(path for path in site.pages if path)
    nav_link(page.locator(".md-sidebar--primary"), site, other).click()
    expect(page).to_have_url(site.url(other))
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES["dark"])

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES["dark"])

    page.locator("label[title='Switch to light mode']").click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES["light"])
    page.goto(site.url(""))
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES["light"])


def test_on_a_phone_the_drawer_opens_and_reaches_every_page(new_context: NewContext, site: Site) -> None:
    """At 390×844 the menu button opens the navigation drawer, and from it every page can be opened."""
    page = new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True).new_page()
    page.goto(site.url(""))
    drawer = page.locator("nav.md-nav--primary")
    expect(drawer).not_to_be_in_viewport()

    # Start from the home page and end on it, so every target is a page other than the open one.
    for path in [*(path for path in site.pages if path), ""]:
        page.locator("label.md-header__button[for='__drawer']").click()
        expect(drawer).to_be_in_viewport()
        nav_link(drawer, site, path).click()
        expect(page).to_have_url(site.url(path))
        expect(page.locator("article h1")).to_be_visible()
        expect(drawer).not_to_be_in_viewport()


_PRINT_STYLES = """items => items.flatMap(li => [li, ...li.querySelectorAll('*')]
  .filter(el => [...el.childNodes].some(node => node.nodeType === 3 && node.textContent.trim()))
  .map(el => {
    const style = getComputedStyle(el)
    let back = el, background = 'rgba(0, 0, 0, 0)'
    for (; back; back = back.parentElement) {
      background = getComputedStyle(back).backgroundColor
      if (!/rgba\\(.*, 0\\)$/.test(background)) break
    }
    const box = el.getBoundingClientRect()
    return {
      entry: li.id, element: el.tagName + (el.className ? '.' + el.className : ''),
      reference: el.classList.contains('reference__text'),
      px: parseFloat(style.fontSize), color: style.color, background: back ? background : 'rgb(255, 255, 255)',
      shown: style.visibility === 'visible' && style.display !== 'none' && box.width > 0 && box.height > 0,
    }
  }))"""


def _luminance(css: str) -> float:
    """WCAG relative luminance of an `rgb()`/`rgba()` colour (alpha ignored)."""
    channels = [float(part) / 255 for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_printed_references_are_visible_and_readable(new_context: NewContext, site: Site, palette: str) -> None:
    """Printed, every reference shows in full, at 9 pt or more, dark on light, whichever palette was on."""
    page = new_context(color_scheme=palette).new_page()
    page.goto(site.url(REFERENCES))
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", SCHEMES[palette])

    page.emulate_media(media="print")
    styles: list[dict[str, Any]] = page.locator("ol.bibliography > li").evaluate_all(_PRINT_STYLES)

    assert styles, "no reference printed"
    problems: dict[str, list[str]] = {}
    for style in styles:
        smallest = MIN_REFERENCE_PT if style["reference"] else MIN_DETAIL_PT
        found = []
        if not style["shown"]:
            found.append("hidden")
        if style["px"] / PT < smallest:
            found.append(f"{style['px'] / PT:.1f} pt")
        if _luminance(style["color"]) > 0.2 or _luminance(style["background"]) < 0.8:
            found.append(f"{style['color']} on {style['background']}")
        for problem in found:
            problems.setdefault(f"{style['element']}: {problem}", []).append(style["entry"])
    assert not problems, "\n".join(
        f"{problem} (in {len(set(entries))} entries: {', '.join(sorted(set(entries))[:3])}, ...)" for problem, entries in problems.items()
    )
