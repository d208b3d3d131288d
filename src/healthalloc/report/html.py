"""One self-contained HTML report: contents, a section per analysis, data dictionary.

Figures are inlined as SVG and styles as CSS, so the file opens with no network. Every
piece of user text (titles, unit names, captions) is escaped. The report's language is the
run's (:mod:`healthalloc.report.i18n`): its own text, section titles, readings, captions and
notes and the text cells of tables (:func:`_translated`) go through
:func:`~healthalloc.report.i18n.translate`, column headers and figure text through
:mod:`healthalloc.report.labels`. Printed (or saved as PDF),
pages are landscape, each table's font is as large as lets it fit the page width
(:func:`healthalloc.report.tables.print_font`), and folded tables are unfolded.
"""

from __future__ import annotations

import base64
import html
import io
import re
import time

import pandas as pd

from healthalloc.report.figures.base import quiet_glyphs
from healthalloc.report.i18n import html_lang, language, translate
from healthalloc.report.labels import headers, phrase, relabel
from healthalloc.report.tables import html_table, html_text

#: Tables longer than this are folded.
FOLD_ROWS = 25
#: At most this many rows of a table go into the HTML; the CSV and Excel files have all.
MAX_ROWS = 300
#: Text columns whose cells are names in code (the data dictionary's data sets and columns),
#: shown as written in every language: :func:`_translated`.
KEYS = frozenset({"dataset", "column"})
#: A figure's SVG larger than this (bytes) is made lighter: see :func:`_svg`.
HEAVY_SVG = 300_000
#: Dots per inch of a heavy figure's rasterized collections and patches.
RASTER_DPI = 150

CSS = """
body{font-family:"Noto Sans","Noto Sans CJK SC","Microsoft YaHei",Helvetica,Arial,sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{border-bottom:2px solid #2b6cb0;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin:1.4em 0 .3em} .reading{font-size:1.05em;background:#f1f6fb;padding:.6em .9em;
border-left:4px solid #2b6cb0} .note{background:#fff4e5;border-left:4px solid #dd6b20;padding:.6em .9em}
.caption{color:#555;font-size:.92em;margin:.2em 0 .5em} table{border-collapse:collapse;font-size:.86em;
margin:.3em 0 1em} th{border-top:2px solid #222;border-bottom:1px solid #222;padding:.25em .6em;text-align:left}
td{padding:.2em .6em;border-bottom:1px solid #eee} td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:last-child td{border-bottom:2px solid #222} figure{margin:1em 0} figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:.92em} nav ol{columns:2} details summary{cursor:pointer;color:#2b6cb0}
.wrap{overflow-x:auto} .circled{display:inline-block;box-sizing:border-box;width:1.25em;height:1.25em;
line-height:1.05em;border:.09em solid currentColor;border-radius:50%;text-align:center;font-size:.72em;
vertical-align:.12em}
@media print{@page{size:landscape;margin:10mm} body{max-width:none;margin:0;padding:0;font-size:9.5pt;
line-height:1.3} h2{margin-top:1.2em} .wrap{overflow:visible} table{font-size:var(--print-font,7.5pt);width:100%} th,td{padding:.1em .2em} th,td:not(.num){overflow-wrap:break-word;word-break:keep-all}
td.num{white-space:nowrap} thead{display:table-header-group} tr,figure,.note{break-inside:avoid}
h2,h3,.caption{break-after:avoid} details>summary{display:none} figure svg{max-height:170mm;width:auto}}
"""

SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  var broken = Array.prototype.filter.call(document.images, function (i) {
    return !i.complete || i.naturalWidth === 0; }).length;
  document.body.setAttribute("data-broken", String(broken));
  document.body.setAttribute("data-figures", String(document.querySelectorAll("figure svg").length));
});
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; d.dataset.folded = "1"; });
});
window.addEventListener("afterprint", function () {
  document.querySelectorAll("details[data-folded]").forEach(function (d) { d.open = false; delete d.dataset.folded; });
});
"""


def _svg(fig) -> str:
    """A matplotlib figure as inline SVG markup (no XML prolog). A figure whose SVG passes
    :data:`HEAVY_SVG` bytes (a map's thousands of polygons and points) has its collections and
    patches drawn as PNG (in 256 colours) inside the SVG at :data:`RASTER_DPI` when that is
    smaller; its axes, legends and text stay vector."""
    text = _svg_text(fig)
    if len(text) > HEAVY_SVG:
        axes = [*fig.axes, *(inset for ax in fig.axes for inset in ax.child_axes)]  # insets: the South China Sea
        heavy = [a for ax in axes for a in (*ax.collections, *ax.patches) if not a.get_rasterized()]
        for artist in heavy:
            artist.set_rasterized(True)
        try:
            text = min(text, _PNG.sub(_palette, _svg_text(fig, dpi=RASTER_DPI)), key=len)
        finally:
            for artist in heavy:
                artist.set_rasterized(False)
    return text[text.index("<svg"):]


#: No RDF block in an inlined figure: its namespace addresses are links out of a self-contained report.
NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
#: A PNG image inlined by matplotlib's SVG writer.
_PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\s]+)")


def _palette(png: re.Match) -> str:
    """An inlined PNG in 256 colours (a map's few fills and their anti-aliased edges), when smaller."""
    from PIL import Image

    raw = base64.b64decode(png.group(1))
    out = io.BytesIO()
    Image.open(io.BytesIO(raw)).quantize(256, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(min(raw, out.getvalue(), key=len)).decode("ascii")


def _svg_text(fig, **options) -> str:
    buf = io.StringIO()
    with quiet_glyphs():
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata=NO_METADATA, **options)
    return buf.getvalue()


def _anchor(name: str) -> str:
    return "sec-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _notes(notes) -> str:
    return "".join(f'<p class="note">{html_text(translate(n))}</p>' for n in notes)


def _table_block(title: str, caption: str, frame: pd.DataFrame, stars_for, notes=(), names=None) -> str:
    """Title, caption, notes (e.g. warnings about this table), then the table, folded when long;
    ``names`` overrides column headers of this table."""
    shown = _translated(frame.head(MAX_ROWS))
    table = f'<div class="wrap">{_labelled(html_table(shown, stars_for=stars_for), shown.columns, names)}</div>'
    caption = translate(caption)
    if len(frame) > MAX_ROWS:
        caption += " " + translate(f"The first {MAX_ROWS} of {len(frame)} rows are shown; the CSV and Excel "
                                   "files have all.")
    if len(shown) > FOLD_ROWS:
        table = f"<details><summary>{html_text(translate(f'show {len(shown)} rows'))}</summary>{table}</details>"
    cap = f'<p class="caption">{html_text(caption)}</p>' if caption else ""
    return f"<h3>{html_text(phrase(title))}</h3>{cap}{_notes(notes)}{table}"


def _translated(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text cells in the report's language: each through
    :func:`~healthalloc.report.i18n.translate`, so our prose and the categories we write
    (``east``, ``not significant``, ``inland vs port``, the dictionary's meanings) read as the
    catalogue has them, while the data's own values (names, codes), which it does not hold, stay
    as written; the cells of :data:`KEYS` columns are names in code and stay too."""
    if language() == "en":
        return frame
    out = frame.copy()
    for column in frame.columns:
        if column not in KEYS and not pd.api.types.is_numeric_dtype(frame[column]):
            shown = {v: translate(v) for v in {v for v in frame[column] if isinstance(v, str)}}
            out[column] = frame[column].map(lambda v: shown.get(v, v) if isinstance(v, str) else v)
    return out


def _labelled(table: str, columns, names=None) -> str:
    """``table`` (from :func:`html_table`, which formats each column by its name) with its
    header cells showing the columns' labels (:func:`healthalloc.report.labels.headers`)."""
    names = headers(columns) | (names or {})
    if all(names[c] == c for c in columns):
        return table
    head, end, body = table.partition("</thead>")
    shown = iter(names[c] for c in columns)
    head = re.sub(r"(<th(?:\s[^>]*)?>).*?</th>", lambda m: f"{m[1]}{html_text(str(next(shown)))}</th>", head)
    return head + end + body


def render_section(sec) -> str:
    """One analysis: title, one-line reading, notes, figures with captions, tables with their notes."""
    parts = [f'<section id="{_anchor(sec.name)}"><h2>{html_text(translate(sec.title))}</h2>',
             f'<p class="reading">{html_text(translate(sec.reading))}</p>', _notes(sec.notes)]
    for name, fig in sec.figures.items():
        caption = translate(sec.captions.get(f"{name}_figure", sec.captions.get(name, "")))
        parts.append(f"<figure>{_svg(relabel(fig))}<figcaption>{html_text(caption)}</figcaption></figure>")
    for name, frame in sec.tables.items():
        parts.append(_table_block(name.replace("_", " "), sec.captions.get(name, ""), frame,
                                  sec.stars.get(name), sec.table_notes.get(name, ())))
    parts.append("</section>")
    return "\n".join(parts)


def render_report(title: str, sections: list, *, notes: list[str] = (),
                  dictionary: pd.DataFrame | None = None) -> str:
    """The whole report as one HTML string."""
    toc = "".join(f'<li><a href="#{_anchor(s.name)}">{html_text(translate(s.title))}</a></li>' for s in sections)
    glossary, stamp = html_text(translate("Data dictionary")), time.strftime("%Y-%m-%d %H:%M")
    body = [f"<h1>{html_text(translate(title))}</h1>",
            f'<p class="caption">{html_text(translate(f"Generated by healthalloc on {stamp}."))}</p>',
            _notes(notes)]
    body.append(f"<nav><h2>{html_text(translate('Contents'))}</h2><ol>{toc}"
                + (f'<li><a href="#sec-data-dictionary">{glossary}</a></li>' if dictionary is not None else "")
                + "</ol></nav>")
    body += [render_section(s) for s in sections]
    if dictionary is not None:
        reading = translate("Every embedded data set used, column by column, with its unit and status (source, "
                            "derived, added or computed here).")
        body.append(f'<section id="sec-data-dictionary"><h2>{glossary}</h2><p class="reading">{html_text(reading)}</p>'
                    + _table_block("columns", "", dictionary, None, names={"unit": translate("unit")})
                    + "</section>")  # here a unit of measure, not the unit of analysis
    return (f"<!DOCTYPE html>\n<html lang=\"{html_lang()}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(translate(title))}</title><style>{CSS}</style><script>{SCRIPT}</script></head>"
            f"<body>{''.join(body)}</body></html>\n")
