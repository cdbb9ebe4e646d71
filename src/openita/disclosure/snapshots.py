"""A picture of the kept copy, for the consultant to see the page as it was without
opening the agency's HTML in openita: WeasyPrint lays the stored HTML out with no access
to anything outside it (no script runs in WeasyPrint, and every image, style sheet or
file it asks for is refused but openita's own Thai font, so a page cannot make openita
fetch or read anything), and
pdfium draws the first page as a PNG. A PDF given as evidence is drawn the same way.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from . import reading
from .models import Capture, CaptureSnapshot

log = logging.getLogger(__name__)

# Characters laid out (scripts removed first): enough for the first page of any page seen
# in the benchmark, at a fraction of the time a whole long page takes.
HTML_LIMIT = 40_000
_SCRIPTS = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
WIDTH = 900  # pixels of the PNG


class Refused(ValueError):
    pass


def _font_dir() -> Path:
    import fontpkg_sarabun

    return Path(fontpkg_sarabun.__file__).resolve().parent / "files"


def _no_fetching() -> object:
    """A WeasyPrint URL fetcher that refuses every URL (http, file, data alike) but the
    files of the Thai font openita ships, which the snapshot's own style sheet names."""
    from weasyprint.urls import URLFetcher

    fonts = _font_dir().as_uri() + "/"

    class NoFetching(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            if url.startswith(fonts) and ".." not in url:
                return super().fetch(url, headers)
            raise Refused(f"the snapshot fetches nothing: {url[:80]}")

    return NoFetching()


def _thai_font(fetcher: object, fonts: object) -> object:
    """Sarabun, declared for the layout: a server may have no Thai font at all, and then
    every Thai letter would be drawn as a box. Declared, not applied: the page keeps its
    own fonts, and the Thai letters they lack are drawn in Sarabun."""
    from weasyprint import CSS

    folder = _font_dir()
    faces = "".join(
        f'@font-face {{ font-family: "openita-thai"; font-weight: {weight}; '
        f'src: url("{(folder / name).as_uri()}"); }}'
        for weight, name in ((400, "Sarabun-Regular.ttf"), (700, "Sarabun-Bold.ttf")))
    return CSS(string=faces, url_fetcher=fetcher, font_config=fonts)


def _first_page_png(pdf: bytes) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width = page.get_width() or 1
        image = page.render(scale=WIDTH / width).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def render(body: bytes, kind: str, charset: str) -> bytes | None:
    """The PNG of the first page of an HTML page or a PDF; None for other kinds."""
    if kind == "pdf":
        return _first_page_png(body)
    if kind != "html":
        return None
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    html = _SCRIPTS.sub("", reading.decode(body, charset, html=True))[:HTML_LIMIT]
    fetcher, fonts = _no_fetching(), FontConfiguration()
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url="about:blank").render(
        stylesheets=[_thai_font(fetcher, fonts)], font_config=fonts)
    if not document.pages:
        return None
    return _first_page_png(document.copy(document.pages[:1]).write_pdf())


def make(capture: Capture) -> CaptureSnapshot | None:
    """The capture's snapshot, made once (a second run finds it)."""
    found = CaptureSnapshot.objects.filter(capture=capture).first()
    if found is not None or not capture.stored_name:
        return found
    with default_storage.open(capture.stored_name, "rb") as stored:
        body = stored.read()
    try:
        png = render(body, capture.kind, "")
    except Exception as error:  # a page WeasyPrint or pdfium cannot draw: say so
        log.info("no snapshot of capture %s: %s", capture.pk, error)
        png, note = None, f"{type(error).__name__}"[:200]
    else:
        note = "" if png else "nothing to draw"
    name = ""
    if png:
        name = f"evidence/snapshots/{capture.sha256}.png"
        if not default_storage.exists(name) or default_storage.size(name) != len(png):
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, ContentFile(png))
    try:
        with transaction.atomic():
            return CaptureSnapshot.objects.create(capture=capture, stored_name=name, note=note)
    except IntegrityError:
        return CaptureSnapshot.objects.filter(capture=capture).first()
