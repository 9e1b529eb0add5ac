"""Tests for citesite.report: the console text and the JSON document."""

from __future__ import annotations

import json

from citesite.check import STATUSES, ReferenceResult
from citesite.problems import NumberingProblem
from citesite.report import console_report, report_document, summary, write_json_report
from citesite.compare import FieldProblem

RESULTS = [
    ReferenceResult("wang2024", "10.1038/s41420-024-01815-9", 1, (1,), "verified", checked_at="2025-11-26T10:00:00Z"),
    ReferenceResult(
        "wittibschlager2023", "10.3390/ijms24065688", 3, (3,), "mismatch",
        problems=(
            FieldProblem("first_author", "Wiget V", "Wittibschlager V"),
            FieldProblem("year", "2024", "2023", "warning"),
        ),
    ),
    ReferenceResult(
        "abouelenein2021", "10.1182/bloodcancerdiscov.2021.0012", None, (19,), "not_found",
        problems=(FieldProblem("doi", "10.1182/bloodcancerdiscov.2021.0012", "not registered"),),
    ),
    ReferenceResult("han2024", "10.3389/fneur.2024.1392831", 23, (23,), "unverified", detail="not yet verified: no record in the lockfile"),
    ReferenceResult("damico2023", "", 9, (9,), "no_doi", url="https://www.thermofisher.com/blog/", detail="no DOI"),
]
NUMBERING = [NumberingProblem("unknown_key", "docs/safety.md", 14, "marin2042", "unknown citation key 'marin2042'")]


def test_summary_counts_every_status() -> None:
    """The summary has every status, in report order, zeros included."""
    assert summary(RESULTS) == {
        "verified": 1, "mismatch": 1, "not_found": 1, "retracted": 0, "unverified": 1, "invalid": 0, "no_doi": 1
    }
    assert list(summary([])) == list(STATUSES)


def test_json_document_has_the_agreed_shape() -> None:
    """references / numbering / summary, with the agreed keys (plus `printed` and `severity`)."""
    document = report_document(RESULTS, NUMBERING)
    assert list(document) == ["references", "numbering", "summary"]
    assert document["references"][1] == {
        "key": "wittibschlager2023",
        "doi": "10.3390/ijms24065688",
        "number": 3,
        "printed": [3],
        "status": "mismatch",
        "problems": [
            {"field": "first_author", "bib": "Wiget V", "registry": "Wittibschlager V", "severity": "error"},
            {"field": "year", "bib": "2024", "registry": "2023", "severity": "warning"},
        ],
    }
    assert document["references"][2]["number"] is None
    assert document["numbering"] == {
        "problems": [{"kind": "unknown_key", "page": "docs/safety.md", "line": 14, "key": "marin2042", "detail": "unknown citation key 'marin2042'"}]
    }
    assert document["summary"]["mismatch"] == 1


def test_json_report_file_round_trips(tmp_path) -> None:
    """The written file is valid UTF-8 JSON equal to the document."""
    path = tmp_path / "reference-report.json"
    write_json_report(path, RESULTS, NUMBERING)
    assert json.loads(path.read_text(encoding="utf-8")) == report_document(RESULTS, NUMBERING)


def test_console_lists_counts_then_one_line_per_problem() -> None:
    """Counts first; each problem names key, site and printed numbers, field, both values; pending apart."""
    lines = console_report(RESULTS, NUMBERING).splitlines()
    assert lines == [
        "references: 1 verified, 1 mismatch, 1 not_found, 1 unverified, 1 no_doi",
        "error: wittibschlager2023 [3, printed 3] first_author: .bib 'Wiget V', registry 'Wittibschlager V'",
        "warning: wittibschlager2023 [3, printed 3] year: .bib '2024', registry '2023'",
        "error: abouelenein2021 [uncited, printed 19] doi: .bib '10.1182/bloodcancerdiscov.2021.0012', registry 'not registered'",
        "not yet verified (1):",
        "  han2024 [23, printed 23] not yet verified: no record in the lockfile",
        "numbering: 1 problem(s)",
        "error: docs/safety.md:14: unknown citation key 'marin2042'",
    ]


def test_console_names_a_bad_status_without_field_problems() -> None:
    """A failing status with no field problem still gets a line with its reason."""
    result = ReferenceResult("x", "10.1000/x", 2, (), "retracted", detail="retracted by 10.1000/notice")
    assert console_report([result]).splitlines()[1] == "error: x [2] retracted: retracted by 10.1000/notice"


def test_console_flags_an_entry_with_neither_doi_nor_url() -> None:
    """A `no_doi` entry without a URL is a problem line; a web page with a URL is not."""
    bare = ReferenceResult("bare", "", 4, (), "no_doi", detail="no DOI and no URL")
    assert console_report([bare]).splitlines()[1] == "error: bare [4] no_doi: no DOI and no URL"
    assert console_report([RESULTS[-1]]).splitlines() == ["references: 1 no_doi"]
