"""Tests for citesite.bibcache: a cached parse equals a fresh one and is used only when still valid."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from citesite import bib, bibcache
from citesite.bib import BibError, Bibliography, load_bibliography, parse_bibliography

ROOT = Path(__file__).parents[1]
REFERENCES = ROOT / "bib" / "references.bib"
FIXTURES = Path(__file__).parent / "fixtures" / "bib"


@pytest.fixture(autouse=True)
def _no_in_process_cache() -> None:
    """Each load goes to the disk cache, as in a new build process."""
    bib._LOADED.clear()


def _load_fresh(path: Path, cache_dir: Path) -> Bibliography:
    bib._LOADED.clear()
    return load_bibliography(path, cache_dir)


def _same(left: Bibliography, right: Bibliography) -> None:
    assert left == right
    # `fields` is left out of equality; the export needs it too.
    assert [entry.fields for entry in left.entries.values()] == [entry.fields for entry in right.entries.values()]


def test_cached_bibliography_equals_the_parsed_one(tmp_path: Path) -> None:
    """The project's .bib read back from the cache is the parse, field for field and in file order."""
    parsed = parse_bibliography(REFERENCES.read_text(encoding="utf-8"), str(REFERENCES))
    first = _load_fresh(REFERENCES, tmp_path)
    assert (tmp_path / "references.bib.json").is_file()
    second = _load_fresh(REFERENCES, tmp_path)
    assert second is not first
    _same(first, parsed)
    _same(second, parsed)
    assert list(second.entries) == list(parsed.entries)
    assert all(isinstance(entry.authors, tuple) and isinstance(entry.printed, tuple) for entry in second.entries.values())


def test_a_cached_build_does_not_import_pybtex(tmp_path: Path) -> None:
    """With the cache filled, a new process loads the bibliography without pybtex; without it, pybtex is needed."""
    program = (
        "import sys; from citesite.bib import load_bibliography; "
        f"load_bibliography({str(REFERENCES)!r}, {str(tmp_path)!r}); "
        "print('pybtex' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}

    def imports_pybtex() -> bool:
        result = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
        return result.stdout.strip() == "True"

    assert imports_pybtex()  # empty cache: parsed
    assert not imports_pybtex()  # filled by the first run


def test_an_edit_is_seen(tmp_path: Path) -> None:
    """A changed text misses the cache and replaces its file."""
    path = tmp_path / "r.bib"
    cache = tmp_path / "cache"
    path.write_text("@article{a, title={One}, doi={10.1/a}}\n", encoding="utf-8")
    assert _load_fresh(path, cache)["a"].title == "One"
    path.write_text("@article{a, title={Two}, doi={10.1/a}}\n@article{b, title={Three}}\n", encoding="utf-8")
    edited = _load_fresh(path, cache)
    assert edited["a"].title == "Two" and list(edited.entries) == ["a", "b"]
    assert len(list(cache.iterdir())) == 1


def test_another_parser_version_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest covers the parser: a different code version does not reuse the stored records."""
    text = "@article{a, title={One}}\n"
    before = bibcache.digest(text, "r.bib")
    monkeypatch.setattr(bibcache, "code_version", lambda: "another parser")
    assert bibcache.digest(text, "r.bib") != before
    assert bibcache.digest(text, "other/r.bib") != bibcache.digest(text, "r.bib")


def test_code_version_follows_the_parser_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing bib.py gives another fingerprint; the same code gives the same one."""
    compute = bibcache.code_version.__wrapped__  # type: ignore[attr-defined]
    assert compute() == compute() == bibcache.code_version()
    edited = tmp_path / "bib.py"
    edited.write_text(Path(bib.__file__).read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    monkeypatch.setattr(bib, "__file__", str(edited))
    assert compute() != bibcache.code_version()


@pytest.mark.parametrize(
    "content",
    ["", "{not json", "[]", '{"digest": 1}', "DIGEST-ONLY", "BAD-ENTRY"],
)
def test_unusable_cache_files_are_misses(tmp_path: Path, content: str) -> None:
    """Empty, corrupt or wrongly shaped cache files are parsed over and replaced with a good one."""
    path = tmp_path / "r.bib"
    path.write_text("@article{a, author={Li, Wei and others}, title={{CAR} cells}, printed={2,3}}\n", encoding="utf-8")
    cache_file = tmp_path / "cache" / "r.bib.json"
    cache_file.parent.mkdir()
    right_digest = bibcache.digest(path.read_text(encoding="utf-8"), str(path))
    content = {
        "DIGEST-ONLY": json.dumps({"digest": right_digest}),
        "BAD-ENTRY": json.dumps({"digest": right_digest, "path": str(path), "entries": [{"key": "a", "authors": 3}]}),
    }.get(content, content)
    cache_file.write_text(content, encoding="utf-8")
    loaded = _load_fresh(path, cache_file.parent)
    assert loaded["a"].title == "CAR cells" and loaded["a"].printed == (2, 3) and loaded["a"].et_al
    assert json.loads(cache_file.read_text(encoding="utf-8"))["digest"] == right_digest
    _same(_load_fresh(path, cache_file.parent), loaded)


def test_a_malformed_file_is_never_stored(tmp_path: Path) -> None:
    """Every build reports a syntax error with file and line; nothing is cached for it."""
    path = tmp_path / "malformed.bib"
    shutil.copy(FIXTURES / "malformed.bib", path)
    for _ in range(2):
        with pytest.raises(BibError) as error:
            _load_fresh(path, tmp_path / "cache")
        assert str(error.value).startswith(f"{path}:")
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    """A cache folder that cannot be made (here, a file is in the way) leaves loading unharmed."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder", encoding="utf-8")
    loaded = _load_fresh(REFERENCES, blocker)
    assert loaded == parse_bibliography(REFERENCES.read_text(encoding="utf-8"), str(REFERENCES))
    assert blocker.read_text(encoding="utf-8") == "not a folder"
