"""Read what a fetch brought back: what kind of file it is, its title and text, and what the
agency should be told about the link (dead, off its website, a "not found" page, a sign-in).

Everything here is bounded (pages, rows, characters, unzipped size) and never raises on bad
content: a broken or unsupported file gives a ``Reading`` with a ``note`` instead of text.
"""

from __future__ import annotations

import codecs
import io
import itertools
import mimetypes
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import httpx
from bs4 import BeautifulSoup, SoupStrainer
from bs4.dammit import EncodingDetector

from openita.disclosure.fetcher import FetchResult, Problem

MAX_TITLE = 500
MAX_TEXT = 200_000
EXCERPT = 600
MAX_HTML_BYTES = 1024 * 1024  # Beautiful Soup takes 1-2 s a megabyte; evidence is near the top
MAX_PDF_PAGES = 50
MAX_SHEETS, MAX_ROWS, MAX_COLUMNS = 5, 2000, 50
MAX_UNZIPPED = 200 * 1024 * 1024  # a .docx/.xlsx is a zip: refuse a zip bomb before opening
SHORT_PAGE = 600  # a "not found" message on a page this short is the whole page
HEADING_PAGE = 3000  # ... and in a heading of a page this short, the page's subject

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_KINDS = {"text/html": "html", "application/xhtml+xml": "html", "application/pdf": "pdf",
          DOCX: "docx", XLSX: "xlsx", "text/plain": "text", "text/csv": "text"}
# WHATWG Encoding Standard: every one of these labels means windows-874, the superset of
# TIS-620 that Thai pages labelled "tis-620" really use (curly quotes, the euro sign).
_THAI_LABELS = {"tis-620", "tis620", "iso-8859-11", "iso8859-11", "iso885911", "dos-874",
                "windows-874", "x-windows-874", "cp874", "ms874"}
_NOT_FOUND = re.compile(
    r"(?<![\d/.,-])404(?![\d/.,])|\bnot\s+found\b|\bcannot\s+be\s+found\b"
    r"|\bcould\s+not\s+be\s+found\b|\bdoes\s*n[o']t\s+exist\b|\bno\s+longer\s+(?:exists|available)\b"
    r"|ไม่พบหน้า|ไม่พบข้อมูล|ไม่พบเพจ|ไม่พบไฟล์|ไม่พบเอกสาร|หน้านี้ไม่มีอยู่|ไม่มีหน้านี้"
    r"|ไม่มีหน้าที่คุณ|หาหน้าที่ต้องการไม่พบ",
    re.IGNORECASE)
_SIGN_IN = re.compile(r"\blog\s*-?\s*in\b|\bsign\s*-?\s*in\b|\blogon\b|เข้าสู่ระบบ|ลงชื่อเข้าใช้|ล็อกอิน",
                      re.IGNORECASE)
_SIGN_IN_SEGMENTS = {"login", "log-in", "signin", "sign-in", "sign_in", "logon", "wp-login",
                     "auth", "sso"}
_PASSWORD_FIELD = re.compile(rb"""type\s*=\s*["']?\s*password""", re.IGNORECASE)  # a cheap test
LOGIN_FORM_PAGE = 500  # text outside the password form below this: the form is the page


class Finding(StrEnum):
    """What the agency is told about a link, in this (stable) order."""

    DEAD = "dead"
    OFF_SITE = "off_site"
    SOFT_404 = "soft_404"
    LOGIN = "login"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class Reading:
    kind: str
    title: str
    text: str
    excerpt: str
    note: str


class _Unreadable(Exception):
    """The file is there but cannot be read; the message becomes the note."""


def read(result: FetchResult) -> Reading:
    """Classify the body and extract its title and visible text (never raises on content)."""
    kind = _kind(result)
    if not result.body:
        return Reading(kind, "", "", "", "empty body")
    reader = _READERS.get(kind)
    if reader is None:
        return Reading(kind, "", "", "", f"unsupported type {result.content_type or 'unknown'}")
    try:
        title, text, note = reader(result)
    except _Unreadable as exc:
        title, text, note = "", "", str(exc)
    except Exception:  # noqa: BLE001 - third-party parsers raise anything on a broken file
        title, text, note = "", "", f"unreadable {kind.upper()}" + (
            " (truncated)" if result.truncated else "")
    text = _collapse(text)[:MAX_TEXT]
    return Reading(kind, _collapse(title)[:MAX_TITLE], text, _excerpt(text), note)


def findings(result: FetchResult, reading: Reading, website: str) -> list[str]:
    """What is wrong with the link, as ``Finding`` values in the enum's order.

    DEAD: any fetch problem but TOO_LARGE, or an HTTP error, except 401/403, which are LOGIN
    (the page exists behind a sign-in; "dead" would tell the agency the wrong thing).
    OFF_SITE: the final host is neither the website's host nor one of its subdomains ("www."
    ignored); only when a server answered and ``website`` is given. LOGIN on a 2xx: a sign-in
    path, or a page that is mostly a password form. SOFT_404: a 2xx whose title, main heading
    or whole short text says "not found".
    """
    found: set[Finding] = set()
    status = result.status
    if status in (401, 403):
        found.add(Finding.LOGIN)
    elif (result.problem and result.problem != Problem.TOO_LARGE) or (status or 0) >= 400:
        found.add(Finding.DEAD)
    if result.problem == Problem.TOO_LARGE:
        found.add(Finding.TOO_LARGE)
    if website and status is not None and not _on_site(result.final_url, website):
        found.add(Finding.OFF_SITE)
    if status is not None and 200 <= status < 300 and Finding.DEAD not in found:
        soup = _outline(result, reading)
        headings = [_collapse(h.get_text(" ")) for h in soup(["h1", "h2"])] if soup else []
        if _sign_in_path(result.final_url) or (soup and _login_form(soup, reading, headings)):
            found.add(Finding.LOGIN)
        elif _says_not_found(reading, headings):
            found.add(Finding.SOFT_404)
    return [finding.value for finding in Finding if finding in found]


def decode(body: bytes, charset: str, *, html: bool) -> str:
    """Text of ``body``: its BOM, else the HTTP charset, else (HTML) its <meta>, else UTF-8."""
    data, bom = EncodingDetector.strip_byte_order_mark(body)
    declared = EncodingDetector.find_declared_encoding(data, is_html=True) if html else None
    if declared and declared.lower().startswith(("utf-16", "utf-32")):
        declared = "utf-8"  # a <meta> readable as ASCII cannot be UTF-16 (WHATWG says UTF-8)
    for label in (bom, charset, declared):
        if codec := _codec(label):
            return data.decode(codec, errors="replace")
    return data.decode("utf-8", errors="replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _THAI_LABELS:
        return "cp874"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _kind(result: FetchResult) -> str:
    """Magic bytes first (servers mislabel files), then the media type, then the extension."""
    body = result.body
    if body.startswith(b"%PDF-"):
        return "pdf"
    if body.startswith(b"PK\x03\x04") and (kind := _zip_kind(body)):
        return kind
    media = result.content_type
    if media in _KINDS:
        return _KINDS[media]
    guessed, _ = mimetypes.guess_type(urlsplit(result.final_url).path)
    if guessed in _KINDS and media in ("", "application/octet-stream"):
        return _KINDS[guessed]
    head = body[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "html"
    return "text" if media.startswith("text/") else "other"


def _zip_kind(body: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return "docx" if "word/document.xml" in names else "xlsx" if "xl/workbook.xml" in names \
        else None


def _soup(result: FetchResult) -> BeautifulSoup:
    markup = decode(result.body[:MAX_HTML_BYTES], result.charset, html=True)
    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "svg", "iframe", "object"]):
        tag.decompose()  # not text a visitor reads
    return soup


def _outline(result: FetchResult, reading: Reading) -> BeautifulSoup | None:
    """Just the headings and forms of an HTML page, and only when a finding could need them:
    a short page (headings) or one with a password field. A long page is not parsed again."""
    if reading.kind != "html" or not result.body:
        return None
    body = result.body[:MAX_HTML_BYTES]
    if len(reading.text) >= HEADING_PAGE and not _PASSWORD_FIELD.search(body):
        return None
    markup = decode(body, result.charset, html=True)
    try:
        return BeautifulSoup(markup, "lxml",
                             parse_only=SoupStrainer(["h1", "h2", "form", "input"]))
    except Exception:  # noqa: BLE001 - a page that cannot be parsed has no headings or forms
        return None


def _read_html(result: FetchResult) -> tuple[str, str, str]:
    soup = _soup(result)
    title_tag = soup.title or soup.find("h1")
    title = title_tag.get_text(" ") if title_tag else ""
    if soup.head:
        soup.head.decompose()
    return title, (soup.body or soup).get_text(" "), ""


def _read_text(result: FetchResult) -> tuple[str, str, str]:
    return "", decode(result.body, result.charset, html=False), ""


def _read_pdf(result: FetchResult) -> tuple[str, str, str]:
    from pypdf import PdfReader  # imported on use: only workers read PDFs

    reader = PdfReader(io.BytesIO(result.body))
    if reader.is_encrypted and not reader.decrypt(""):
        raise _Unreadable("encrypted PDF")
    title = str((reader.metadata.title if reader.metadata else None) or "")
    text = _bounded(page.extract_text() or ""
                    for page in itertools.islice(reader.pages, MAX_PDF_PAGES))
    return title, text, "" if text.strip() else "no text in PDF (a scan?)"


def _read_docx(result: FetchResult) -> tuple[str, str, str]:
    import docx

    _check_unzipped(result.body)
    document = docx.Document(io.BytesIO(result.body))
    title = document.core_properties.title or next(
        (p.text for p in document.paragraphs
         if p.text.strip() and p.style is not None and (p.style.name or "").startswith(
             ("Title", "Heading"))), "")
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    text = _bounded(itertools.chain((p.text for p in document.paragraphs), cells))
    return title, text, ""


def _read_xlsx(result: FetchResult) -> tuple[str, str, str]:
    import openpyxl

    _check_unzipped(result.body)
    book = openpyxl.load_workbook(io.BytesIO(result.body), read_only=True, data_only=True)
    try:
        values = (str(value) for sheet in book.worksheets[:MAX_SHEETS]
                  for row in itertools.chain(
                      [(sheet.title,)],
                      sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS, values_only=True))
                  for value in row if value is not None)
        text = _bounded(values)
        return book.properties.title or "", text, ""
    finally:
        book.close()


_READERS: dict[str, Callable[[FetchResult], tuple[str, str, str]]] = {
    "html": _read_html, "text": _read_text, "pdf": _read_pdf, "docx": _read_docx,
    "xlsx": _read_xlsx}


def _check_unzipped(body: bytes) -> None:
    total = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(body)).infolist())
    if total > MAX_UNZIPPED:
        raise _Unreadable(f"document unzips to {total} bytes, too large to read")


def _bounded(parts: Iterable[str]) -> str:
    """Join text parts, stopping once there is more than the text limit (stops the parser)."""
    kept: list[str] = []
    size = 0
    for part in parts:
        kept.append(part)
        size += len(part) + 1
        if size > MAX_TEXT:
            break
    return " ".join(kept)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _excerpt(text: str) -> str:
    """The first ~600 characters, cut between words (Thai has no spaces: PyThaiNLP finds them)."""
    if len(text) <= EXCERPT:
        return text
    from pythainlp.tokenize import word_tokenize  # loads a dictionary: only when needed

    end = 0
    for word in word_tokenize(text[: EXCERPT + 100], engine="newmm", keep_whitespace=True):
        if end + len(word) > EXCERPT:
            break
        end += len(word)
    return (text[:end].rstrip() or text[:EXCERPT]) + "…"


def _host(url: str) -> str:
    if "://" not in url:
        url = "http://" + url  # a website typed without its scheme
    try:
        host = httpx.URL(url).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, TypeError, ValueError):
        return ""
    return host.lower().rstrip(".")


def _on_site(url: str, website: str) -> bool:
    site = _host(website).removeprefix("www.")
    if not site:
        return True  # no usable website to compare with: no off-site finding
    host = _host(url)
    return host == site or host.endswith("." + site)


def _sign_in_path(url: str) -> bool:
    segments = urlsplit(url).path.split("/")
    return any(PurePosixPath(unquote(s)).stem.lower() in _SIGN_IN_SEGMENTS for s in segments if s)


def _login_form(soup: BeautifulSoup, reading: Reading, headings: list[str]) -> bool:
    """A password field that is the page: its title/heading says sign in, or little else."""
    password = soup.find("input", attrs={"type": re.compile(r"^\s*password\s*$", re.I)})
    if password is None:
        return False
    if any(_SIGN_IN.search(t) for t in [reading.title, *headings[:2]]):
        return True
    container = password.find_parent("form") or password.parent
    inside = len(_collapse(container.get_text(" "))) if container else 0
    return len(reading.text) - inside < LOGIN_FORM_PAGE


def _says_not_found(reading: Reading, headings: list[str]) -> bool:
    """A "not found" page: in the title, a main heading of a short page, or a very short text.

    A long page that merely mentions "404" or "ไม่พบข้อมูล" somewhere is not one.
    """
    if reading.kind not in ("html", "text"):
        return False
    if _NOT_FOUND.search(reading.title):
        return True
    if len(reading.text) < HEADING_PAGE and any(
            len(h) <= 120 and _NOT_FOUND.search(h) for h in headings[:3]):
        return True
    return len(reading.text) < SHORT_PAGE and bool(_NOT_FOUND.search(reading.text))
