"""The hand-written SVG charts: well-formed, sized by their figures, text escaped, and carried whole
as a markdown image's data URI."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from formats.svg_charts import grouped_bars, markdown_image, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> dict[str, float]:
    root = ET.fromstring(svg)
    return {r.findtext(f"{SVG}title") or "": float(r.get("width", "0")) for r in root.iter(f"{SVG}rect")}


def test_grouped_bars_are_as_long_as_their_share() -> None:
    svg = grouped_bars(
        "Digital share & more",
        ["VT2025", "VT2026"],
        {"Sittings": [25.0, 50.0], "Registrations": [10.0, 100.0]},
    )
    widths = bars(svg)
    assert widths["VT2026, Sittings: 50.0 %"] == 2 * widths["VT2025, Sittings: 25.0 %"]
    assert widths["VT2026, Registrations: 100.0 %"] == 10 * widths["VT2025, Registrations: 10.0 %"]
    assert "Digital share &amp; more" in svg


def test_stacked_bars_fill_the_row_in_the_order_of_their_parts() -> None:
    svg = stacked_bars("Grades <A-F>", ["VT2026"], {"F": [25.0], "E": [0.0], "A": [75.0]})
    widths = bars(svg)
    assert widths["VT2026, A: 75.0 %"] == 3 * widths["VT2026, F: 25.0 %"]
    assert "VT2026, E: 0.0 %" not in widths  # an empty part draws nothing (its legend stays)
    root = ET.fromstring(svg)
    xs = [
        float(r.get("x", "0"))
        for r in root.iter(f"{SVG}rect")
        if (r.findtext(f"{SVG}title") or "").startswith("VT2026")
    ]
    assert xs == sorted(xs)


def test_a_chart_is_a_markdown_image_carrying_the_whole_svg() -> None:
    svg = stacked_bars("Grades [MA101]", ["VT2026"], {"F": [40.0], "A": [60.0]})
    image = markdown_image("Grades [MA101]", svg)
    prefix = "![Grades (MA101)](data:image/svg+xml;base64,"
    assert image.startswith(prefix) and image.endswith(")")
    assert base64.b64decode(image[len(prefix) : -1]).decode("utf-8") == svg
    assert "style=" not in svg and "<script" not in svg
