"""The project documents itself: nothing cites a document outside the repository, and every
relative link in the docs and the README leads somewhere that exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from models.settings import REPO_ROOT

OUTSIDE_DOCUMENTS = ("DOMAIN.md", "DESIGN.md", "PREFECT_NOTES.md", "../shared")
CHECKED_SUFFIXES = (".py", ".md", ".yaml", ".yml")
NOT_CHECKED = ("docs/", "tests/")
# Still citing an outside document; their citations are to be replaced by the docs/ sections.
# Remove a file from this list once it is fixed (its xfail then passes and, being strict, fails).
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def project_files() -> list[str]:
    """Every file git tracks, plus new ones not ignored, relative to the repository root."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted({line for line in listed.stdout.splitlines() if (REPO_ROOT / line).is_file()})


def outside_citations(path: Path) -> list[str]:
    """`line N: text` for each line of `path` naming a document outside the repository."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(lines, start=1)
        if any(name in line for name in OUTSIDE_DOCUMENTS)
    ]


def slug(heading: str) -> str:
    """The anchor a heading gets on GitHub: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    return {slug(h) for h in HEADING.findall(FENCE.sub("", markdown))}


def broken_links(path: Path) -> list[str]:
    """Each relative link in the markdown file `path` whose target, or heading anchor, is missing."""
    text = CODE_SPAN.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http:, https:, mailto:
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination.read_text("utf-8")):
            broken.append(f"{target}: no heading #{anchor} in {destination.name}")
    return broken


def checked_for_citations() -> list[str]:
    return [
        name
        for name in project_files()
        if name.endswith(CHECKED_SUFFIXES) and not name.startswith(NOT_CHECKED)
    ]


def test_no_file_cites_a_document_outside_the_repository() -> None:
    assert {"rules/law.py", "simulators/ladok.py"} <= set(checked_for_citations())
    found = {name: outside_citations(REPO_ROOT / name) for name in checked_for_citations()}
    assert {name: lines for name, lines in found.items() if lines} == {}


def markdown_documents() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", markdown_documents(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_leads_somewhere(path: Path) -> None:
    assert broken_links(path) == []


def test_the_docs_index_lists_every_document() -> None:
    index = (REPO_ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    listed = {target for target in LINK.findall(index) if "/" not in target}
    assert listed == {p.name for p in (REPO_ROOT / "docs").glob("*.md") if p.name != "README.md"}


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# The place\n\n## Two words\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "See [ok](there.md#two-words), [gone](missing.md), [bad anchor](there.md#nowhere),\n"
        "[web](https://example.org/x), `[code](missing-too.md)` and\n\n"
        "```\n[fenced](missing-three.md)\n```\n\nas summarised in DOMAIN.md\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "there.md#nowhere: no heading #nowhere in there.md",
    ]
    assert outside_citations(page) == ["line 8: as summarised in DOMAIN.md"]
