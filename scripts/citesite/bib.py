"""Load and validate the bibliography.

A *bibliography* is the parsed `.bib` file as frozen `BibEntry` records, in file order. Loading
fails with `BibError` (file and line) on malformed input; `validate` reports the problems that do
not stop parsing (duplicate DOI, entry without DOI or URL) as `BibProblem`s.

Parsing needs pybtex, imported only when a parse happens: given a cache folder, `load_bibliography`
reuses the records of an unchanged file (see `citesite.bibcache`).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from citesite.doi import normalize_doi

if TYPE_CHECKING:
    from pybtex.backends.plaintext import Backend
    from pybtex.database import Person
    from pybtex.scanner import PybtexSyntaxError

# Characters that make a value LaTeX rather than plain text: braces, commands, ties, math,
# TeX quotes and dashes.
_LATEX_MARKUP = re.compile(r"[{}\\~$%&]|``|''|--|,,|[!?]`")
_LATEX_COMMANDS = re.compile(r"[\\~$%&]|,,|[!?]`")
_TEX_TYPOGRAPHY = (("``", "“"), ("''", "”"), ("---", "—"), ("--", "–"))
_ENTRY_START = re.compile(r"^\s*@(?P<type>\w+)\s*\{\s*(?P<key>[^,\s]+)\s*,", re.MULTILINE)


class BibError(Exception):
    """The `.bib` file cannot be used: syntax error, repeated key, bad field value."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Author:
    """One person in an author list."""

    family: str
    """Family name(s), e.g. `Alinejad Shahabi`."""
    given: str
    """Given names or initials as written, e.g. `L. A.`."""

    @property
    def initials(self) -> str:
        """Initials without dots or spaces, as Vancouver writes them (`LA`)."""
        parts = re.split(r"[\s.]+", self.given)
        return "".join(part[0] for part in parts if part)

    @property
    def vancouver(self) -> str:
        """The name as Vancouver lists it: family name, then initials (`Alinejad Shahabi LA`)."""
        return f"{self.family} {self.initials}".strip()


@dataclass(frozen=True)
class BibEntry:
    """One source of the bibliography."""

    key: str
    """The citation key, as cited with `[@key]`."""
    entry_type: str
    """BibTeX entry type, lower case (`article`, `misc`)."""
    authors: tuple[Author, ...]
    """Authors in order; see `et_al` for a list cut short."""
    et_al: bool
    """The author list ends with `and others`: more authors exist than are recorded."""
    title: str
    """Title as plain text (braces and LaTeX removed)."""
    container: str
    """Journal (abbreviated as in the printed list) or, for web pages, the site."""
    year: str
    """Year of publication."""
    volume: str = ""
    """Volume."""
    issue: str = ""
    """Issue (BibTeX `number`)."""
    pages: str = ""
    """Page range as `first--last`, or an article number."""
    doi: str = ""
    """DOI in normal form (see `normalize_doi`); empty when the source has none."""
    doi_raw: str = ""
    """DOI exactly as written in the `.bib` file."""
    url: str = ""
    """URL, for sources without a DOI."""
    urldate: str = ""
    """ISO date the URL was accessed."""
    date: str = ""
    """Full publication date (ISO) where known beyond the year, e.g. for web pages."""
    printed: tuple[int, ...] = ()
    """The number(s) this source had in the printed article's reference list."""
    cited_as_retracted: bool = False
    """The text cites this source knowing it is retracted (field `retracted = {cited}`)."""
    line: int = 0
    """Line of the entry's `@type{key,` in the file."""
    source: str = ""
    """The entry's text in the `.bib` file, used to notice edits (see `fingerprint`)."""
    fields: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Every field as written (raw BibTeX values), for export."""

    @property
    def fingerprint(self) -> str:
        """Short SHA-256 of the entry's source text: changes whenever the entry is edited."""
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class BibProblem:
    """A problem found in an otherwise readable `.bib` file."""

    severity: str
    """`error` (the site must not be published) or `warning`."""
    key: str
    """Entry concerned."""
    line: int
    """Line of that entry."""
    message: str
    """What is wrong, naming the values."""


@dataclass(frozen=True)
class Bibliography:
    """The parsed `.bib` file."""

    path: str
    """File it was read from, as given."""
    entries: dict[str, BibEntry]
    """Entries by key, in file order."""

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __getitem__(self, key: str) -> BibEntry:
        return self.entries[key]

    def by_printed(self) -> dict[int, list[BibEntry]]:
        """Entries by the number(s) they had in the printed list, in file order (a number may have several)."""
        owners: dict[int, list[BibEntry]] = {}
        for entry in self.entries.values():
            for printed in entry.printed:
                owners.setdefault(printed, []).append(entry)
        return owners


def latex_to_text(value: str) -> str:
    """Turn a BibTeX field value into plain text: `{CAR} {T}-cell` -> `CAR T-cell`."""
    # Most values (names, journals, numbers) hold no LaTeX at all: skip the parser for them, it
    # costs ~0.2 ms a call and dominated loading a 5,000-entry file.
    if not _LATEX_MARKUP.search(value):
        return " ".join(value.split())
    if not _LATEX_COMMANDS.search(value):
        # Only case-protecting braces (`{CAR} {T}-cell`), TeX quotes and dashes: do what pybtex
        # would, without its parser (whose first use also loads latexcodec: ~25 ms a build).
        for tex, text in _TEX_TYPOGRAPHY:
            value = value.replace(tex, text)
        return " ".join(value.replace("{", "").replace("}", "").split())
    # pybtex drops the case-protecting braces and turns ``quotes'' into curly ones; latexcodec
    # (pybtex's own dependency) decodes what is left of commands, such as the accent in {\"u}.
    from pybtex.richtext import Text

    plain = Text.from_latex(value).render(_plain_text())
    if "\\" in plain:
        # Imported here, for the few values that need it: its codec costs ~25 ms to register.
        import latexcodec  # noqa: F401  (registers the 'ulatex' codec)

        plain = codecs.decode(plain, "ulatex")
    return " ".join(plain.split())


@functools.cache
def _plain_text() -> Backend:
    # `Text.render_as("text")` looks the backend up through package entry points on every call
    # (about 7 ms each); one backend object renders the same text at once.
    from pybtex.backends.plaintext import Backend

    return Backend()


def load_bibliography(path: str | Path, cache_dir: str | Path | None = None) -> Bibliography:
    """Read and parse a `.bib` file; raise `BibError` naming file and line on bad input.

    The result is kept while the file is unchanged (same size and modification time), so the
    rebuilds of `mkdocs serve`, which reload the configuration each time, do not parse it again.
    With `cache_dir`, it is also kept on disk for the next process (see `citesite.bibcache`).
    """
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), str(path), stat.st_mtime_ns, stat.st_size)
    cached = _LOADED.get(key)
    if cached is None:
        text = Path(path).read_text(encoding="utf-8")
        if cache_dir is None:
            cached = parse_bibliography(text, str(path))
        else:
            from citesite import bibcache  # it imports this module's records

            cache = bibcache.BibCache(Path(cache_dir) / f"{Path(path).name}.json", text, str(path))
            cached = cache.read()
            if cached is None:
                cached = parse_bibliography(text, str(path))
                cache.write(cached)
        _LOADED.clear()  # one file per site: keep only the latest version
        _LOADED[key] = cached
    return cached


_LOADED: dict[tuple[str, str, int, int], Bibliography] = {}


def parse_bibliography(text: str, path: str = "<string>") -> Bibliography:
    """Parse `.bib` text into a `Bibliography`; raise `BibError` naming file and line."""
    # Imported here: a build whose `.bib` is cached never needs pybtex.
    from pybtex.database import BibliographyDataError, parse_string
    from pybtex.scanner import PybtexSyntaxError

    starts = _entry_starts(text, path)
    try:
        data = parse_string(text, "bibtex")
    except PybtexSyntaxError as error:
        raise BibError(path, error.lineno or 0, _syntax_message(error)) from None
    except BibliographyDataError as error:
        raise BibError(path, 0, str(error)) from None

    entries: dict[str, BibEntry] = {}
    for key, entry in data.entries.items():
        line, source = starts.get(key.lower(), (0, ""))
        entries[key] = _to_entry(key, entry, line, source, path)
    return Bibliography(path=path, entries=entries)


def validate(bibliography: Bibliography) -> list[BibProblem]:
    """Problems that do not prevent loading: duplicate DOIs (error), no DOI or URL (warning)."""
    problems: list[BibProblem] = []
    by_doi: dict[str, BibEntry] = {}
    for entry in bibliography.entries.values():
        if entry.doi:
            first = by_doi.setdefault(entry.doi, entry)
            if first is not entry:
                problems.append(
                    BibProblem(
                        "error",
                        entry.key,
                        entry.line,
                        f"entry '{entry.key}' has the same DOI as '{first.key}' "
                        f"(line {first.line}): {entry.doi_raw}",
                    )
                )
        elif not entry.url:
            problems.append(
                BibProblem("warning", entry.key, entry.line, f"entry '{entry.key}' has neither a DOI nor a URL")
            )
    return problems


def entry_sources(text: str) -> list[tuple[int, str, str]]:
    """(line, key, text) of every entry, in file order, found by its `@type{key,` opening alone.

    `@comment`, `@preamble` and `@string` are skipped. The text runs to the next entry's opening;
    it is what `BibEntry.source` holds. Nothing is parsed, so this works on any `.bib` text.
    """
    matches = [m for m in _ENTRY_START.finditer(text) if m.group("type").lower() not in {"comment", "preamble", "string"}]
    entries = []
    line, counted = 1, 0
    for index, match in enumerate(matches):
        # Count lines from the previous entry, not from the top: linear in the file's size.
        line += text.count("\n", counted, match.start("type"))
        counted = match.start("type")
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        entries.append((line, match.group("key"), text[match.start() : end].strip()))
    return entries


def _entry_starts(text: str, path: str) -> dict[str, tuple[int, str]]:
    """Line and source text of every entry, by lower-cased key; raise on a repeated key."""
    starts: dict[str, tuple[int, str]] = {}
    for line, key, source in entry_sources(text):
        if key.lower() in starts:
            first_line = starts[key.lower()][0]
            raise BibError(path, line, f"duplicate key '{key}' (first defined on line {first_line})")
        starts[key.lower()] = (line, source)
    return starts


def _syntax_message(error: PybtexSyntaxError) -> str:
    message = str(error)
    # pybtex says "syntax error in line 3: '}' expected"; the line is already in our prefix.
    return re.sub(r"^syntax error in line \d+: ", "syntax error: ", message)


def _to_entry(key: str, entry: object, line: int, source: str, path: str) -> BibEntry:
    fields = {name.lower(): str(value) for name, value in entry.fields.items()}  # type: ignore[attr-defined]
    persons: list[Person] = list(entry.persons.get("author", []))  # type: ignore[attr-defined]
    et_al = bool(persons) and str(persons[-1]) == "others"
    if et_al:
        persons = persons[:-1]
    authors = tuple(_to_author(person) for person in persons)
    doi_raw = fields.get("doi", "").strip()
    doi = normalize_doi(doi_raw) if doi_raw else ""
    return BibEntry(
        key=key,
        entry_type=entry.type.lower(),  # type: ignore[attr-defined]
        authors=authors,
        et_al=et_al,
        title=latex_to_text(fields.get("title", "")),
        container=latex_to_text(fields.get("journal") or fields.get("howpublished") or fields.get("booktitle", "")),
        year=fields.get("year", "").strip(),
        volume=fields.get("volume", "").strip(),
        issue=fields.get("number", "").strip(),
        pages=fields.get("pages", "").strip(),
        doi=doi,
        doi_raw=doi_raw,
        url=fields.get("url", "").strip(),
        urldate=fields.get("urldate", "").strip(),
        date=_date(fields),
        printed=_printed_numbers(fields.get("printed", ""), path, line, key),
        cited_as_retracted=fields.get("retracted", "").strip().lower() == "cited",
        line=line,
        source=source,
        fields=fields,
    )


def _to_author(person: Person) -> Author:
    family = latex_to_text(" ".join(person.prelast_names + person.last_names))
    given = latex_to_text(" ".join(person.first_names + person.middle_names))
    return Author(family=family, given=given)


_MONTHS = {
    name: index
    for index, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december"],
        start=1,
    )
}


def _date(fields: dict[str, str]) -> str:
    """ISO date from `date`, or from `year`/`month`/`day` when a month is given."""
    if fields.get("date"):
        return fields["date"].strip()
    month = _MONTHS.get(fields.get("month", "").strip().lower())
    if not month:
        return ""
    iso = f"{fields.get('year', '').strip()}-{month:02d}"
    if fields.get("day", "").strip().isdigit():
        iso += f"-{int(fields['day']):02d}"
    return iso


def _printed_numbers(value: str, path: str, line: int, key: str) -> tuple[int, ...]:
    numbers = [part.strip() for part in value.split(",") if part.strip()]
    if not all(number.isdigit() for number in numbers):
        raise BibError(path, line, f"entry '{key}': field 'printed' must list numbers, got {value!r}")
    return tuple(int(number) for number in numbers)
