"""PDF documents in Thai: WeasyPrint with the packaged Sarabun, and nothing from the network.

Layout rules are in shared/design/thai-documents.md: Google Sarabun Light at 10.9 pt
matches 16 pt TH SarabunPSK; SemiBold stands in for bold.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fontpkg_sarabun
from fontTools.otlLib import builder as otl
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables import otTables as ot
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONT_DIR = Path(fontpkg_sarabun.__file__).resolve().parent / "files"
# Sarabun Light has the stroke weight of TH SarabunPSK Regular; SemiBold stands in for Bold.
FONT_FILES = {"regular": FONT_DIR / "Sarabun-Light.ttf", "bold": FONT_DIR / "Sarabun-SemiBold.ttf"}


def font_uris() -> dict[str, str]:
    """The font files as the ``@font-face`` rules of a document template name them."""
    return {weight: thai_font(weight).path.as_uri() for weight in FONT_FILES}


class LocalOnly(URLFetcher):
    """Lets WeasyPrint read the packaged fonts and data URIs, and nothing else (no network)."""

    def fetch(self, url: str, headers: dict | None = None):
        if url.startswith("data:") or url.startswith(_cache_dir().as_uri() + "/"):
            return super().fetch(url, headers)
        raise ValueError(f"a document may not fetch {url}")


def write_pdf(html: str) -> bytes:
    """The document ``html`` as PDF bytes, its fonts embedded and its text layer right."""
    return HTML(string=html, url_fetcher=LocalOnly()).write_pdf(
        font_config=FontConfiguration(), finisher=_thai_text_layer)


_BFCHAR = re.compile(rb"^<([0-9a-f]{4})> <([0-9a-f]*)>$")


def _thai_text_layer(document: Any, pdf: Any) -> None:
    """Write the ToUnicode map of every embedded Sarabun font from the font itself."""
    ours = {f.postscript_name: f for f in (thai_font(w) for w in FONT_FILES)}
    fonts = {}  # the PDF's name of each embedded font -> ours
    for embedded in document.fonts.values():
        try:
            name = TTFont(io.BytesIO(embedded.file_content), lazy=True)["name"].getDebugName(6)
        except Exception:  # not a font fontTools reads: not one of ours
            continue
        if name in ours:
            fonts[bytes(embedded.name)] = ours[name]
    streams = {o.number: o for o in pdf.objects if hasattr(o, "stream")}
    for entry in pdf.objects:
        if not isinstance(entry, dict) or "ToUnicode" not in entry:
            continue
        base = entry.get("BaseFont", b"")
        font = fonts.get(base if isinstance(base, bytes) else str(base).encode())
        reference = entry["ToUnicode"]  # b"9 0 R"
        reference = reference.decode() if isinstance(reference, bytes) else str(reference)
        stream = streams.get(int(reference.split()[0])) if font else None
        if font is None or stream is None:
            continue
        lines = []
        for line in stream.stream:
            found = _BFCHAR.match(line)
            if found and int(found[1], 16) in font.texts:
                text = font.texts[int(found[1], 16)]
                line = b"<%s> <%s>" % (found[1], text.encode("utf-16-be").hex().encode())
            lines.append(line)
        stream.stream = lines


# --- Thai in the PDF's text layer -------------------------------------------------------
# HarfBuzz draws SARA AM (ำ) as NIKHAHIT + SARA AA, and WeasyPrint writes each glyph's text
# in the ToUnicode map from the first cluster it was drawn in. So the SARA AA glyph of
# "น้ำ" came out as "้ำ" for every later า, and ำ became า: copied text and search were
# wrong. The fix has two halves. The fonts we embed are Sarabun with one more glyph, a
# copy of SARA AA that a final substitution puts wherever SARA AA follows NIKHAHIT (as in
# every ำ), so ำ has a glyph of its own. And every Sarabun font of a document gets its text
# map written again from the font itself: a glyph in the font's character map stands for
# its own character, the copy stands for ำ, the NIKHAHIT of ำ for nothing (the ำ carries
# it), Sarabun's ligatures of NIKHAHIT with a tone mark for the tone mark, and its Latin
# ligatures fi and fl for their two letters.
_FIX_VERSION = "2"
OURS = "openita"
AM_GLYPH = "uni0E32.openita_am"
_NIKHAHIT_GLYPHS = re.compile(r"^uni0E4D(0E4[89AB])?(\.narrow)?$")
_TONES = (0x0E48, 0x0E49, 0x0E4A, 0x0E4B)


@dataclass(frozen=True)
class ThaiFont:
    path: Path  # the derived font file
    postscript_name: str
    texts: dict[int, str]  # glyph id -> the text it stands for


def _cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "openita-fonts"


def _chain(backtrack: list[list[str]], sara_aa: str, single_index: int,
           glyph_map: dict[str, int]) -> ot.ChainContextSubst:
    """SARA AA after ``backtrack`` (nearest glyph first) becomes the ำ copy."""
    subtable = ot.ChainContextSubst()
    subtable.Format = 3
    subtable.BacktrackCoverage = [otl.buildCoverage(g, glyph_map) for g in backtrack]
    subtable.InputCoverage = [otl.buildCoverage([sara_aa], glyph_map)]
    subtable.LookAheadCoverage = []
    record = ot.SubstLookupRecord()
    record.SequenceIndex, record.LookupListIndex = 0, single_index
    subtable.SubstLookupRecord = [record]
    return subtable


def _derive(source: Path, target: Path) -> None:
    font = TTFont(source)
    cmap = font.getBestCmap()
    sara_aa, nikhahit = cmap[0x0E32], cmap[0x0E4D]
    nikhahits = [g for g in font.getGlyphOrder() if _NIKHAHIT_GLYPHS.match(g)]
    tones = [cmap[t] for t in _TONES]
    glyf, hmtx = font["glyf"], font["hmtx"]
    glyf[AM_GLYPH] = copy.deepcopy(glyf[sara_aa])
    hmtx[AM_GLYPH] = hmtx[sara_aa]
    if "hdmx" in font:  # per-glyph device widths: one glyph more would not match
        del font["hdmx"]
    glyph_map = font.getReverseGlyphMap(rebuild=True)
    gsub = font["GSUB"].table
    lookups = gsub.LookupList.Lookup
    lookups.append(otl.buildLookup([otl.buildSingleSubstSubtable({sara_aa: AM_GLYPH})]))
    single_index = len(lookups) - 1
    lookups.append(otl.buildLookup([
        _chain([nikhahits], sara_aa, single_index, glyph_map),
        _chain([tones, [nikhahit] + nikhahits], sara_aa, single_index, glyph_map)]))
    gsub.LookupList.LookupCount = len(lookups)
    # Our own PostScript name, so a document's text map is rewritten for this font only.
    names = font["name"]
    names.setName(f"{names.getDebugName(6)}-{OURS}", 6, 3, 1, 0x409)
    for record in gsub.FeatureList.FeatureRecord:
        if record.FeatureTag == "ccmp":  # applied to every Thai run, after Sarabun's own
            record.Feature.LookupListIndex.append(len(lookups) - 1)
            record.Feature.LookupCount = len(record.Feature.LookupListIndex)
    partial = target.with_suffix(f".{os.getpid()}.part")
    font.save(partial)
    os.replace(partial, target)  # another process may derive it at the same time


def _texts(path: Path) -> tuple[str, dict[int, str]]:
    font = TTFont(path)
    glyph_map = font.getReverseGlyphMap()
    texts: dict[int, str] = {}
    for codepoint, glyph in sorted(font.getBestCmap().items()):
        texts.setdefault(glyph_map[glyph], _letters(chr(codepoint)))
    for glyph in font.getGlyphOrder():
        found = _NIKHAHIT_GLYPHS.match(glyph)
        if found:
            texts[glyph_map[glyph]] = chr(int(found[1], 16)) if found[1] else ""
    texts[glyph_map[AM_GLYPH]] = "\u0e33"
    return str(font["name"].getDebugName(6)), texts


def _letters(character: str) -> str:
    """A Latin ligature (fi, fl) stands for its letters: a link copied off the page must work."""
    if "\ufb00" <= character <= "\ufb06":
        return unicodedata.normalize("NFKC", character)
    return character


@functools.cache
def thai_font(weight: str) -> ThaiFont:
    """The Sarabun font of ``weight`` as documents embed it (derived once per machine)."""
    source = FONT_FILES[weight]
    digest = hashlib.sha256(source.read_bytes() + _FIX_VERSION.encode()).hexdigest()[:16]
    target = _cache_dir() / f"{source.stem}-{digest}.ttf"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _derive(source, target)
    name, texts = _texts(target)
    return ThaiFont(target, name, texts)
