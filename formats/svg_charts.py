"""Bar charts as SVG written by hand: a file an exam office puts in a report, and an image in a
Prefect markdown artifact as a `data:image/svg+xml` URI.

Why an image and not inline `<svg>`: Prefect 3.8's default UI (v2) renders markdown with
react-markdown, rehype-raw and rehype-sanitize on GitHub's schema, which drops `<svg>` (its text
would show as loose words) but lets an `<img>` take a `data:image/` source; the older UI (v1,
prefect-design's markdown renderer) draws a markdown image as an `<img>` with its source as given.
So each chart is self-contained: colours and sizes as presentation attributes, no script, no style.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

WIDTH = 640
LABEL_WIDTH = 110
ROW = 22
TOP = 34
# Lowest grade first: red through amber to green.
GRADE_COLOURS = ("#c0392b", "#e67e22", "#f1c40f", "#a3c644", "#6ab04c", "#2e8b57", "#1e6b3a")
SERIES_COLOURS = ("#2e86c1", "#85c1e9", "#1b4f72")


def _text(x: float, y: float, words: str, size: int = 12, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-family="sans-serif" '
        f'text-anchor="{anchor}">{escape(words)}</text>'
    )


def _rect(x: float, y: float, width: float, height: float, fill: str, title: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{height:.1f}" '
        f"fill={quoteattr(fill)}><title>{escape(title)}</title></rect>"
    )


def _svg(title: str, height: float, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label={quoteattr(title)}>'
    )
    return "\n".join([head, _text(0, 16, title, 14), *body, "</svg>"]) + "\n"


def _legend(y: float, names: Sequence[str], colours: Sequence[str]) -> list[str]:
    parts, x = [], float(LABEL_WIDTH)
    for name, colour in zip(names, colours, strict=False):
        parts += [_rect(x, y - 10, 12, 12, colour, name), _text(x + 16, y, name, 11)]
        x += 24 + 7 * len(name)
    return parts


def grouped_bars(
    title: str, labels: Sequence[str], series: dict[str, Sequence[float]], unit: str = "%"
) -> str:
    """One group of horizontal bars per label, one bar per series, on a scale of 0-100."""
    names = list(series)
    span = WIDTH - LABEL_WIDTH - 60
    body, y = [], float(TOP)
    for i, label in enumerate(labels):
        body.append(_text(LABEL_WIDTH - 6, y + ROW * len(names) / 2 + 4, label, anchor="end"))
        for name, colour in zip(names, SERIES_COLOURS, strict=False):
            value = float(series[name][i])
            width = span * min(value, 100) / 100
            body += [
                _rect(LABEL_WIDTH, y + 2, width, ROW - 4, colour, f"{label}, {name}: {value} {unit}"),
                _text(LABEL_WIDTH + width + 4, y + ROW - 7, f"{value} {unit}", 11),
            ]
            y += ROW
        y += 6
    body += _legend(y + 14, names, SERIES_COLOURS)
    return _svg(title, y + 26, body)


def stacked_bars(title: str, labels: Sequence[str], parts: dict[str, Sequence[float]]) -> str:
    """One horizontal bar per label, split into its parts' shares (each row's parts sum to 100)."""
    names = list(parts)
    colours = _spread(len(names))
    span = WIDTH - LABEL_WIDTH - 10
    body, y = [], float(TOP)
    for i, label in enumerate(labels):
        body.append(_text(LABEL_WIDTH - 6, y + ROW - 7, label, anchor="end"))
        x = float(LABEL_WIDTH)
        for name, colour in zip(names, colours, strict=True):
            share = float(parts[name][i])
            width = span * share / 100
            if width > 0:
                body.append(_rect(x, y + 2, width, ROW - 4, colour, f"{label}, {name}: {share} %"))
            if width >= 30:
                body.append(_text(x + width / 2, y + ROW - 7, f"{share:.0f}%", 10, anchor="middle"))
            x += width
        y += ROW
    body += _legend(y + 18, names, colours)
    return _svg(title, y + 30, body)


def _spread(n: int) -> tuple[str, ...]:
    """`n` colours from GRADE_COLOURS, lowest red and highest green."""
    if n <= 1:
        return GRADE_COLOURS[-1:]
    last = len(GRADE_COLOURS) - 1
    return tuple(GRADE_COLOURS[round(i * last / (n - 1))] for i in range(n))


def markdown_image(title: str, svg: str) -> str:
    """The chart as a markdown image with the SVG inline as a base64 data URI."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = title.replace("[", "(").replace("]", ")")
    return f"![{alt}](data:image/svg+xml;base64,{data})"
