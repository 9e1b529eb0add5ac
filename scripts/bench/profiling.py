"""Profile one build with pyinstrument and say where the citation work spends its time.

Run as `python -m bench.profiling SITE_ROOT OUT.json` (a child process, so the hook's module state
and imports start fresh). *Events* are the outermost frames in `scripts/hooks.py` and in
mkdocs-bibtex; *hotspots* are functions of `scripts/citesite/` with their time net of nested
citesite functions (the function itself plus the library calls it makes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OURS = (f"{os.sep}citesite{os.sep}", f"{os.sep}hooks.py", f"{os.sep}mkdocs_bibtex{os.sep}")
KNOWN_FIXES = {
    "citesite/audit.py:<genexpr>": (
        "`audit._check_link` finds which entry owns a link's fragment by scanning every References entry, for every "
        "citation link (links × entries): build the id → key map once per audit"),
    "citesite/bib.py:_entry_starts": (
        "the line of each entry is counted from the top of the file (entries × file size): count from the previous entry"),
    "citesite/meta.py:json_ld": (
        "`json.dumps(..., indent=1)` runs Python's pure-Python encoder: without `indent` the C encoder does it"),
    "mkdocs_bibtex/__init__.py:<module>": (
        "mkdocs-bibtex is imported (with its pypandoc and requests imports) although the hook renders every citation "
        "before it runs: take `bibtex` out of `plugins:` in mkdocs.yml (the diagnostic row above measures that build)"),
    "mkdocs_bibtex/plugin.py:on_config": (
        "mkdocs-bibtex parses the `.bib` a second time with pybtex for nothing: take it out of `plugins:`"),
}
"""Known hotspots and the fix each calls for, shown in the report while the hotspot is still there."""


@dataclass(frozen=True)
class Profile:
    """Where one profiled build spent its time (seconds, under the profiler)."""

    total_s: float
    """Whole build, imports included."""
    events: list[tuple[str, float]]
    """Hook and mkdocs-bibtex frames (outermost), largest first."""
    hotspots: list[tuple[str, float]]
    """citesite functions by time net of nested citesite functions, largest first."""


def available() -> bool:
    """True when pyinstrument is installed (a benchmark requirement, not a project one)."""
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        return False
    return True


def profile_build(root: Path, project: Path, python: str = sys.executable) -> Profile | None:
    """Profile `mkdocs build` of the site in `root`; None without pyinstrument."""
    if not available():
        return None
    from bench.timing import build_env

    out = root / ".profile.json"
    env = build_env(project)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent.parent), env["PYTHONPATH"]])
    subprocess.run([python, "-m", "bench.profiling", str(root), str(out)], cwd=root, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    data = json.loads(out.read_text(encoding="utf-8"))
    return Profile(data["total_s"], [tuple(item) for item in data["events"]], [tuple(item) for item in data["hotspots"]])


def fixes(found: Profile, min_share: float = 0.02) -> list[str]:
    """Proposed fixes for the known hotspots that take at least `min_share` of the profiled build."""
    lines = []
    for name, seconds in [*found.events, *found.hotspots]:
        if name in KNOWN_FIXES and seconds >= min_share * found.total_s:
            lines.append(f"- `{name}` ({seconds:.2f} s, {100 * seconds / found.total_s:.0f} %): {KNOWN_FIXES[name]}.")
    return lines


def _label(frame: Any) -> str:
    path = frame.file_path or ""
    for marker in ("citesite", "mkdocs_bibtex"):
        if f"{os.sep}{marker}{os.sep}" in path:
            return f"{marker}/{Path(path).name}:{frame.function}"
    return f"{Path(path).name}:{frame.function}"


def _ours(frame: Any) -> bool:
    return any(marker in (frame.file_path or "") for marker in OURS)


def _walk(frame: Any, events: dict[str, float], hotspots: dict[str, float], inside: bool) -> None:
    ours = _ours(frame)
    if ours and not inside:
        events[_label(frame)] = events.get(_label(frame), 0.0) + frame.time
    if ours and f"{os.sep}citesite{os.sep}" in (frame.file_path or ""):
        nested = sum(child_time for child_time in _nearest_citesite(frame))
        hotspots[_label(frame)] = hotspots.get(_label(frame), 0.0) + frame.time - nested
    for child in frame.children:
        _walk(child, events, hotspots, inside or ours)


def _nearest_citesite(frame: Any) -> list[float]:
    found = []
    for child in frame.children:
        if f"{os.sep}citesite{os.sep}" in (child.file_path or ""):
            found.append(child.time)
        else:
            found.extend(_nearest_citesite(child))
    return found


def _main(root: str, out: str) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    started = time.perf_counter()
    profiler.start()
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(Path(root) / "mkdocs.yml"), site_dir=str(Path(root) / ".profile-site"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    profiler.stop()
    total = time.perf_counter() - started
    events: dict[str, float] = {}
    hotspots: dict[str, float] = {}
    root_frame = profiler.last_session.root_frame()
    if root_frame is not None:
        _walk(root_frame, events, hotspots, False)
    top = lambda found: sorted(((name, round(seconds, 4)) for name, seconds in found.items()), key=lambda item: -item[1])  # noqa: E731
    Path(out).write_text(json.dumps({"total_s": total, "events": top(events)[:12], "hotspots": top(hotspots)[:12]}), encoding="utf-8")


if __name__ == "__main__":
    _main(*sys.argv[1:3])
