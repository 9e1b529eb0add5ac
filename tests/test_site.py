"""End-to-end tests of a real strict build: numbering read back from HTML, the article's text, search,
self-containment, abbreviations, and the three kinds of bad input.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config

from citesite.audit import audit_pages, parse_page
from citesite.bib import load_bibliography
from citesite.fragments import FragmentsExtension
from sitetext import article_sentences, article_text

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT / "scripts")}
NAV = ["", "car-t-cells/", "nk-cells/", "solid-tumours/", "manufacturing/", "evidence/", "future/",
       "comparison/", "glossary/", "references/", "notes/", "about/"]
GENERATED = {"cite", "cite-missing", "bibliography", "page-references", "kf", "concordance"}


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, env=ENV, cwd=project, timeout=300,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    site = tmp_path_factory.mktemp("site")
    result = build(ROOT, site)
    assert result.returncode == 0, result.stderr
    return site, result.stderr


def page_html(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    for name in ("docs", "bib", "scripts"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    return project


def test_strict_build_has_no_warnings(built: tuple[Path, str]) -> None:
    """`mkdocs build --strict` passes and logs no warning or error at all."""
    _, log = built
    assert not [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR"))]


def test_numbering_read_back_from_html(built: tuple[Path, str]) -> None:
    """Rendered numbers first appear as 1..N in reading order and agree everywhere with References."""
    site, _ = built
    parsed = {url: parse_page(page_html(site, url)) for url in NAV}
    assert audit_pages(parsed, "references/", NAV) == []
    first: dict[str, int] = {}
    for url in NAV:
        for mark in parsed[url].marks:
            for key, link in zip(mark.keys, mark.links):
                first.setdefault(key, int(link[2]))
    assert list(first.values()) == list(range(1, len(first) + 1))
    assert list(first)[:3] == ["wang2024", "dagar2023", "wittibschlager2023"]


def test_references_page_lists_exactly_the_cited_entries(built: tuple[Path, str]) -> None:
    """The References page holds every .bib entry (all are cited), once, in number order."""
    site, _ = built
    entries = parse_page(page_html(site, "references/")).entries
    bibliography = load_bibliography(ROOT / "bib" / "references.bib")
    assert sorted(key for _, key, _ in entries) == sorted(bibliography.entries)
    assert [int(number) for _, _, number in entries] == list(range(1, 26))


def test_every_article_sentence_is_on_the_site(built: tuple[Path, str]) -> None:
    """Each sentence of the article appears word for word (citations removed, listed slips fixed)."""
    site, _ = built
    text = " ".join(article_text(page_html(site, url), GENERATED) for url in NAV)
    missing = [sentence for sentence in article_sentences() if sentence not in text]
    assert missing == []


def test_missing_reference_29_is_marked_not_invented(built: tuple[Path, str]) -> None:
    """Printed reference 29 is shown as an editorial note, and no citation is made up for it."""
    site, _ = built
    html = page_html(site, "future/")
    note = re.search(r'<span class="cite-missing"[^>]*data-missing="29".*?</span>', html)
    assert note and "has no item 29" in note.group(0)
    sentence = "making the production of sufficient doses challenging."
    after = html[html.index(sentence) + len(sentence):][:400]
    assert after.lstrip().startswith('<span class="cite-missing"') and 'class="cite"' not in after.split("</span>")[0]


def test_search_index_finds_icans_everywhere(built: tuple[Path, str]) -> None:
    """The search index has ICANS on the glossary and on every content page that mentions it."""
    site, _ = built
    index = json.loads((site / "search" / "search_index.json").read_text())
    separator = re.compile(index["config"]["separator"])
    for written in ("(ICANS)", "ICANS.", "ICANS,", "[ICANS]"):
        assert "ICANS" in separator.split(written)
    assert separator.split("CAR-NK") == ["CAR", "NK"]
    pages_with_icans = {doc["location"].split("#")[0] for doc in index["docs"] if "ICANS" in doc["text"] or "ICANS" in doc["title"]}
    assert {"glossary/", "nk-cells/", "evidence/", "future/"} <= pages_with_icans
    assert any(doc["location"] == "glossary/#icans" for doc in index["docs"])
    references = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("references/"))
    assert "Marin D" in references and "immunopeptidomics" in references


_ASSET = re.compile(r'<(?:script|img|iframe|source|video|audio|embed|link)\b[^>]*?\s(?:src|href|srcset)="([^"]+)"[^>]*>', re.I)


def test_no_asset_from_another_host(built: tuple[Path, str]) -> None:
    """No page or stylesheet loads anything from another host (links to DOIs stay plain links)."""
    site, _ = built
    offending = []
    for path in site.rglob("*.html"):
        for tag in _ASSET.finditer(path.read_text(encoding="utf-8")):
            if 'rel="canonical"' in tag.group(0):
                continue
            if re.match(r"^(?:[a-z]+:)?//", tag.group(1), re.I):
                offending.append(f"{path.relative_to(site)}: {tag.group(0)[:120]}")
    for path in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", path.read_text(encoding="utf-8")):
            if re.match(r"^(?:https?:)?//", url):
                offending.append(f"{path.relative_to(site)}: {url}")
    assert offending == []


def test_no_html_token_left_in_any_file(built: tuple[Path, str]) -> None:
    """Every token that stood for generated HTML in the Markdown was replaced (citesite.fragments)."""
    site, _ = built
    left = [str(path.relative_to(site)) for path in site.rglob("*.html") if "\x0e" in path.read_text(encoding="utf-8")]
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert left == [] and "\\u000e" not in index and "\x0e" not in index


def test_the_build_keeps_generated_html_out_of_markdown() -> None:
    """The hook registers the Markdown extension that stashes generated HTML (the fast path)."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    assert [type(ext) for ext in config.markdown_extensions if isinstance(ext, FragmentsExtension)] == [FragmentsExtension]


def test_serve_rebuilds_when_the_bibliography_changes() -> None:
    """`mkdocs serve` watches bib/ (the .bib and the DOI lockfile) as well as the pages."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert str(ROOT / "bib") in [str(Path(path).resolve()) for path in config.watch]


def test_abbreviations_on_every_page(built: tuple[Path, str]) -> None:
    """Every abbreviation written in a page's text carries its expansion (`<abbr title>`)."""
    site, _ = built
    defined = re.findall(r"^\*\[([^\]]+)\]:", (ROOT / "docs" / "includes" / "abbreviations.md").read_text(), re.M)
    assert "ICANS" in defined
    word = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in sorted(defined, key=len, reverse=True)) + r")(?![\w-])")
    for url in NAV:
        html = page_html(site, url)
        bare = word.findall(article_text(html, GENERATED, {"abbr", "code", "pre", "svg", "title"}))
        assert bare == [], f"{url}: {bare[:5]}"
        if word.search(article_text(html, GENERATED)):
            assert "<abbr title=" in html, url


def test_bibliography_is_downloadable(built: tuple[Path, str]) -> None:
    """The .bib file is offered for download, byte for byte."""
    site, _ = built
    assert (site / "downloads" / "references.bib").read_bytes() == (ROOT / "bib" / "references.bib").read_bytes()


def test_home_page_scholarly_metadata(built: tuple[Path, str]) -> None:
    """The home page has Highwire tags with one citation_reference per source, and JSON-LD."""
    site, _ = built
    html = page_html(site, "")
    assert '<meta name="citation_doi" content="10.35493/medu.48.30">' in html
    assert html.count('name="citation_reference"') == 25
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block and len(json.loads(block.group(1))["citation"]) == 25
    assert '<meta name="description"' in html


def test_unknown_key_fails_the_build(tmp_path: Path) -> None:
    """Citing a key the .bib lacks stops the build, naming page, line and key, once."""
    project = copy_project(tmp_path)
    page = project / "docs" / "solid-tumours.md"
    lines = page.read_text().splitlines()
    page.write_text("\n".join(lines + ["", "A sentence that cites nothing real.[@marin2042]", ""]))
    result = build(project, tmp_path / "site")
    assert result.returncode != 0
    assert f"ERROR   -  docs/solid-tumours.md:{len(lines) + 2}: unknown citation key 'marin2042'" in result.stderr
    assert result.stderr.count("marin2042") == 1
    assert "build stopped: 1 citation of a key that bib/references.bib does not have" in result.stderr


def test_malformed_bib_fails_the_build(tmp_path: Path) -> None:
    """A syntax error in the .bib stops the build, naming file and line."""
    project = copy_project(tmp_path)
    bib = project / "bib" / "references.bib"
    text = bib.read_text()
    bib.write_text(text.replace("  printed   = {1},\n}", "  printed   = {1,\n}", 1))
    result = build(project, tmp_path / "site")
    assert result.returncode != 0
    assert re.search(r"bib/references\.bib:\d+: syntax error", result.stderr), result.stderr[-2000:]


def test_html_in_a_field_is_shown_as_text(tmp_path: Path) -> None:
    """A .bib field holding HTML or script is escaped everywhere, never executed."""
    project = copy_project(tmp_path)
    bib = project / "bib" / "references.bib"
    bib.write_text(bib.read_text() + '\n@article{evil2025,\n  author = {Evil, E.},\n'
                   '  title = {<script>alert("x")</script><img src=x onerror=alert(1)>},\n'
                   '  journal = {J}, year = {2025}, doi = {10.1000/evil"><script>},\n}\n')
    page = project / "docs" / "solid-tumours.md"
    page.write_text(page.read_text() + "\n\nTest.[@evil2025]\n")
    result = build(project, tmp_path / "site")
    site = tmp_path / "site"
    combined = "".join(p.read_text() for p in site.rglob("*.html"))
    # JSON-LD holds the title as data; it must not be able to close its script element.
    json_ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>', combined, re.S)
    assert json_ld and all("</script" not in block for block in json_ld)
    markup = re.sub(r'<script type="application/ld\+json">.*?</script>', "", combined, flags=re.S)
    assert '<script>alert("x")' not in markup and "<img src=x" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in markup
    assert result.returncode == 0 or "evil2025" in result.stderr


def test_uncited_entry_fails_a_strict_build(tmp_path: Path) -> None:
    """An entry that no page cites is reported, and a strict build (so publishing) stops on it."""
    project = copy_project(tmp_path)
    bib = project / "bib" / "references.bib"
    bib.write_text(bib.read_text() + "\n@article{lonely2025,\n  title = {Never cited},\n  doi = {10.1000/lonely},\n}\n")
    result = build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "entry 'lonely2025' is never cited" in result.stderr
