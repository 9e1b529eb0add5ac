"""The reference report: console text and the JSON document (`--json PATH`).

A *problem line* names the entry (key, site number, printed number), the field, the `.bib` value
and the registry value. Entries not yet verified are listed apart: they are not problems.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from citesite.check import NO_DOI, STATUSES, UNVERIFIED, VERIFIED, ReferenceResult
from citesite.problems import NumberingProblem


def summary(results: Sequence[ReferenceResult]) -> dict[str, int]:
    """Count of results per status, every status present (zero included), in report order."""
    counts = Counter(result.status for result in results)
    return {status: counts.get(status, 0) for status in STATUSES}


def report_document(results: Sequence[ReferenceResult], numbering: Sequence[NumberingProblem]) -> dict[str, Any]:
    """The JSON report: references (with problems), numbering problems, summary per status.

    Beyond the agreed keys, each reference carries `printed` and each problem its `severity`,
    so a reader can tell a year warning from an error.
    """
    return {
        "references": [
            {
                "key": result.key,
                "doi": result.doi,
                "number": result.number,
                "printed": list(result.printed),
                "status": result.status,
                "problems": [
                    {"field": problem.field, "bib": problem.bib, "registry": problem.registry, "severity": problem.severity}
                    for problem in result.problems
                ],
            }
            for result in results
        ],
        "numbering": {
            "problems": [
                {"kind": problem.kind, "page": problem.page, "line": problem.line, "key": problem.key, "detail": problem.detail}
                for problem in numbering
            ]
        },
        "summary": summary(results),
    }


def write_json_report(path: str | Path, results: Sequence[ReferenceResult], numbering: Sequence[NumberingProblem]) -> None:
    """Write `report_document` to `path` (indent 2, UTF-8, trailing newline)."""
    text = json.dumps(report_document(results, numbering), indent=2, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def console_report(results: Sequence[ReferenceResult], numbering: Sequence[NumberingProblem] = ()) -> str:
    """Counts per status, then one line per problem, then the entries not yet verified."""
    counts = summary(results)
    lines = ["references: " + ", ".join(f"{count} {status}" for status, count in counts.items() if count)]
    for result in results:
        label = _label(result)
        for problem in result.problems:
            lines.append(
                f"{problem.severity}: {label} {problem.field}: .bib {_shown(problem.bib)}, registry {_shown(problem.registry)}"
            )
        quiet = result.status in (VERIFIED, UNVERIFIED) or (result.status == NO_DOI and result.url)
        if not result.problems and not quiet:
            lines.append(f"error: {label} {result.status}: {result.detail}")
    pending = [result for result in results if result.status == UNVERIFIED]
    if pending:
        lines.append(f"not yet verified ({len(pending)}):")
        lines.extend(f"  {_label(result)} {result.detail}" for result in pending)
    if numbering:
        lines.append(f"numbering: {len(numbering)} problem(s)")
        lines.extend(f"{problem.severity}: {problem}" for problem in numbering)
    return "\n".join(lines) + "\n"


def _label(result: ReferenceResult) -> str:
    """`wittibschlager2023 [3, printed 3]`: key, site-wide number, printed number(s)."""
    site = str(result.number) if result.number is not None else "uncited"
    printed = ",".join(str(number) for number in result.printed)
    return f"{result.key} [{site}" + (f", printed {printed}]" if printed else "]")


def _shown(value: str) -> str:
    return f"'{value}'" if value else "(none)"
