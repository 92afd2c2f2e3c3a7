"""An upload checked before any parser sees its bytes: the file's size, its magic bytes against its
extension (a PDF or a program renamed .xlsx/.csv is refused) and, for .xlsx, the zip itself (entry
count, unpacked total, compression ratio: a zip bomb). A lying zip header cannot slip past either:
zipfile reads an entry only up to its declared size and checks its CRC."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from rules.sheet_errors import refuse


@dataclass(frozen=True)
class Limits:
    """What an upload may be; beyond any of these it is refused unread."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 20_000  # non-empty rows below the header
    max_unpacked: int = 50 * 1024 * 1024  # .xlsx: every zip entry unpacked, together
    max_ratio: float = 100.0  # .xlsx: unpacked / packed size of any one entry
    max_entries: int = 1_000  # .xlsx: files in the zip


LIMITS = Limits()


_SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "a zip archive",
    b"%PDF": "a PDF",
    b"MZ": "a Windows program",
    b"\x7fELF": "a program",
    b"\xd0\xcf\x11\xe0": "an old Office file (.xls/.doc)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


def _looks_like(content: bytes) -> str | None:
    return next((name for magic, name in _SIGNATURES.items() if content.startswith(magic)), None)


def file_kind(content: bytes, filename: str, limits: Limits) -> str:
    """'xlsx' or 'csv', once the file's name, size and magic bytes agree on it."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ("xlsx", "csv"):
        refuse(f"{filename!r} is neither an .xlsx nor a .csv file")
    if not content:
        refuse("the file is empty")
    if len(content) > limits.max_bytes:
        refuse(f"the file is {len(content):,} bytes, more than the {limits.max_bytes:,} allowed")
    seen = _looks_like(content)
    if suffix == "xlsx" and seen != "a zip archive":
        refuse(f"the file is {seen or 'not a workbook'}, not an .xlsx workbook (renamed?)")
    if suffix == "csv" and (seen or b"\x00" in content):
        refuse(f"the file is {seen or 'binary'}, not a .csv text file (renamed?)")
    return suffix


def check_zip(content: bytes, limits: Limits) -> None:
    """An .xlsx is a workbook's zip within the limits: its entries, their unpacked size and ratio."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        refuse("the .xlsx is not a readable workbook (a damaged zip)")
    with archive:
        entries = archive.infolist()
    if len(entries) > limits.max_entries:
        refuse(f"the workbook holds {len(entries)} files, more than the {limits.max_entries} allowed")
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= {e.filename for e in entries}:
        refuse("the file is a zip archive but not an Excel workbook")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limits.max_unpacked:
        refuse(f"the workbook unpacks to {unpacked:,} bytes, more than the {limits.max_unpacked:,} allowed")
    ratio = max(e.file_size / max(e.compress_size, 1) for e in entries)
    if ratio > limits.max_ratio:
        refuse(
            f"the workbook is compressed {ratio:.0f} to 1, more than {limits.max_ratio:g} to 1 (a zip bomb?)"
        )
