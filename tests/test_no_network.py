"""The test session cannot reach the internet: the guard in conftest.py blocks it, not the network."""

from __future__ import annotations

import socket

import httpx
import pytest

from citesite.http import FetchError, PoliteClient


@pytest.mark.parametrize("address", [("doi.org", 443), ("api.crossref.org", 443), ("1.1.1.1", 53), ("2606:4700::1111", 443)])
def test_connections_beyond_loopback_are_refused_by_the_guard(address, network_blocked) -> None:
    """A direct connection to doi.org (or any non-loopback address) raises the guard's own error."""
    with pytest.raises(network_blocked, match="blocked by the test network guard"):
        socket.create_connection(address, timeout=1)
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family) as raw, pytest.raises(network_blocked):
        raw.connect(address)


def test_name_lookups_are_refused_by_the_guard(network_blocked) -> None:
    """Even resolving doi.org is blocked, so no DNS query leaves the machine."""
    with pytest.raises(network_blocked, match="name lookup of 'doi.org'"):
        socket.getaddrinfo("doi.org", 443)


def test_httpx_to_doi_org_fails_on_the_guard(network_blocked) -> None:
    """httpx's ConnectError for doi.org is caused by the guard, not by a missing network."""
    with pytest.raises(httpx.ConnectError) as caught:
        httpx.get("https://doi.org/api/handles/10.1000/1", timeout=2)
    chain, error = [], caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(link, network_blocked) for link in chain)


def test_polite_client_to_doi_org_goes_offline(network_blocked) -> None:
    """The production client, pointed at doi.org, meets the guard and switches offline at once."""
    with PoliteClient() as client, pytest.raises(FetchError, match="blocked by the test network guard") as caught:
        client.get("https://doi.org/api/handles/10.1000/1")
    assert caught.value.offline and client.offline


def test_loopback_still_works(threaded_httpserver) -> None:
    """The guard lets 127.0.0.1 and localhost through, so the fake registry is reachable."""
    threaded_httpserver.expect_request("/ping").respond_with_data("pong")
    assert httpx.get(threaded_httpserver.url_for("/ping"), timeout=2).text == "pong"
    assert httpx.get(threaded_httpserver.url_for("/ping").replace("127.0.0.1", "localhost"), timeout=2).text == "pong"
