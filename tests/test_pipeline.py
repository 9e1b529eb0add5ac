"""Tests for citesite.pipeline: one build's numbering, source problems and page rendering."""

from __future__ import annotations

from citesite.bib import parse_bibliography
from citesite.citations import PageSource
from citesite.pipeline import expand_commands, prepare, render_markdown, source_problems

BIB = parse_bibliography(
    "@article{a, title={A}, doi={10.1000/a}, printed={1, 3}}\n"
    "@article{b, title={B}, doi={10.1000/b}, printed={2}}\n"
    "@article{c, title={C}, url={https://c.org}, printed={4}}\n",
    "bib/test.bib",
)


def pages(*texts: str) -> list[PageSource]:
    urls = ["", "two/", "references/"]
    return [PageSource(f"docs/{i}.md", urls[i], f"Page {i}", text) for i, text in enumerate(texts)]


def kinds(problems: list) -> list[tuple[str, str]]:
    return [(problem.kind, problem.key) for problem in problems]


def test_clean_site_has_no_problems() -> None:
    """Every entry cited, every printed number mapped, a References page: nothing to report."""
    site = prepare(BIB, pages("[@a] [@b]", "[@c]", "\\full_bibliography"))
    assert source_problems(site) == []
    assert site.urls.references == "references/"


def test_source_problems() -> None:
    """Unknown keys (with line), uncited entries and unmapped printed numbers are all reported."""
    site = prepare(BIB, pages("x\n[@a] [@zzz]", "", "\\full_bibliography"))
    problems = source_problems(site)
    assert ("unknown_key", "zzz") in kinds(problems)
    assert [p.line for p in problems if p.kind == "unknown_key"] == [2]
    assert ("uncited", "b") in kinds(problems) and ("uncited", "c") in kinds(problems)
    assert all(p.severity == "warning" for p in problems if p.kind == "uncited")


def test_printed_numbers_must_all_map() -> None:
    """A gap in the printed numbers is a problem unless the text marks it missing with [@?N]."""
    bib = parse_bibliography("@article{a, title={A}, doi={10.1/a}, printed={1}}\n@article{b, title={B}, doi={10.1/b}, printed={3}}")
    gap = source_problems(prepare(bib, pages("[@a] [@b]", "", "\\full_bibliography")))
    assert [p.detail for p in gap] == ["printed number 2 maps to no entry and is not marked missing"]
    marked = source_problems(prepare(bib, pages("[@a] [@b] [@?2]", "", "\\full_bibliography")))
    assert marked == []


def test_duplicate_doi_blocks() -> None:
    """Two entries with one DOI are an error-level numbering problem."""
    bib = parse_bibliography("@article{a, doi={10.1/X}}\n@article{b, doi={10.1/x}}", "bib/d.bib")
    problems = source_problems(prepare(bib, pages("[@a] [@b]", "", "\\full_bibliography")))
    assert [(p.kind, p.severity, p.page, p.line) for p in problems] == [("duplicate_doi", "error", "bib/d.bib", 2)]


def test_missing_references_page_is_reported() -> None:
    """Citations without any page holding the References list are a problem."""
    problems = source_problems(prepare(BIB, pages("[@a] [@b] [@c]", "", "")))
    assert "references_mismatch" in [p.kind for p in problems]


def test_render_markdown_replaces_citations_and_appends_page_list() -> None:
    """Citations become linked numbers; the page gets its reference list; References get the full list."""
    sources = pages("Text [@b] and [@a].", "[@c]", "Intro\n\n\\full_bibliography\n")
    site = prepare(BIB, sources)
    first = render_markdown(sources[0].markdown, sources[0], site, lambda u: u)
    assert 'data-keys="b"><a class="cite__link" id="cite-b-1"' in first and ">1</a>" in first
    assert "## References on this page" in first
    references = render_markdown(sources[2].markdown, sources[2], site, lambda u: u)
    assert '<ol class="bibliography">' in references and "\\full_bibliography" not in references
    assert "References on this page" not in references


def test_render_markdown_renumbers_locally_when_text_changed() -> None:
    """If another plugin changed the page after numbering, the page is re-read but keeps site numbers."""
    site = prepare(BIB, pages("[@a]", "[@b]", "\\full_bibliography"))
    html = render_markdown("New text [@b]", pages("[@a]", "[@b]", "")[0], site, lambda u: u)
    assert 'data-key="b"' in html and ">2</a>" in html


def test_expand_commands_keeps_line_numbers() -> None:
    """A command's HTML stays on the command's line, so later lines keep their numbers."""
    text = "a\n\\chart\nb [@x]"
    out = expand_commands(text, {"\\chart": lambda: "<figure>\n<p>1\\2</p>\n</figure>"})
    assert out == "a\n<figure> <p>1\\2</p> </figure>\nb [@x]"
    assert expand_commands("not \\chart here", {"\\chart": lambda: "X"}) == "not \\chart here"
