"""The hand-written SVG charts: well-formed, sized by their figures, text escaped, and fit to sit
inline in a Prefect markdown artifact (no blank line, no style attribute)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from formats.svg_charts import grouped_bars, stacked_bars

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


def test_a_chart_sits_inline_in_markdown() -> None:
    for svg in (grouped_bars("t", ["a"], {"s": [1.0]}), stacked_bars("t", ["a"], {"s": [100.0]})):
        assert "\n\n" not in svg.strip() and "style=" not in svg
        assert svg.startswith("<svg xmlns=") and svg.rstrip().endswith("</svg>")
