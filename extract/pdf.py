"""Turn a PDF report into plain text with page boundaries, ready for the same clean-up as a text report."""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from extract.errors import KGError

# Fewer visible characters than this per page means there is no text layer to read.
MIN_CHARS_PER_PAGE = 40
SENTENCE_END = re.compile(r"[.!?:;]\s*$")
# "Strategic Outcome 2:", "Activity 3:", "Outcome 1:": a numbered item starts its own paragraph.
NUMBERED_ITEM = re.compile(r"^[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*){0,3} \d{1,2}[a-z]?:")


class PdfError(KGError, ValueError):
    """A PDF cannot be read as a report."""


@dataclass(frozen=True)
class PdfText:
    text: str
    page_starts: tuple[int, ...]    # offset in `text` where each page begins (page n+1 at index n)


def read_pdf(path: Path) -> PdfText:
    """Extract each page's text (pypdf, reading order of the content stream, so columns come one after another)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise PdfError(f"{path}: not a readable PDF ({exc})") from None
    if not pages:
        raise PdfError(f"{path}: the PDF has no pages")
    visible = sum(len(p.split()) and len("".join(p.split())) for p in pages)
    if visible < MIN_CHARS_PER_PAGE * len(pages):
        raise PdfError(f"{path}: the PDF has no text layer (a scanned PDF?); run OCR on it first, "
                       f"then build the OCR text or the OCR'd PDF")
    parts, starts, offset = [], [], 0
    for page in pages:
        page_text = restore_paragraphs(page)
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 2
    return PdfText("\n\n".join(parts), tuple(starts))


def restore_paragraphs(page: str) -> str:
    """PDF text has a line per printed line and no blank lines: mark a paragraph end after a line that is
    clearly shorter than the page's usual line and ends a sentence, or is a short title-like line."""
    lines = [l.rstrip() for l in page.splitlines()]
    lengths = [len(l) for l in lines if len(l.strip()) > 0]
    if not lengths:
        return ""
    usual = statistics.median(lengths)
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i == len(lines) - 1 or not line.strip():
            continue
        nxt = lines[i + 1].lstrip()
        short = len(line) < 0.8 * usual
        ends_sentence = bool(SENTENCE_END.search(line))
        title_like = len(line.split()) <= 8 and line.strip()[:1].isupper() and not ends_sentence and len(line) < 0.6 * usual
        if (short and ends_sentence) or title_like or nxt.startswith("•") or NUMBERED_ITEM.match(nxt):
            out.append("")
    return "\n".join(out)
