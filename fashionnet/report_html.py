"""One document, two renderings: a report as HTML for the browser and as Markdown.

A report is built once from a few kinds of blocks -- headings, paragraphs,
tables and grids of images with captions -- and rendered by
:meth:`Document.to_html` (one self-standing page, with its own style sheet)
and :meth:`Document.to_markdown` (GitHub-flavoured, tables through
:func:`fashionnet.rendering.markdown_table`). Images are referenced by a
path relative to the report, so both renderings show the same picture files
written beside them.

The order of a report is the reader's: what was found first (a summary
table, the worst cases in pictures), how it was found last (budgets, stage
times). :meth:`Document.mechanics` starts that closing section.

Examples
--------
>>> from fashionnet.report_html import Document
>>> doc = Document("Audit")
>>> doc.table(["issue", "files"], [["dark", 3]])
>>> doc.images([("images/a.png", "a.png, score 0.1")])
>>> print(doc.to_markdown())
# Audit
<BLANKLINE>
| issue | files |
|---|---|
| dark | 3 |
<BLANKLINE>
| ![a.png, score 0.1](images/a.png) |
|---|
| a.png, score 0.1 |
<BLANKLINE>
>>> "<img src=\\"images/a.png\\"" in doc.to_html()
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .rendering import format_cell, markdown_table

__all__ = ["Document"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 0.6em 0; }
figure { margin: 0; width: 112px; }
figure img { width: 112px; height: 112px; object-fit: contain; background: #ddd;
             image-rendering: pixelated; border: 1px solid #bbb; }
figcaption { font-size: 0.72em; word-break: break-all; line-height: 1.25; }
.mechanics { color: #555; }
"""


@dataclass
class Document:
    """A report as a list of blocks, rendered to HTML or Markdown.

    Parameters
    ----------
    title : str
        The report's title (``<h1>`` and the first Markdown line).
    columns : int, default=6
        Images per row of a Markdown grid (the HTML grid wraps to the window).
    """

    title: str
    columns: int = 6
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        """A section title (level 2) or a sub-section title (level 3)."""
        self.blocks.append(("heading", (str(text), int(level))))

    def paragraph(self, text: str) -> None:
        """A paragraph of plain text (escaped in HTML)."""
        self.blocks.append(("paragraph", str(text)))

    def table(
        self, header: Sequence[Any], rows: Iterable[Sequence[Any]], floatfmt: str | None = None
    ) -> None:
        """A table; cells are written with :func:`fashionnet.rendering.format_cell`."""
        self.blocks.append(("table", ([str(h) for h in header], [list(r) for r in rows], floatfmt)))

    def images(self, items: Iterable[tuple[str, str]]) -> None:
        """A grid of images: ``(relative path, caption)`` pairs."""
        self.blocks.append(("images", [(str(src), str(cap)) for src, cap in items]))

    def mechanics(self, title: str = "How this report was made") -> None:
        """Start the closing section (run settings, budgets, stage times)."""
        self.blocks.append(("mechanics", str(title)))

    # ------------------------------------------------------------------ renderings
    def to_markdown(self) -> str:
        """The document as GitHub-flavoured Markdown."""
        parts = [f"# {self.title}"]
        for kind, value in self.blocks:
            if kind == "heading":
                parts.append("#" * value[1] + " " + value[0])
            elif kind == "mechanics":
                parts.append("## " + value)
            elif kind == "paragraph":
                parts.append(value)
            elif kind == "table":
                header, rows, floatfmt = value
                parts.append(markdown_table(header, rows, floatfmt=floatfmt))
            elif kind == "images" and value:
                parts.append(self._markdown_grid(value))
        return "\n\n".join(parts) + "\n"

    def _markdown_grid(self, items: list[tuple[str, str]]) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = []
        for start in range(0, len(items), self.columns):
            row = items[start : start + self.columns]
            pictures = " | ".join(f"![{cell(cap)}]({src})" for src, cap in row)
            lines.append(f"| {pictures} |")
            if start == 0:
                lines.append("|" + "|".join("---" for _ in row) + "|")
            lines.append("| " + " | ".join(cell(cap) for _, cap in row) + " |")
        return "\n".join(lines)

    def to_html(self) -> str:
        """The document as one HTML page (UTF-8, its style sheet inline)."""
        e = html.escape
        out = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{e(self.title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{e(self.title)}</h1>",
        ]
        in_mechanics = False
        for kind, value in self.blocks:
            if kind == "heading":
                out.append(f"<h{value[1]}>{e(value[0])}</h{value[1]}>")
            elif kind == "mechanics":
                out.append(f'<div class="mechanics"><h2>{e(value)}</h2>')
                in_mechanics = True
            elif kind == "paragraph":
                out.append(f"<p>{e(value)}</p>")
            elif kind == "table":
                out.append(_html_table(*value))
            elif kind == "images":
                figures = "".join(
                    f'<figure><img src="{e(src, quote=True)}" alt="{e(cap, quote=True)}">'
                    f"<figcaption>{e(cap)}</figcaption></figure>"
                    for src, cap in value
                )
                out.append(f'<div class="grid">{figures}</div>')
        if in_mechanics:
            out.append("</div>")
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def _html_table(header: list[str], rows: list[list[Any]], floatfmt: str | None) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for value in row:
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            attr = ' class="num"' if numeric else ""
            text = value if isinstance(value, str) else format_cell(value, floatfmt)
            cells.append(f"<td{attr}>{e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
