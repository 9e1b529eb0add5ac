"""Problems found by the numbering audit, shared by the build hook, the report and the CLI.

A *numbering problem* is anything that makes the site's citation numbers untrustworthy: an unknown
key, a duplicate DOI, a number that differs between a page and the References page, a printed
number that maps to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NumberingProblem:
    """One fault in citation keys or numbering, located as precisely as it can be."""

    kind: str
    """Short machine-readable name: `unknown_key`, `duplicate_key`, `duplicate_doi`, `uncited`,
    `no_identifier`, `order`, `inconsistent_number`, `broken_link`, `references_mismatch`,
    `printed_unmapped`, `bib_syntax`."""
    page: str
    """Source file (`docs/safety.md`, `bib/references.bib`) or built page URL; empty if none."""
    line: int
    """1-based line in `page`, 0 when not known."""
    key: str
    """Citation key concerned; empty if none."""
    detail: str
    """Sentence naming the values, e.g. `unknown citation key 'marin2042'`."""
    severity: str = "error"
    """`error` (blocks publishing, fails `--strict`) or `warning` (reported only)."""

    def __str__(self) -> str:
        place = f"{self.page}:{self.line}" if self.line else self.page
        return f"{place}: {self.detail}" if place else self.detail
