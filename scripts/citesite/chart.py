"""Render the article's key figures as an accessible chart: inline SVG bars plus a data table.

*Key figures* are numbers the article quotes, grouped in *panels* that share a scale. Each *datum*
keeps its label, value, unit, the sentence it comes from and the citation key printed with that
sentence (None where the article prints none). A value may be *not observed*: it is drawn as a
labelled marker, never as a bar of length 0, because "not observed" is not a measured 0%.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path

import yaml

NOT_OBSERVED = "not observed"
"""The value written in the YAML file for a figure the article reports as not observed."""

Cite = Callable[[str], str]
"""Turns a citation key into the HTML shown for it (the build passes its superscript renderer)."""

WIDTH = 360
"""Width of each panel's SVG in user units; narrow so that text stays legible on phones."""
BAR_MAX = 216
"""Length of a bar at the panel's `scale_max`; the rest of the width holds the value text."""
LABEL_CHARS = 48
"""Labels wrap at this many characters (about the SVG's width at its font size)."""
_LINE = 16
_BAR = 16
_GAP = 14

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Pandoc's key characters without `&`, `<` and `>`, so a key is the same text escaped or not.
_KEY = re.compile(r"^\w[\w:.#$%+?~/-]*$")
_TOP_FIELDS = {"title", "caption", "panels"}
_PANEL_FIELDS = {"id", "title", "scale_max", "data", "note"}
_DATUM_FIELDS = {"label", "value", "unit", "sentence", "cite", "qualifier"}


class KeyFiguresError(ValueError):
    """The key-figures data has the wrong shape; the message names the file and the field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}")
        self.path = path
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Datum:
    """One figure quoted in the article."""

    label: str
    """What the figure measures, e.g. `CAR T-cell therapy: all-grade ICANS`."""
    value: float | None
    """The number, or None when the article reports the event as not observed."""
    unit: str
    """Unit shown after the number: `%` (no space) or a word such as `trials`."""
    sentence: str
    """The article's sentence the figure comes from, word for word."""
    cite: str | None
    """Citation key printed with that sentence; None where the article prints no citation."""
    qualifier: str = ""
    """Words shown before the number, e.g. `at least`."""

    @property
    def observed(self) -> bool:
        """False for a figure reported as not observed (no value to draw)."""
        return self.value is not None

    @property
    def display(self) -> str:
        """The value as text: `26.9%`, `at least 120 trials`, `not observed`."""
        return NOT_OBSERVED if self.value is None else format_value(self.value, self.unit, self.qualifier)


@dataclass(frozen=True)
class Panel:
    """Figures drawn on one shared scale."""

    id: str
    """Short id, unique in the chart, used in HTML ids (`icans`)."""
    title: str
    """Heading shown above the bars and used as the SVG's title."""
    scale_max: float
    """The value a full-length bar stands for; every value lies between 0 and it."""
    data: tuple[Datum, ...]
    """The figures, in the order drawn."""
    note: str = ""
    """Shown under the bars, after any citations (e.g. `As described in the article`)."""

    @property
    def unit(self) -> str:
        """The unit the panel's figures share."""
        return self.data[0].unit


@dataclass(frozen=True)
class KeyFigures:
    """The whole chart."""

    title: str
    """Title, shown in bold at the start of the caption."""
    caption: str
    """Caption text after the title."""
    panels: tuple[Panel, ...]
    """Panels in the order shown."""


def format_value(value: float, unit: str, qualifier: str = "") -> str:
    """`26.9` + `%` -> `26.9%`; `120` + `trials` + `at least` -> `at least 120 trials`."""
    number = f"{int(value):,}" if value.is_integer() else f"{value:,}"
    spaced_unit = unit if unit.startswith("%") else f" {unit}"
    return f"{qualifier} {number}{spaced_unit}".strip()


def load_key_figures(path: str | Path) -> dict:
    """Read the YAML file and check its shape; raise `KeyFiguresError` naming file and field."""
    name = str(path)
    try:
        # libyaml's safe loader where PyYAML has it (5 ms less a build), the pure-Python one otherwise.
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as error:
        raise KeyFiguresError(name, "(file)", f"cannot be read: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise KeyFiguresError(name, where, f"not valid YAML: {getattr(error, 'problem', error)}") from None
    parse_key_figures(data, name)
    return data


def parse_key_figures(data: object, path: str = "<data>") -> KeyFigures:
    """Turn the loaded YAML into records; raise `KeyFiguresError` naming `path` and the field."""
    top = _mapping(data, path, "(top level)", _TOP_FIELDS)
    panels_raw = top.get("panels")
    if not isinstance(panels_raw, list) or not panels_raw:
        raise KeyFiguresError(path, "panels", "must be a non-empty list of panels")
    panels = tuple(_panel(raw, path, f"panels[{index}]") for index, raw in enumerate(panels_raw))
    seen: set[str] = set()
    for index, panel in enumerate(panels):
        if panel.id in seen:
            raise KeyFiguresError(path, f"panels[{index}].id", f"'{panel.id}' is used by an earlier panel")
        seen.add(panel.id)
    return KeyFigures(
        title=_text(top, "title", path, ""),
        caption=_text(top, "caption", path, ""),
        panels=panels,
    )


def render_key_figures(data: Mapping[str, object], cite: Cite | None = None, *, id_prefix: str = "kf") -> str:
    """The chart as one HTML block: a figure with an SVG per panel, a data table and a caption.

    `cite` renders a citation key as HTML; by default it writes pandoc's `[@key]`, for a build step
    that renders citations after this one. The HTML has no blank line, so Markdown keeps it as one
    raw block, and no script or external asset.
    """
    figures = parse_key_figures(data)
    cite = cite or (lambda key: f"[@{escape(key)}]")
    parts = [f'<figure class="kf" id="{escape(id_prefix)}">', '<div class="kf__panels">']
    for panel in figures.panels:
        parts.append(_render_panel(panel, cite, f"{id_prefix}-{panel.id}"))
    parts.append("</div>")
    parts.append(_render_table(figures, cite))
    caption = f"<strong>{escape(figures.title)}.</strong> " if figures.title else ""
    parts.append(f'<figcaption class="kf__caption">{caption}{escape(figures.caption)}</figcaption>')
    parts.append("</figure>")
    return "\n".join(parts)


def _render_panel(panel: Panel, cite: Cite, ident: str) -> str:
    rows: list[str] = []
    y = 0
    for datum in panel.data:
        lines = textwrap.wrap(datum.label, LABEL_CHARS) or [""]
        for line in lines:
            y += _LINE
            rows.append(f'<text class="kf__label" x="0" y="{y - 4}" fill="currentColor">{escape(line)}</text>')
        top = y + 2
        middle = top + _BAR / 2
        if datum.value is None:
            # A hollow, dashed marker and the words: nothing that could read as a bar of 0.
            rows.append(
                f'<circle class="kf__marker" cx="7" cy="{middle:g}" r="6" fill="none" stroke="currentColor" '
                f'stroke-dasharray="3 2"/>'
            )
            text_x = 20.0
        else:
            length = round(datum.value / panel.scale_max * BAR_MAX, 2)
            rows.append(
                f'<rect class="kf__bar" x="0" y="{top:g}" width="{length:g}" height="{_BAR}" fill="#3f51b5"/>'
            )
            text_x = length + 6
        rows.append(
            f'<text class="kf__value" x="{text_x:g}" y="{middle + 4.5:g}" fill="currentColor">'
            f"{escape(datum.display)}</text>"
        )
        y = top + _BAR + _GAP
    height = y - _GAP + 4
    description = " ".join(f"{datum.label}: {datum.display}." for datum in panel.data)
    svg = (
        f'<svg class="kf__svg" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}" font-size="13" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(panel.title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>' + "".join(rows) + "</svg>"
    )
    keys = list(dict.fromkeys(datum.cite for datum in panel.data if datum.cite))
    sources = ["Source: " + ", ".join(cite(key) for key in keys)] if keys else []
    if panel.note:
        sources.append(escape(panel.note))
    scale = f"Bars are drawn on a scale from 0 to {format_value(panel.scale_max, panel.unit)}."
    return (
        f'<div class="kf__panel" id="{ident}">'
        f'<p class="kf__title">{escape(panel.title)}</p>'
        f'<p class="kf__scale">{escape(scale)}</p>{svg}'
        f'<p class="kf__source">{" ".join(sources)}</p></div>'
    )


def _render_table(figures: KeyFigures, cite: Cite) -> str:
    body: list[str] = []
    for panel in figures.panels:
        body.append(f'<tr><th scope="colgroup" colspan="4">{escape(panel.title)}</th></tr>')
        for datum in panel.data:
            source = cite(datum.cite) if datum.cite else "None in print: as described in the article"
            body.append(
                f'<tr><th scope="row">{escape(datum.label)}</th><td>{escape(datum.display)}</td>'
                f"<td>{escape(datum.sentence)}</td><td>{source}</td></tr>"
            )
    return (
        '<details class="kf__data"><summary>Data table</summary>'
        '<table class="kf__table"><thead><tr><th scope="col">Figure</th><th scope="col">Value</th>'
        '<th scope="col">Sentence in the article</th><th scope="col">Citation</th></tr></thead>'
        "<tbody>\n" + "\n".join(body) + "\n</tbody></table></details>"
    )


def _panel(raw: object, path: str, where: str) -> Panel:
    panel = _mapping(raw, path, where, _PANEL_FIELDS)
    ident = _text(panel, "id", path, where=where)
    if not _ID.match(ident):
        raise KeyFiguresError(path, f"{where}.id", f"'{ident}' must be lower-case letters, digits and hyphens")
    scale_max = _number(panel.get("scale_max"), path, f"{where}.scale_max")
    if scale_max <= 0:
        raise KeyFiguresError(path, f"{where}.scale_max", f"must be greater than 0, got {scale_max:g}")
    data_raw = panel.get("data")
    if not isinstance(data_raw, list) or not data_raw:
        raise KeyFiguresError(path, f"{where}.data", "must be a non-empty list of figures")
    data = tuple(_datum(item, path, f"{where}.data[{index}]", scale_max) for index, item in enumerate(data_raw))
    for index, datum in enumerate(data):
        if datum.unit != data[0].unit:
            raise KeyFiguresError(
                path, f"{where}.data[{index}].unit",
                f"'{datum.unit}' differs from the panel's first unit '{data[0].unit}' (one scale per panel)",
            )
    return Panel(
        id=ident,
        title=_text(panel, "title", path, where=where),
        scale_max=scale_max,
        data=data,
        note=_text(panel, "note", path, "", where),
    )


def _datum(raw: object, path: str, where: str, scale_max: float) -> Datum:
    datum = _mapping(raw, path, where, _DATUM_FIELDS)
    if "value" not in datum:
        raise KeyFiguresError(path, f"{where}.value", "is missing")
    value_raw = datum["value"]
    value: float | None
    if isinstance(value_raw, str) and value_raw.strip().lower() == NOT_OBSERVED:
        value = None
    else:
        value = _number(value_raw, path, f"{where}.value", f"a number or '{NOT_OBSERVED}'")
        if not 0 <= value <= scale_max:
            raise KeyFiguresError(path, f"{where}.value", f"{value:g} lies outside the panel's scale 0..{scale_max:g}")
    if "cite" not in datum:
        raise KeyFiguresError(path, f"{where}.cite", "is missing (write null where the article prints no citation)")
    cite = datum["cite"]
    if cite is not None and not (isinstance(cite, str) and _KEY.match(cite)):
        raise KeyFiguresError(path, f"{where}.cite", f"must be a citation key or null, got {cite!r}")
    return Datum(
        label=_text(datum, "label", path, where=where),
        value=value,
        unit=_text(datum, "unit", path, where=where),
        sentence=_text(datum, "sentence", path, where=where),
        cite=cite,
        qualifier=_text(datum, "qualifier", path, "", where),
    )


def _mapping(raw: object, path: str, where: str, allowed: set[str]) -> Mapping[str, object]:
    if not isinstance(raw, Mapping):
        raise KeyFiguresError(path, where, f"must be a mapping, got {type(raw).__name__}")
    unknown = sorted(str(name) for name in raw if name not in allowed)
    if unknown:
        prefix = "" if where.startswith("(") else f"{where}."
        raise KeyFiguresError(
            path, f"{prefix}{unknown[0]}", f"unknown field (expected one of: {', '.join(sorted(allowed))})"
        )
    return raw


def _text(mapping: Mapping[str, object], name: str, path: str, default: str | None = None, where: str = "") -> str:
    field = f"{where}.{name}" if where else name
    value = mapping.get(name)
    if value is None:
        if default is None:
            raise KeyFiguresError(path, field, "is missing")
        return default
    if not isinstance(value, str) or not value.strip():
        raise KeyFiguresError(path, field, f"must be non-empty text, got {value!r}")
    return " ".join(value.split())


def _number(raw: object, path: str, field: str, expected: str = "a number") -> float:
    # bool is an int in Python, but `value: yes` in YAML is a mistake, not the number 1.
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise KeyFiguresError(path, field, f"must be {expected}, got {raw!r}")
    return float(raw)

