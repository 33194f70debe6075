"""The one report document of fashionnet, rendered both as Markdown and as HTML.

The study (:func:`fashionnet.study.run_study`) and the image-folder audit
(:func:`fashionnet.audit.audit_folder`) build their reports as a list of
blocks (headings, paragraphs, bullet lists, tables, figures, grids of images
with captions, and the closing "mechanics" section) and render the same
blocks twice: ``report.md``, whose pictures are links relative to the
report, and ``report.html``, whose pictures are inlined as base64 PNG when
the page must stand alone (the study's, given ``base_dir``) or linked to the
files beside it (the audit's, whose grids can hold hundreds of thumbnails).
Both open with what a reader came for and end with how it was found.

Every number goes through :func:`~fashionnet.rendering.format_number`, the
one formatting rule of the report; :func:`~fashionnet.rendering.rounded`
applies the same rule to the values written to ``metrics.json``, so each
number there appears, character for character, in the report. Both live in
:mod:`fashionnet.rendering` and are importable from here too.
"""

from __future__ import annotations

import base64
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fashionnet.rendering import format_cell, format_number, markdown_table, rounded

__all__ = ["Report", "format_number", "rounded"]


@dataclass
class _Block:
    kind: str
    text: str = ""
    level: int = 2
    items: list = field(default_factory=list)
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    path: str = ""
    pictures: list = field(default_factory=list)


class Report:
    """An ordered list of report blocks with Markdown and HTML renderers.

    Parameters
    ----------
    title : str
        The document title (the level-1 heading).

    Examples
    --------
    >>> doc = Report("Demo")
    >>> doc.heading("Results")
    >>> doc.table(["model", "accuracy"], [["LeNet-5", 0.854399967]])
    >>> print(doc.to_markdown())
    # Demo
    <BLANKLINE>
    ## Results
    <BLANKLINE>
    | model | accuracy |
    |---|---|
    | LeNet-5 | 0.8544 |
    <BLANKLINE>
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.blocks: list[_Block] = []

    # ---------------------------------------------------------------- building
    def heading(self, text: str, level: int = 2) -> None:
        """Add a section heading (level 2) or a subsection heading (level 3)."""
        self.blocks.append(_Block("heading", text=text, level=level))

    def paragraph(self, text: str) -> None:
        """Add a paragraph of plain text (``code`` spans in backquotes are kept)."""
        self.blocks.append(_Block("paragraph", text=text))

    def bullets(self, items: list[str]) -> None:
        """Add a bullet list."""
        self.blocks.append(_Block("bullets", items=list(items)))

    def table(self, header: list[str], rows: list[list[Any]], floatfmt: str | None = None) -> None:
        """Add a table; cells are written with :func:`~fashionnet.rendering.format_cell`."""
        self.blocks.append(
            _Block(
                "table",
                header=[str(h) for h in header],
                rows=[[format_cell(c, floatfmt) for c in row] for row in rows],
            )
        )

    def images(self, items: list[tuple[str, str]], columns: int = 6) -> None:
        """Add a grid of pictures: ``(path relative to the report, caption)`` pairs.

        ``columns`` pictures make a row of the Markdown grid; the HTML grid
        wraps to the window.
        """
        pictures = [(Path(src).as_posix(), str(cap)) for src, cap in items]
        if pictures:
            self.blocks.append(_Block("images", pictures=pictures, level=int(columns)))

    def mechanics(self, title: str = "How this report was made") -> None:
        """Start the closing section: the run's settings, budgets and stage times."""
        self.blocks.append(_Block("mechanics", text=title))

    def figure(self, path: str | os.PathLike, caption: str) -> None:
        """Add a figure: ``path`` relative to the report's directory."""
        self.blocks.append(_Block("figure", text=caption, path=Path(path).as_posix()))

    def code(self, text: str) -> None:
        """Add a preformatted block (a command line, a summary)."""
        self.blocks.append(_Block("code", text=text))

    # --------------------------------------------------------------- rendering
    def to_markdown(self) -> str:
        """The report as GitHub-flavoured Markdown; figures are relative links."""
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            if block.kind == "heading":
                out += ["#" * block.level + " " + block.text, ""]
            elif block.kind == "paragraph":
                out += [block.text, ""]
            elif block.kind == "bullets":
                out += [f"- {item}" for item in block.items] + [""]
            elif block.kind == "table":
                out += [markdown_table(block.header, block.rows), ""]
            elif block.kind == "figure":
                out += [f"![{block.text}]({block.path})", "", f"*{block.text}*", ""]
            elif block.kind == "code":
                out += ["```", block.text, "```", ""]
            elif block.kind == "images":
                out += [_markdown_grid(block.pictures, block.level), ""]
            elif block.kind == "mechanics":
                out += ["## " + block.text, ""]
        return "\n".join(out)

    def to_html(self, base_dir: str | os.PathLike | None = None) -> str:
        """The report as one HTML page.

        Parameters
        ----------
        base_dir : str, path-like or None, default=None
            Directory the picture paths are relative to: the pictures are then
            inlined as base64 PNG, so the page stands alone. None links them
            instead, for a page that stays beside its pictures.
        """
        base = None if base_dir is None else Path(base_dir)

        def source(path: str) -> str:
            if base is None:
                return html.escape(path, quote=True)
            data = base64.b64encode((base / path).read_bytes()).decode("ascii")
            return f"data:image/png;base64,{data}"

        body = [f"<h1>{_inline(self.title)}</h1>"]
        in_mechanics = False
        for block in self.blocks:
            if block.kind == "heading":
                body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
            elif block.kind == "paragraph":
                body.append(f"<p>{_inline(block.text)}</p>")
            elif block.kind == "bullets":
                items = "".join(f"<li>{_inline(i)}</li>" for i in block.items)
                body.append(f"<ul>{items}</ul>")
            elif block.kind == "table":
                head = "".join(f"<th>{_inline(h)}</th>" for h in block.header)
                rows = "".join(
                    "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>"
                    for row in block.rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif block.kind == "figure":
                body.append(
                    f'<figure><img alt="{html.escape(block.text)}" '
                    f'src="{source(block.path)}"/>'
                    f"<figcaption>{_inline(block.text)}</figcaption></figure>"
                )
            elif block.kind == "code":
                body.append(f"<pre>{html.escape(block.text)}</pre>")
            elif block.kind == "images":
                cells = "".join(
                    f'<figure><img src="{source(src)}" alt="{html.escape(cap, quote=True)}"/>'
                    f"<figcaption>{html.escape(cap)}</figcaption></figure>"
                    for src, cap in block.pictures
                )
                body.append(f'<div class="grid">{cells}</div>')
            elif block.kind == "mechanics":
                body.append(f'<div class="mechanics"><h2>{_inline(block.text)}</h2>')
                in_mechanics = True
        if in_mechanics:
            body.append("</div>")
        return _HTML_PAGE.format(title=html.escape(self.title), body="\n".join(body))


def _markdown_grid(pictures: list[tuple[str, str]], columns: int) -> str:
    """Pictures as a Markdown table: a row of images, then a row of their captions."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = []
    for start in range(0, len(pictures), columns):
        row = pictures[start : start + columns]
        lines.append("| " + " | ".join(f"![{cell(cap)}]({src})" for src, cap in row) + " |")
        if start == 0:
            lines.append("|" + "|".join("---" for _ in row) + "|")
        lines.append("| " + " | ".join(cell(cap) for _, cap in row) + " |")
    return "\n".join(lines)


def _inline(text: str) -> str:
    """Escape ``text`` for HTML, rendering `code` and **bold** spans."""
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


_HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #222; }}
table {{ border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }}
th, td {{ border: 1px solid #bbb; padding: 0.25rem 0.55rem; text-align: right; }}
th {{ background: #eee; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1rem 0; }}
img {{ max-width: 100%; }}
figcaption {{ font-style: italic; font-size: 0.9rem; }}
pre {{ background: #f5f5f5; padding: 0.6rem; overflow-x: auto; }}
.grid {{ display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 0.6rem 0; }}
.grid figure {{ margin: 0; width: 112px; }}
.grid img {{ width: 112px; height: 112px; object-fit: contain; background: #ddd;
            image-rendering: pixelated; border: 1px solid #bbb; }}
.grid figcaption {{ font-style: normal; font-size: 0.72rem; word-break: break-all;
                   line-height: 1.25; }}
.mechanics {{ color: #555; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""
