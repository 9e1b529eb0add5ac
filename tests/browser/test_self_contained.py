"""The site is self-contained: pages load everything from their own server and log no error."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from browser.support import Site, Traffic


def test_every_page_loads_only_from_127_0_0_1_without_console_errors(page: Page, site: Site, traffic: Traffic) -> None:
    """Each page, left until the network is idle (search index included), asks nothing of other hosts and logs no error."""
    for path in site.pages:
        page.goto(site.url(path), wait_until="networkidle")

    assert any(url.endswith("search_index.json") for url in traffic.requests), "the recording missed the search index"
    assert not traffic.offsite(), f"requests left 127.0.0.1: {traffic.offsite()}"
    assert not traffic.console_errors, "\n".join(traffic.console_errors)


def test_the_recording_sees_a_request_to_another_host(browser: Browser) -> None:
    """A page that asks another host for something is caught (the request is aborted, nothing leaves)."""
    traffic = Traffic()
    context = browser.new_context()
    traffic.watch(context)
    context.route("http://192.0.2.1/**", lambda route: route.abort())
    page = context.new_page()

    with page.expect_event("requestfailed"):
        page.set_content('<img src="http://192.0.2.1/pixel.png" alt="">')
    context.close()

    assert traffic.offsite() == ["http://192.0.2.1/pixel.png"]
