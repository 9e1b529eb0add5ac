"""Tests for citesite.files: atomic writes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from citesite.files import write_atomically


def test_write_replaces_the_file_whole(tmp_path: Path) -> None:
    """The new text replaces the old; the file is readable by others (0644); no temporary file stays."""
    path = tmp_path / "out.json"
    path.write_text("old", encoding="utf-8")
    write_atomically(path, "new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    """Text that cannot be encoded raises; the old file is untouched and the temporary file removed."""
    path = tmp_path / "out.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "half \ud800")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
