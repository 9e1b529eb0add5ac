"""Tests for citesite.chart: the key-figures chart and the validation of its YAML data."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from citesite.chart import (
    NOT_OBSERVED,
    KeyFiguresError,
    format_value,
    load_key_figures,
    parse_key_figures,
    render_key_figures,
)

DATA_FILE = Path(__file__).resolve().parents[1] / "docs" / "data" / "key-figures.yml"
SVG = "{http://www.w3.org/2000/svg}"


def _minimal() -> dict:
    return {
        "title": "Figures",
        "caption": "Caption.",
        "panels": [
            {
                "id": "p",
                "title": "Panel",
                "scale_max": 100,
                "data": [
                    {"label": "Measured", "value": 26.9, "unit": "%", "sentence": "S one.", "cite": "han2024"},
                    {"label": "Absent", "value": "not observed", "unit": "%", "sentence": "S two.", "cite": None},
                ],
            }
        ],
    }


def _parse(html: str) -> ET.Element:
    # The renderer writes well-formed markup, so the whole figure parses as XML.
    return ET.fromstring(html)


@pytest.fixture(scope="module")
def site_data() -> dict:
    return load_key_figures(DATA_FILE)


@pytest.fixture(scope="module")
def site_html(site_data: dict) -> str:
    return render_key_figures(site_data)


def _site_data_items() -> list[tuple[str, object]]:
    data = load_key_figures(DATA_FILE)
    return [(datum["label"], datum["value"]) for panel in data["panels"] for datum in panel["data"]]


@pytest.mark.parametrize(("label", "value"), _site_data_items())
def test_renders_every_datum(site_html: str, label: str, value: object) -> None:
    """Every datum of the site's data file appears in the SVG description and in the data table."""
    root = _parse(site_html)
    descriptions = " ".join(desc.text or "" for desc in root.iter(f"{SVG}desc"))
    row_headers = [th.text for th in root.iter("th") if th.get("scope") == "row"]
    assert label in descriptions
    assert label in row_headers
    shown = NOT_OBSERVED if value == NOT_OBSERVED else f"{value:g}"
    assert shown in descriptions


def test_site_data_keeps_the_article_figures(site_data: dict) -> None:
    """The data file holds the article's figures with the citations printed beside them."""
    figures = parse_key_figures(site_data)
    by_label = {datum.label: datum for panel in figures.panels for datum in panel.data}
    values = {label: (datum.value, datum.cite) for label, datum in by_label.items()}
    assert values["CAR T-cell therapy: all-grade ICANS"] == (26.9, "han2024")
    assert values["CAR T-cell therapy: high-grade ICANS"] == (10.5, "han2024")
    assert values["CAR NK-cell therapy clinical trials: ICANS"] == (None, "morris2022")
    assert values["Registered worldwide"] == (120, "bjordahl2025")
    assert values["Initiated in 2024 alone"] == (32, "bjordahl2025")
    # The landmark trial paragraph is printed without a citation: the chart must not add one.
    assert values["1-year overall survival"] == (68, None)
    assert values["Progression-free survival"] == (32, None)


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "shown"),
    [
        (26.9, "%", "", "26.9%"),
        (68.0, "%", "", "68%"),
        (120.0, "trials", "at least", "at least 120 trials"),
        (3184.0, "patients", "", "3,184 patients"),
    ],
)
def test_format_value(value: float, unit: str, qualifier: str, shown: str) -> None:
    """Values print without a trailing .0, `%` without a space, other units after a space."""
    assert format_value(value, unit, qualifier) == shown


def test_not_observed_is_a_marker_not_a_zero_bar(site_html: str) -> None:
    """A not-observed figure gets a labelled marker and no bar; no 0 or 0% appears anywhere."""
    root = _parse(site_html)
    icans = next(svg for svg in root.iter(f"{SVG}svg") if "ICANS" in (svg.findtext(f"{SVG}title") or ""))
    bars = icans.findall(f"{SVG}rect")
    markers = icans.findall(f"{SVG}circle")
    assert len(bars) == 2  # the two measured CAR T-cell figures only
    assert all(float(bar.get("width", "0")) > 0 for bar in root.iter(f"{SVG}rect"))
    assert len(markers) == 1
    assert NOT_OBSERVED in [text.text for text in icans.iter(f"{SVG}text")]
    visible = " ".join(root.itertext())
    assert not re.search(r"(?<![\d.,])0\s*%", visible)
    cells = [row.findall("td") for row in root.iter("tr")]
    values = [row[0].text for row in cells if row]
    assert NOT_OBSERVED in values and "0" not in values and "0%" not in values


def test_text_is_escaped() -> None:
    """Labels, sentences, titles and captions are HTML-escaped, never emitted as markup."""
    data = _minimal()
    data["caption"] = "<b>bold</b> & more"
    data["panels"][0]["title"] = "<script>alert(1)</script>"
    data["panels"][0]["data"][0]["label"] = 'A "quoted" <i>label</i>'
    data["panels"][0]["data"][0]["sentence"] = "x < y & z"
    html = render_key_figures(data)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "x &lt; y &amp; z" in html
    _parse(html)  # still well-formed


def test_svg_is_labelled_by_its_title_and_desc(site_html: str) -> None:
    """Each SVG is role="img" and aria-labelledby points at its own <title> and <desc>."""
    root = _parse(site_html)
    svgs = list(root.iter(f"{SVG}svg"))
    assert len(svgs) == 3
    for svg in svgs:
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert svg.get("aria-labelledby", "").split() == [title.get("id"), desc.get("id")]


def test_figure_has_caption_and_data_table(site_html: str) -> None:
    """The figure carries a figcaption and a <details> data table as its text alternative."""
    root = _parse(site_html)
    assert root.tag == "figure"
    assert root.find("figcaption") is not None
    details = root.find("details")
    assert details is not None and details.findtext("summary") == "Data table"
    assert details.find("table") is not None


def test_output_is_self_contained_and_one_markdown_block(site_html: str) -> None:
    """No script, no external asset, no blank line (Markdown would end the HTML block there)."""
    assert "<script" not in site_html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", site_html)
    assert "<link" not in site_html and "<img" not in site_html
    assert "\n\n" not in site_html


def test_citations_use_the_given_renderer() -> None:
    """Cited figures go through the `cite` callback; a figure printed without a citation gets none."""
    data = _minimal()
    seen: list[str] = []

    def cite(key: str) -> str:
        seen.append(key)
        return f'<sup class="cite">{key}</sup>'

    html = render_key_figures(data, cite)
    assert set(seen) == {"han2024"}
    assert '<sup class="cite">han2024</sup>' in html
    assert "as described in the article" in html


def test_default_citation_is_pandoc_syntax() -> None:
    """Without a renderer, citations are written as `[@key]` for a later citation pass."""
    assert "[@han2024]" in render_key_figures(_minimal())


def _set(path: str, value: object) -> dict:
    data = copy.deepcopy(_minimal())
    *parents, last = path.split(".")
    target: object = data
    for part in parents:
        name, _, index = part.partition("[")
        target = target[name]  # type: ignore[index]
        if index:
            target = target[int(index.rstrip("]"))]  # type: ignore[index]
    if value is _DELETE:
        del target[last]  # type: ignore[attr-defined]
    else:
        target[last] = value  # type: ignore[index]
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("panels[0].data[0].label", _DELETE, "panels[0].data[0].label"),
        ("panels[0].data[0].label", "", "panels[0].data[0].label"),
        ("panels[0].data[1].value", "n/a", "panels[0].data[1].value"),
        ("panels[0].data[1].value", True, "panels[0].data[1].value"),
        ("panels[0].data[0].value", 140, "panels[0].data[0].value"),
        ("panels[0].data[0].value", -1, "panels[0].data[0].value"),
        ("panels[0].data[0].value", _DELETE, "panels[0].data[0].value"),
        ("panels[0].data[0].unit", "trials", "panels[0].data[1].unit"),
        ("panels[0].data[0].sentence", _DELETE, "panels[0].data[0].sentence"),
        ("panels[0].data[0].cite", _DELETE, "panels[0].data[0].cite"),
        ("panels[0].data[0].cite", 24, "panels[0].data[0].cite"),
        ("panels[0].data[0].cites", "han2024", "panels[0].data[0].cites"),
        ("panels[0].scale_max", 0, "panels[0].scale_max"),
        ("panels[0].scale_max", "100", "panels[0].scale_max"),
        ("panels[0].id", "Bad Id", "panels[0].id"),
        ("panels[0].data", [], "panels[0].data"),
        ("panels", [], "panels"),
    ],
)
def test_invalid_data_names_the_field(path: str, value: object, field: str) -> None:
    """Each shape error raises KeyFiguresError whose message names the offending field."""
    with pytest.raises(KeyFiguresError) as caught:
        parse_key_figures(_set(path, value), "data.yml")
    assert caught.value.field == field
    assert str(caught.value).startswith(f"data.yml: {field}: ")


def test_duplicate_panel_id_is_rejected() -> None:
    """Two panels with one id would give duplicate HTML ids: the second is named."""
    data = _minimal()
    data["panels"].append(copy.deepcopy(data["panels"][0]))
    with pytest.raises(KeyFiguresError, match=r"panels\[1\]\.id"):
        parse_key_figures(data)


def test_render_validates_its_input() -> None:
    """render_key_figures refuses malformed data instead of drawing it."""
    with pytest.raises(KeyFiguresError, match=r"panels\[0\]\.data\[0\]\.value"):
        render_key_figures(_set("panels[0].data[0].value", "lots"))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("panels: [\n  {id: a\n", "line"),
        ("- just\n- a list\n", "(top level)"),
        ("title: T\npanels:\n  - id: a\n    title: A\n    scale_max: 10\n    data:\n      - {label: L, value: 11, unit: x, sentence: S, cite: null}\n",
         "panels[0].data[0].value"),
    ],
)
def test_load_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    """Errors from a file name that file and the field (or line) at fault."""
    path = tmp_path / "figures.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KeyFiguresError) as caught:
        load_key_figures(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert caught.value.field.startswith(field)


def test_missing_file_is_named(tmp_path: Path) -> None:
    """A missing data file is reported with its path, not as a bare OSError."""
    path = tmp_path / "absent.yml"
    with pytest.raises(KeyFiguresError, match=re.escape(str(path))):
        load_key_figures(path)
