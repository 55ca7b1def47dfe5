"""Read documents (.txt, .docx, .pdf, .html/.htm) into plain text, and expand input paths.

Every failure is a :class:`ReadError` that names the file and says why, so a batch run can list
failures instead of crashing. Readers work on bytes (:func:`read_bytes`) so the same code serves a
path on disk, a ``datasets`` column of bytes or a Ray Data batch.
"""
from __future__ import annotations

import glob
import io
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from clausetag.io.pdflayout import Line, Page, layout_text
from clausetag.segment.text import DecodeError, decode_bytes

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "ReadError",
    "iter_inputs",
    "path_key",
    "read_bytes",
    "read_document",
]

log = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".docx", ".pdf", ".html", ".htm")

_GLOB_CHARS = re.compile(r"[*?\[]")


class ReadError(Exception):
    """A document could not be read; ``path`` names it and ``reason`` says why."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


# --------------------------------------------------------------------------------------- readers
def read_document(path: str | os.PathLike[str]) -> str:
    """Read one document into text, dispatching on its extension.

    Raises :class:`ReadError` for a missing file, an unsupported extension, a corrupt, encrypted or
    image-only file, undecodable text, or a document with no text at all.
    """
    p = Path(path)
    if _GLOB_CHARS.search(p.name) and not p.exists():  # kept by iter_inputs(missing="keep")
        raise ReadError(p, "pattern matches no files")
    if not p.exists():  # before the extension: a missing folder is not an "unsupported file type"
        raise ReadError(p, "file not found")
    _check_extension(p.name, p)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ReadError(p, "file not found") from None
    except IsADirectoryError:
        raise ReadError(p, "is a directory, not a file") from None
    except OSError as exc:
        raise ReadError(p, f"cannot read file ({exc.strerror or exc})") from None
    return read_bytes(data, str(p))


def read_bytes(data: bytes, name: str) -> str:
    """Read a document given as bytes; ``name`` (a file name or path) picks the format by extension."""
    ext = _check_extension(name, name)
    if not data:
        raise ReadError(name, "empty file (0 bytes)")
    reader = _READERS[ext]
    text = reader(data, name)
    if not text.strip():
        raise ReadError(name, "no text content (the document is empty or contains only whitespace)")
    return text


def _check_extension(name: str, shown: object) -> str:
    ext = os.path.splitext(str(name))[1].lower()
    if ext not in SUPPORTED_EXTENSIONS:
        what = f"'{ext}'" if ext else "(no extension)"
        raise ReadError(
            str(shown), f"unsupported file type {what}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    return ext


def _read_txt(data: bytes, name: str) -> str:
    try:
        return decode_bytes(data, name)
    except DecodeError as exc:
        raise ReadError(name, getattr(exc, "reason", str(exc))) from None


def _read_docx(data: bytes, name: str) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReadError(name, f"not a valid .docx file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # python-docx raises assorted errors on foreign/corrupt packages
        raise ReadError(name, f"cannot open .docx file ({type(exc).__name__}: {exc})") from None

    lines: list[str] = []

    def add_table(table: Table) -> None:
        for row in table.rows:
            cells: list[str] = []
            seen: set[int] = set()
            for cell in row.cells:  # a merged cell is returned once per grid column: keep it once
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                cells.append(" ".join(t.strip() for t in cell.text.splitlines() if t.strip()))
            if any(cells):
                lines.append(" | ".join(cells))

    # body paragraphs and tables in document order
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            add_table(block)
    return "\n".join(lines)


def _read_pdf(data: bytes, name: str) -> str:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise ReadError(name, _pdf_reason(exc)) from None

    try:
        with pdf:
            pages = [
                Page(float(page.width), float(page.height), [
                    Line(ln["text"], float(ln["x0"]), float(ln["x1"]), float(ln["top"]), float(ln["bottom"]))
                    for ln in page.extract_text_lines(return_chars=False)
                ])
                for page in pdf.pages
            ]
    except Exception as exc:
        raise ReadError(name, _pdf_reason(exc)) from None
    if not pages:
        raise ReadError(name, "PDF has no pages")
    if not any(ln.text.strip() for page in pages for ln in page.lines):
        raise ReadError(
            name,
            f"PDF has no extractable text on its {len(pages)} page(s) (image-only/scanned PDF? run OCR first)",
        )
    # wrapped lines re-joined from the page layout, running headers/footers and page numbers dropped
    return layout_text(pages)


def _pdf_reason(exc: BaseException) -> str:
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 5:
        chain.append(e)
        e = e.__cause__ or e.__context__
    names = " ".join(f"{type(x).__name__} {x}" for x in chain).lower()
    if "password" in names or "encrypt" in names:
        return "encrypted PDF (needs a password); decrypt it first"
    return f"not a readable PDF ({type(exc).__name__}: {exc})"


_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?[\w-]+|<\?xml[^>]+encoding=""", re.I)
_DROP_TAGS = ("script", "style", "nav", "noscript", "template", "head", "iframe", "svg", "form", "button")
_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
    "tbody", "tfoot", "tr", "caption", "figure", "figcaption", "address", "hr", "center", "title",
)


def _read_html(data: bytes, name: str) -> str:
    from bs4 import BeautifulSoup

    markup: bytes | str = data
    if not _DECLARED_CHARSET.search(data[:4096]):
        # no declared charset: use the library's strict UTF-8/GB18030 decoding rather than letting
        # BeautifulSoup guess (it misreads short GBK pages); fall back to its guess if that fails
        try:
            markup = decode_bytes(data, name)
        except DecodeError:
            pass
    try:
        soup = BeautifulSoup(markup, "lxml")
    except Exception as exc:
        raise ReadError(name, f"cannot parse HTML ({type(exc).__name__}: {exc})") from None
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    # table rows: cells joined with " | " (as for .docx), one row per line
    for tr in soup.find_all("tr"):
        cells = [" ".join(c.get_text(" ", strip=True).split()) for c in tr.find_all(["td", "th"])]
        tr.replace_with(soup.new_string("\n" + " | ".join(cells) + "\n"))
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    raw = soup.get_text("")
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in raw.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


_READERS: dict[str, Callable[[bytes, str], str]] = {
    ".txt": _read_txt,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}


# ---------------------------------------------------------------------------------------- inputs
def iter_inputs(
    paths: Iterable[str | os.PathLike[str]],
    recursive: bool = True,
    on_skip: Callable[[Path, str], None] | None = None,
    missing: str = "raise",
) -> Iterator[Path]:
    """Expand files, folders and glob patterns into a sorted, de-duplicated list of documents.

    - a file named explicitly is always yielded, whatever its extension (reading an unsupported
      one then fails with a :class:`ReadError`, so it shows up as a named failure);
    - folders are walked (recursively unless ``recursive=False``) and glob patterns expanded; files
      found there with an unsupported extension, hidden files and Office lock files (``~$…``) are
      skipped, each reported through ``on_skip(path, reason)`` (default: a log message);
    - a path that does not exist and a pattern that matches nothing raise :class:`ReadError`; with
      ``missing="keep"`` they are yielded instead, so that reading them fails like an unreadable
      file (:func:`read_document` says "file not found" / "pattern matches no files") and
      a batch run reports them among its failures while tagging the rest.

    The result is sorted by path so runs are deterministic.
    """
    skip = on_skip or (lambda p, why: log.info("skipping %s: %s", p, why))
    found: dict[str, Path] = {}

    def consider(p: Path) -> None:
        if p.name.startswith((".", "~$")):
            skip(p, "hidden or temporary file")
        elif p.suffix.lower() not in SUPPORTED_EXTENSIONS:
            skip(p, f"unsupported file type '{p.suffix.lower() or '(none)'}'")
        else:
            found.setdefault(path_key(p), p)

    for arg in paths:
        p = Path(arg)
        if p.is_file():
            found.setdefault(path_key(p), p)
        elif p.is_dir():
            walker = p.rglob("*") if recursive else p.glob("*")
            for child in walker:
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(p).parts[:-1]):
                    consider(child)
        elif _GLOB_CHARS.search(str(arg)):
            matches = [Path(m) for m in glob.glob(str(arg), recursive=recursive)]
            if not matches:
                if missing == "keep":
                    found.setdefault(path_key(p), p)
                    continue
                raise ReadError(arg, "pattern matches no files")
            for m in matches:
                if m.is_file():
                    consider(m)
                elif m.is_dir():
                    for child in (m.rglob("*") if recursive else m.glob("*")):
                        if child.is_file():
                            consider(child)
        elif missing == "keep":
            found.setdefault(path_key(p), p)
        else:
            raise ReadError(arg, "no such file or directory")
    for key in sorted(found):
        yield found[key]


def path_key(p: str | os.PathLike[str]) -> str:
    """One key per file however it is written (relative, ``./``, ``..``): the normalised absolute path."""
    return os.path.normpath(os.path.abspath(p))
