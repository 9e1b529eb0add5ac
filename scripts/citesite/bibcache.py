"""Keep a parsed `.bib` file on disk so the next build need not parse it, nor import pybtex.

Importing pybtex and parsing the article's bibliography cost ~25 ms of a 0.8 s build
(BENCHMARKS.md: *full* against *full-cold*). A `BibCache` stores the parsed records as JSON under
a *digest* of everything the parse depends on: the file's text, the path that error messages
name, and the parser (the source of `bib.py`, `doi.py` and this module, and where and when pybtex
and latexcodec were installed). Any change to one of them is a miss, and the file is parsed
again. A cache file that cannot be read, is corrupt or has another shape is a miss too; one that
cannot be written is skipped. Files that fail to parse are never stored, so their errors are
reported on every build.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from citesite import bib, doi
from citesite.bib import Author, BibEntry, Bibliography
from citesite.files import write_atomically


class BibCache:
    """The cached parse of one `.bib` text, in `cache_file`."""

    def __init__(self, cache_file: Path, text: str, path: str) -> None:
        self.cache_file = cache_file
        self.digest = digest(text, path)

    def read(self) -> Bibliography | None:
        """The stored bibliography if it was parsed from the same text by the same code, else None."""
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if data.get("digest") != self.digest:
                return None
            entries = {record["key"]: _entry_from_json(record) for record in data["entries"]}
            return Bibliography(path=data["path"], entries=entries)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, bibliography: Bibliography) -> None:
        """Store `bibliography` under this text's digest, replacing any earlier version."""
        data = {
            "digest": self.digest,
            "path": bibliography.path,
            "entries": [dataclasses.asdict(entry) for entry in bibliography.entries.values()],
        }
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.cache_file, json.dumps(data, ensure_ascii=False))
        except OSError:
            pass  # a read-only tree: parse again next time


def digest(text: str, path: str) -> str:
    """SHA-256 of the `.bib` text, the path it is known by, and the parser's version."""
    sha = hashlib.sha256()
    for part in (text, path, code_version()):
        sha.update(part.encode("utf-8"))
        sha.update(b"\0")
    return sha.hexdigest()


@functools.cache
def code_version() -> str:
    """Fingerprint of the code a parse depends on; finding pybtex and latexcodec does not import them."""
    sha = hashlib.sha256()
    for module in (bib, doi):
        sha.update(Path(module.__file__ or "").read_bytes())
    sha.update(Path(__file__).read_bytes())
    for name in ("pybtex", "latexcodec"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None and spec.origin else ""
        installed = os.stat(origin).st_mtime_ns if origin else 0
        sha.update(f"{name}:{origin}:{installed}\0".encode("utf-8"))
    return sha.hexdigest()


def _entry_from_json(record: dict[str, Any]) -> BibEntry:
    return BibEntry(
        **{
            **record,
            "authors": tuple(Author(**author) for author in record["authors"]),
            "printed": tuple(record["printed"]),
        }
    )
