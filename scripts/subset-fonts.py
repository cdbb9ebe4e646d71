"""Make the small web fonts of the respondent pages from the packaged Sarabun TTFs.

Run by a developer (the output is committed):  .venv/bin/python scripts/subset-fonts.py

Keeps Thai, Basic Latin and common punctuation, as WOFF2, so a phone downloads the font
once at about a quarter of the TTF's size. Sarabun is OFL-1.1 without a reserved font
name, so a subset may keep the name; the licence travels beside the files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import fontpkg_sarabun
from fontTools import subset

SOURCE = Path(fontpkg_sarabun.__file__).resolve().parent / "files"
TARGET = Path(__file__).resolve().parents[1] / "src/openita/static/openita/fonts"
UNICODES = "U+0000-00FF,U+0E00-0E7F,U+2010-2027,U+2030-203A,U+20AC,U+2122,U+25CC"


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for weight, name in (("400", "Regular"), ("700", "Bold")):
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]  # Thai mark positioning needs GPOS/GSUB kept
        font = subset.load_font(str(SOURCE / f"Sarabun-{name}.ttf"), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        out = TARGET / f"sarabun-thai-{weight}.woff2"
        subset.save_font(font, str(out), options)
        print(out.name, out.stat().st_size, "bytes")
    shutil.copy(SOURCE.parent / "LICENSE", TARGET / "OFL.txt")


if __name__ == "__main__":
    main()
