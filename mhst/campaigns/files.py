"""The checks on a campaign's uploaded file: its name's extension and its content must
agree on one of the kinds schools can open (PDF, Word, PowerPoint, Excel, PNG, JPEG),
and it must be smaller than :data:`MAX_FILE_BYTES`.

The content is checked by its opening bytes (PDF, PNG, JPEG) or, for the Office formats
(ZIP files), by the part every such file holds (``word/document.xml``...): only the ZIP's
list of names is read, nothing is extracted.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from mhst.core.rules import RuleError

# Under the upload's body limit (MAX_UPLOAD_LENGTH, 10 MB) with room for the form.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_FILE_WORDS = "8 MB"
FILE = "file"


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]
    content_type: str
    label: str
    signature: bytes = b""  # the opening bytes; empty for the Office (ZIP) formats
    zip_part: str = ""  # the part an Office file of this kind always holds


KINDS = (
    FileKind((".pdf",), "application/pdf", "PDF", signature=b"%PDF-"),
    FileKind((".png",), "image/png", "PNG", signature=b"\x89PNG\r\n\x1a\n"),
    FileKind((".jpg", ".jpeg"), "image/jpeg", "JPEG", signature=b"\xff\xd8\xff"),
    FileKind(
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word",
        zip_part="word/document.xml",
    ),
    FileKind(
        (".pptx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint",
        zip_part="ppt/presentation.xml",
    ),
    FileKind(
        (".xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel",
        zip_part="xl/workbook.xml",
    ),
)
ALLOWED_WORDS = "PDF, DOCX, PPTX, XLSX, PNG or JPG"


def kind_by_name(file_name: str) -> FileKind | None:
    lower = file_name.lower()
    return next((k for k in KINDS if lower.endswith(k.extensions)), None)


def _content_is(kind: FileKind, data: bytes) -> bool:
    if kind.signature:
        return data.startswith(kind.signature)
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and kind.zip_part in names


def safe_name(file_name: str) -> str:
    """The name the file is kept and downloaded under: its last part, plain characters."""
    base = re.split(r"[\\/]", file_name)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", base).strip(" .")
    return cleaned[-150:] or "file"


def check_file(file_name: str, data: bytes) -> FileKind:
    """The file's kind, or a :class:`RuleError` saying what is wrong with it."""
    if not data:
        raise RuleError(FILE, "The selected file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise RuleError(FILE, f"The selected file must be smaller than {MAX_FILE_WORDS}")
    kind = kind_by_name(file_name or "")
    if kind is None:
        raise RuleError(FILE, f"The selected file must be a {ALLOWED_WORDS}")
    if not _content_is(kind, data):
        raise RuleError(
            FILE, f"The selected file is not a {kind.label} file, whatever its name says"
        )
    return kind
