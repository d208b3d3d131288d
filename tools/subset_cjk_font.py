"""Build the CJK font shipped in ``src/healthalloc/report/fonts/`` (run when the catalogue grows).

Usage: ``python tools/subset_cjk_font.py [DroidSansFallbackFull.ttf]``

The source is Droid Sans Fallback (Google, Apache License 2.0; Debian package
``fonts-droid-fallback``, ``/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf``),
a TrueType font, so matplotlib embeds it in SVG, PNG and PDF alike. It is cut with
fontTools (MIT) to: ASCII, CJK punctuation and full-width forms, the 3,755 level-1 hanzi
of GB 2312 (so most user data renders), and every character of the message catalogue,
the labels and the embedded data sets (gazetteer names included).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parents[1] / "src" / "healthalloc"
SOURCE = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
TARGET = ROOT / "report" / "fonts" / "DroidSansFallback-healthalloc.ttf"
TEXTS = [ROOT / "report" / "messages_zh.json", ROOT / "report" / "labels.json",
         *sorted((ROOT / "data" / "datasets").glob("*.[cjg]*"))]  # .csv, .json, .geojson


def gb2312_level1() -> str:
    """The 3,755 common hanzi: GB 2312 rows 16-55 (bytes 0xB0-0xD7, 94 cells; row 55 has 89)."""
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def characters() -> str:
    text = "".join(path.read_text(encoding="utf-8") for path in TEXTS)
    extra = {ch for ch in text if not ch.isascii()}
    basic = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0x3000, 0x3040)} \
        | {chr(c) for c in range(0xFF01, 0xFF5F)}
    return "".join(sorted(basic | extra | set(gb2312_level1())))


def main(source: str = SOURCE) -> None:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    subset.save_font(font, str(TARGET), options)
    print(f"{TARGET}: {TARGET.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(*sys.argv[1:])
