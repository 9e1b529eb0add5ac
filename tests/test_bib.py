"""Tests for citesite.bib: loading, validation and the fields the site relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from citesite.bib import Author, BibError, load_bibliography, parse_bibliography, validate

FIXTURES = Path(__file__).parent / "fixtures" / "bib"
REFERENCES = Path(__file__).parents[1] / "bib" / "references.bib"


def test_malformed_bib_names_file_and_line() -> None:
    """A syntax error names the file and the line where parsing failed."""
    with pytest.raises(BibError) as error:
        load_bibliography(FIXTURES / "malformed.bib")
    assert str(error.value).startswith(f"{FIXTURES / 'malformed.bib'}:")
    assert error.value.line >= 10
    assert "syntax error" in error.value.message


def test_duplicate_key_is_an_error_with_both_lines() -> None:
    """A key defined twice fails loading, naming the second definition and the first."""
    with pytest.raises(BibError) as error:
        load_bibliography(FIXTURES / "duplicate-key.bib")
    assert error.value.line == 6
    assert "duplicate key 'same2020' (first defined on line 1)" in str(error.value)


def test_duplicate_doi_and_missing_identifier() -> None:
    """Two entries with one DOI (any case or prefix) are an error; no DOI and no URL is a warning."""
    problems = validate(load_bibliography(FIXTURES / "duplicate-doi.bib"))
    assert [(p.severity, p.key, p.line) for p in problems] == [("error", "second2020", 6), ("warning", "nolink2020", 11)]
    assert "same DOI as 'first2020'" in problems[0].message


def test_printed_numbers_must_be_numbers() -> None:
    """`printed` lists numbers; anything else names the entry and line."""
    with pytest.raises(BibError, match=r"x\.bib:1: entry 'a': field 'printed' must list numbers"):
        parse_bibliography("@article{a, title={T}, printed={ten}}", "x.bib")


def test_project_bibliography_is_clean() -> None:
    """The project's .bib has 25 distinct sources, each with a DOI or a URL, no problems."""
    bibliography = load_bibliography(REFERENCES)
    assert len(bibliography.entries) == 25
    assert validate(bibliography) == []
    printed = sorted(n for entry in bibliography.entries.values() for n in entry.printed)
    assert printed == list(range(1, 29))


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [
        ("abouelenein2021", "doi", "10.1158/2643-3230.bcd-21-0084"),
        ("fein2023", "doi_raw", "10.1200/EDBK_397912"),
        ("sterner2021", "pages", "69"),
        ("wittibschlager2023", "year", "2023"),
        ("marin2024", "title", "Safety, efficacy and determinants of response of allogeneic CD19-specific CAR-NK cells in CD19+ B cell tumors: a phase 1/2 trial"),
        ("damico2023", "date", "2023-07-07"),
        ("damico2023", "urldate", "2025-10-26"),
        ("morris2022", "printed", (10, 24)),
    ],
)
def test_project_entries_carry_corrections(key: str, field: str, value: object) -> None:
    """Fields corrected from reference-notes.md are what the site shows (braces removed from titles)."""
    assert getattr(load_bibliography(REFERENCES)[key], field) == value


def test_fingerprint_changes_with_the_entry() -> None:
    """Editing an entry changes its fingerprint; other entries keep theirs."""
    before = parse_bibliography("@article{a, title={One}}\n@article{b, title={Two}}")
    after = parse_bibliography("@article{a, title={One!}}\n@article{b, title={Two}}")
    assert before["a"].fingerprint != after["a"].fingerprint
    assert before["b"].fingerprint == after["b"].fingerprint


def test_authors_and_et_al() -> None:
    """`and others` marks a cut list; compound family names and initials are kept."""
    entry = parse_bibliography("@article{a, author={Alinejad Shahabi, S. and Todd, L. A. and others}}")["a"]
    assert entry.et_al
    assert [(a.family, a.initials) for a in entry.authors] == [("Alinejad Shahabi", "S"), ("Todd", "LA")]


def test_loading_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    """The same unchanged file is parsed once; an edit is seen at once."""
    path = tmp_path / "r.bib"
    path.write_text("@article{a, title={One}}\n")
    first = load_bibliography(path)
    assert load_bibliography(path) is first
    path.write_text("@article{a, title={Two}}\n@article{b, title={Three}}\n")
    second = load_bibliography(path)
    assert second is not first and list(second.entries) == ["a", "b"]


@pytest.mark.parametrize(
    "value",
    ["{CAR} {T}-cell", "4-1{BB} {CD19}+", "What is {CAR-NK}, ``off-the-shelf''?", "10--15 and 1---2",
     "{{nested}} braces", "plain words", "D'Amico", 'M{\\"u}ller \\& co', "{\\O}sterberg", "a,,b", "!`Hola! ?`Qu\\'e?"],
)
def test_latex_to_text_agrees_with_pybtex(value: str) -> None:
    """The fast paths for plain, braced, quoted and dashed values give exactly pybtex's text."""
    from pybtex.backends.plaintext import Backend
    from pybtex.richtext import Text

    from citesite.bib import latex_to_text

    expected = " ".join(Text.from_latex(value).render(Backend()).split())
    if "\\" in expected:
        import codecs

        import latexcodec  # noqa: F401

        expected = codecs.decode(expected, "ulatex")
    assert latex_to_text(value) == expected


def test_entries_by_printed_number() -> None:
    """Each printed number maps to the entries that claim it, in file order; a merged source claims several."""
    bib = parse_bibliography("@article{a, printed={1, 3}}\n@article{b, printed={2}}\n@article{c, printed={3}}\n@misc{d}\n")
    owners = {number: [entry.key for entry in entries] for number, entries in bib.by_printed().items()}
    assert owners == {1: ["a"], 3: ["a", "c"], 2: ["b"]}


def test_vancouver_name() -> None:
    """Family name then initials, as the references, the registry comparison and the metadata show it."""
    assert Author("Alinejad Shahabi", "L. A.").vancouver == "Alinejad Shahabi LA"
    assert Author("CAR-NK Consortium", "").vancouver == "CAR-NK Consortium"
