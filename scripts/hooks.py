"""MkDocs adapter for `citesite`: routes build events to plain functions and holds one build's state.

Everything that numbers, renders or checks lives in `scripts/citesite/`; this file only reads
MkDocs objects, calls those functions and reports through MkDocs' logger.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data

from citesite import audit, chart, check, glossary, meta, pipeline
from citesite.bib import BibError, load_bibliography
from citesite.citations import PageSource
from citesite.fragments import Fragments, FragmentsExtension
from citesite.pipeline import BIB_FILE, CACHE_DIR, LOCK_FILE
from citesite.problems import NumberingProblem

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.citesite")

BIB_DOWNLOAD = "downloads/references.bib"
"""Where the site offers the bibliography for download."""
KEY_FIGURES = "data/key-figures.yml"
"""Data of the key-figures chart, relative to docs/; the chart replaces a `\\key_figures` line."""


class _Build:
    """State of one build; made anew in `on_config` so that `mkdocs serve` rebuilds start clean."""

    def __init__(self, config: MkDocsConfig) -> None:
        root = Path(config.config_file_path).parent
        self.root = root
        self.bib_path = root / BIB_FILE
        try:
            self.bibliography = load_bibliography(self.bib_path, root / CACHE_DIR)
        except BibError as error:
            raise PluginError(f"{BIB_FILE}:{error.line}: {error.message}") from None
        self.site: pipeline.SiteCitations | None = None
        self.sources: dict[str, PageSource] = {}
        self.terms: list[glossary.Term] = []
        self.glossary_url = ""
        self.article = meta.article_from_config(config.extra)
        self._chart: str | None = None
        self.docs = Path(config.docs_dir)
        self.commands: pipeline.Commands = {"\\key_figures": self.key_figures}
        self.fragments = Fragments()

    def key_figures(self) -> str:
        """The chart's HTML, made once per build (the numbering pass and the page both use it)."""
        if self._chart is None:
            try:
                self._chart = chart.render_key_figures(chart.load_key_figures(self.docs / KEY_FIGURES))
            except (OSError, chart.KeyFiguresError) as error:
                raise PluginError(str(error)) from None
        return self._chart


_build: _Build | None = None


# Ahead of other plugins (default priority 0), mkdocs-bibtex included should anyone add it back:
# .bib errors are reported here with file and line, and citations are rendered before any other
# plugin sees the Markdown, so none is left to become per-page footnotes.
@event_priority(50)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _build
    _build = _Build(config)
    # Generated HTML reaches Markdown as tokens this extension stashes (see citesite.fragments).
    config.markdown_extensions.append(FragmentsExtension(_build.fragments))  # type: ignore[arg-type]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    assert _build is not None
    files.append(File.generated(config, BIB_DOWNLOAD, content=_build.bib_path.read_bytes()))
    return files


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    assert _build is not None
    for page in nav.pages:
        raw = page.file.content_string
        body, page_meta = get_data(raw)
        path = _display_path(_build.docs / page.file.src_path, _build.root)
        offset = raw[: len(raw) - len(body)].count("\n")
        body = pipeline.expand_commands(body, _build.commands)
        _build.sources[page.file.src_uri] = PageSource(path, page.file.url, page.title or page.file.name, body, offset)
        if "terms" in page_meta:
            try:
                _build.terms = glossary.terms_from_meta(page_meta)
            except ValueError as error:
                raise PluginError(f"{path}: {error}") from None
            _build.glossary_url = page.file.url
    site = pipeline.prepare(_build.bibliography, list(_build.sources.values()))
    problems = pipeline.source_problems(site)
    for problem in problems:
        _report(problem)
    unknown = [problem for problem in problems if problem.kind == "unknown_key"]
    if unknown:
        # mkdocs-bibtex would drop these from the text silently; a missing citation must stop the
        # build. Each was logged above with its page and line; the abort message only counts them.
        count = f"{len(unknown)} citation{'s' if len(unknown) > 1 else ''}"
        raise PluginError(f"build stopped: {count} of a key that {BIB_FILE} does not have (listed above)")
    _check_dois(site)
    _build.site = site
    return nav


@event_priority(50)
def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    assert _build is not None and _build.site is not None
    # A page outside the nav is not in the reading order: its citations get numbers only if the
    # nav cites the same sources (others are reported by the numbering as unknown).
    source = _build.sources.get(page.file.src_uri) or PageSource(page.file.src_uri, page.file.url, page.title or "", markdown)
    markdown = pipeline.expand_commands(markdown, _build.commands)
    return pipeline.render_markdown(markdown, source, _build.site, _linker(page), _build.fragments)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    assert _build is not None and _build.site is not None
    html = _build.fragments.restore(html)
    if not _build.terms or page.file.url in {_build.glossary_url, _build.site.urls.references}:
        return html
    glossary_url = _build.glossary_url
    link = _linker(page)
    return glossary.link_terms(html, _build.terms, lambda anchor: link(f"{glossary_url}#{anchor}"))


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    assert _build is not None and _build.site is not None
    if not page.is_homepage or _build.article is None:
        return output
    site = _build.site
    sources = [site.bibliography[key] for key in site.numbering.numbers]
    url = page.canonical_url or ""
    head = meta.highwire_tags(_build.article, sources, url) + "\n" + meta.json_ld(_build.article, sources, url) + "\n"
    return output.replace("</head>", head + "</head>", 1)


def on_post_build(config: MkDocsConfig) -> None:
    assert _build is not None and _build.site is not None
    for problem in audit.audit_site(Path(config.site_dir), _build.site, list(_build.sources.values())):
        _report(problem)


def site_numbers() -> dict[str, int]:
    """Site-wide number of each cited key in the last build (for `python -m citesite check`)."""
    if _build is None or _build.site is None:
        return {}
    return dict(_build.site.numbering.numbers)


def _report(problem: NumberingProblem) -> None:
    """Log a numbering problem at its severity, so `--strict` (and so publishing) fails on it.

    MkDocs counts both: an uncited entry or one without DOI or URL is worth stopping a strict
    build for, while `mkdocs serve` keeps going. The record carries the problem itself, so
    `python -m citesite check` can collect them.
    """
    level = logging.ERROR if problem.severity == "error" else logging.WARNING
    log.log(level, str(problem), extra={"citesite_problem": problem})


def _check_dois(site: pipeline.SiteCitations) -> None:
    """The offline DOI check: statuses from the lockfile only; no request leaves the machine."""
    assert _build is not None
    results = check.check_references(
        _build.bibliography, online=False, lock_path=_build.root / LOCK_FILE, numbers=site.numbering.numbers
    )
    site.verified = {r.key: r.checked_at[:10] for r in results if r.status == check.VERIFIED and r.checked_at}
    for result in results:
        if result.status in check.PROBLEM_STATUSES:
            fields = "; ".join(f"{p.field}: .bib '{p.bib}', registry '{p.registry}'" for p in result.problems if p.severity == "error")
            log.warning(f"{LOCK_FILE}: '{result.key}' is {result.status}" + (f" ({fields})" if fields else ""))
    pending = [result.key for result in results if result.status == check.UNVERIFIED]
    if pending:
        log.info(f"{len(pending)} DOI(s) not yet verified (run make check-refs): {', '.join(pending)}")


def _linker(page: Page) -> pipeline.Link:
    return lambda target: get_relative_url(target, page.url) if target else ""


def _display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
