"""The verification lockfile `bib/doi-lock.json`: what the registries said about each DOI, and when.

A *lock record* keeps one real resolution (found or not found) per DOI in normal form, with the
fingerprint of the `.bib` entry it was checked against. A record is *fresh* while it is younger
than the maximum age and the entry is unchanged; offline builds read only fresh records.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from citesite.bib import Author, BibEntry
from citesite.files import write_atomically
from citesite.resolve import FOUND, NOT_FOUND, Registered, Relation, Resolution

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: writes still replace atomically, without the lock
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("mkdocs.plugins.citesite")

LOCK_VERSION = 1
"""Format version written to the file."""
DEFAULT_MAX_AGE_DAYS = 30
"""A record older than this is stale and checked again."""


@dataclass(frozen=True)
class LockRecord:
    """One DOI's last real resolution."""

    doi: str
    """DOI in normal form (the record's key in the file)."""
    key: str
    """Citation key of the entry it was checked for."""
    status: str
    """Status given then (`verified`, `mismatch`, `not_found`, `retracted`), for reviewers."""
    checked_at: str
    """When, as ISO 8601 UTC (`2025-11-26T10:00:00Z`)."""
    fingerprint: str
    """`BibEntry.fingerprint` of the entry checked."""
    resolution: Resolution
    """What the registries said: RA, registered metadata, `updated-by` relations."""

    def is_fresh(self, entry: BibEntry, now: datetime, max_age_days: float = DEFAULT_MAX_AGE_DAYS) -> bool:
        """True while the entry is unchanged and the record younger than `max_age_days`."""
        checked = parse_time(self.checked_at)
        return (
            checked is not None
            and self.fingerprint == entry.fingerprint
            and now - checked <= timedelta(days=max_age_days)
        )


def format_time(moment: datetime) -> str:
    """ISO 8601 UTC to the second: `2025-11-26T10:00:00Z`."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime | None:
    """Inverse of `format_time`; None when unreadable."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def read_lock(path: str | Path) -> dict[str, LockRecord]:
    """Records by DOI; a missing file is empty, a corrupt one is logged and treated as empty."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        logger.warning("%s: cannot read the DOI lockfile (%s); treating it as empty", path, error)
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        logger.warning("%s:%d: corrupt DOI lockfile (%s); treating it as empty", path, error.lineno, error.msg)
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        logger.warning("%s: DOI lockfile has no 'entries' object; treating it as empty", path)
        return {}
    records: dict[str, LockRecord] = {}
    for doi, raw in entries.items():
        try:
            records[doi] = _record_from_json(doi, raw)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            logger.warning("%s: unreadable record for DOI '%s' (%s: %s); ignoring it", path, doi, type(error).__name__, error)
    return records


def update_lock(path: str | Path, records: Mapping[str, LockRecord], keep: Collection[str] | None = None) -> None:
    """Merge `records` into the lockfile atomically; with `keep`, drop DOIs not in it.

    Concurrent writers are serialised by an exclusive `flock` on the lockfile's directory (the
    file itself is replaced, so it cannot carry the lock), and each re-reads the file under the
    lock, so no writer loses another's records. The new text goes to a temporary file in the same
    directory and replaces the old one with `os.replace`, so readers see the old or the new file,
    never a half-written one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(path.parent):
        merged = read_lock(path)
        merged.update(records)
        if keep is not None:
            merged = {doi: record for doi, record in merged.items() if doi in keep}
        write_atomically(path, _dump(merged))


def _dump(records: Mapping[str, LockRecord]) -> str:
    entries = {doi: _record_to_json(record) for doi, record in records.items()}
    return json.dumps({"version": LOCK_VERSION, "entries": entries}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _record_to_json(record: LockRecord) -> dict[str, Any]:
    resolution = record.resolution
    registry = asdict(resolution.registered) if resolution.registered else None
    return {
        "key": record.key,
        "status": record.status,
        "checked_at": record.checked_at,
        "fingerprint": record.fingerprint,
        "found": resolution.outcome == FOUND,
        "ra": resolution.ra,
        "registry": registry,
        "updated_by": [asdict(relation) for relation in resolution.updated_by],
        "message": resolution.message,
    }


def _record_from_json(doi: str, raw: dict[str, Any]) -> LockRecord:
    registry = raw["registry"]
    registered = None
    if registry is not None:
        fields = dict(registry)
        fields["authors"] = tuple(Author(**author) for author in fields.get("authors", ()))
        registered = Registered(**fields)
    found = bool(raw["found"])
    if found and registered is None:
        raise ValueError("found but no registry metadata")
    resolution = Resolution(
        doi=doi,
        outcome=FOUND if found else NOT_FOUND,
        message=str(raw.get("message", "")),
        ra=str(raw.get("ra", "")),
        registered=registered,
        updated_by=tuple(Relation(**relation) for relation in raw.get("updated_by", ())),
    )
    if parse_time(str(raw["checked_at"])) is None:
        raise ValueError(f"bad checked_at {raw['checked_at']!r}")
    return LockRecord(
        doi=doi,
        key=str(raw["key"]),
        status=str(raw["status"]),
        checked_at=str(raw["checked_at"]),
        fingerprint=str(raw["fingerprint"]),
        resolution=resolution,
    )
