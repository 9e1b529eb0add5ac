"""Tests for `python -m citesite check`: the standalone reference check on a copy of the real site."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from citesite.__main__ import main
from citesite.lock import read_lock

ROOT = Path(__file__).parents[1]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the site (pages, .bib, scripts, mkdocs.yml) without any lockfile."""
    project = tmp_path / "project"
    for name in ("docs", "bib", "scripts"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules", "doi-lock.json"))
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    return project


@pytest.fixture
def registry(fake_registry, monkeypatch: pytest.MonkeyPatch):
    """The local registry, announcing a generous rate limit as Crossref does in its headers."""
    fake_registry.headers = {"x-rate-limit-limit": "100", "x-rate-limit-interval": "1s"}
    monkeypatch.setenv("DOI_RESOLVER_URL", fake_registry.url)
    monkeypatch.setenv("CROSSREF_API_URL", fake_registry.url)
    monkeypatch.setenv("CITESITE_MAILTO", "tests@example.org")
    return fake_registry


def run(project: Path, *args: str) -> tuple[int, dict]:
    report = project / "report.json"
    code = main(["check", *args, "--config", str(project / "mkdocs.yml"), "--json", str(report)])
    return code, json.loads(report.read_text())


def test_offline_check_reports_unverified_without_failing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Offline with no lockfile: every DOI is 'unverified' (not a problem), the web page 'no_doi'."""
    code, report = run(project, "--offline")
    assert code == 0
    assert report["summary"]["unverified"] == 24 and report["summary"]["no_doi"] == 1
    assert report["numbering"]["problems"] == []
    first = report["references"][0]
    assert set(first) >= {"key", "doi", "number", "status", "problems"}
    assert (first["key"], first["number"]) == ("wang2024", 1)
    assert "not yet verified (24)" in capsys.readouterr().out


def test_online_check_verifies_and_writes_the_lock(project: Path, registry) -> None:
    """Online against the local registry: everything verifies, the lock is written, publishing may go on."""
    code, report = run(project, "--online", "--for-publish")
    assert code == 0, report
    assert report["summary"]["verified"] == 24
    assert len(read_lock(project / "bib" / "doi-lock.json")) == 24
    requests = len(registry.paths())
    code, _ = run(project, "--online", "--for-publish")
    assert code == 0 and len(registry.paths()) == requests  # fresh lock: no new request


def test_wrong_doi_fails_and_blocks_publishing(project: Path, registry, capsys: pytest.CaptureFixture[str]) -> None:
    """The printed, malformed DOI of reference 22 is reported not_found and the check fails."""
    bib = project / "bib" / "references.bib"
    bib.write_text(bib.read_text().replace("10.1200/EDBK_397912", "10.1200/EDBK.397912"))
    code, report = run(project, "--online")
    assert code == 1
    fein = next(ref for ref in report["references"] if ref["key"] == "fein2023")
    assert fein["status"] == "not_found" and fein["problems"][0]["field"] == "doi"
    assert "fein2023 [22, printed 22]" in capsys.readouterr().out


def test_unknown_key_is_a_numbering_problem(project: Path) -> None:
    """A citation of an unknown key fails the check and is reported with page, line and key."""
    page = project / "docs" / "future.md"
    lines = page.read_text().splitlines()
    page.write_text("\n".join([*lines, "", "Cites a ghost.[@ghost2042]"]) + "\n")
    code, report = run(project, "--offline")
    assert code == 1
    assert {"kind": "unknown_key", "page": "docs/future.md", "line": len(lines) + 2, "key": "ghost2042",
            "detail": "unknown citation key 'ghost2042'"} in report["numbering"]["problems"]
