"""The one report document: the study's and the folder audit's, in Markdown and HTML."""

from __future__ import annotations

import base64

from fashionnet.report import Report


def _doc():
    doc = Report("A <report>")
    doc.heading("Summary")
    doc.table(["issue", "files"], [["a|b", 3], ["dark", 1.23456]], floatfmt=".3g")
    doc.images(
        [("images/1.png", "x & y"), ("images/2.png", "two"), ("images/3.png", "three")], columns=2
    )
    doc.mechanics()
    doc.paragraph("settings")
    return doc


def test_html_escapes_links_pictures_and_closes_the_mechanics():
    page = _doc().to_html()
    assert "<h1>A &lt;report&gt;</h1>" in page and "x &amp; y" in page
    assert page.index("Summary") < page.index("How this report was made") < page.index("settings")
    assert page.count('<img src="images/') == 3 and page.rstrip().endswith("</html>")
    assert page.count('<div class="mechanics">') == 1 and page.rstrip().endswith("</html>")


def test_html_inlines_pictures_given_their_folder(tmp_path):
    png = b"\x89PNG\r\n\x1a\n fake"
    (tmp_path / "images").mkdir()
    for name in ("1.png", "2.png", "3.png"):
        (tmp_path / "images" / name).write_bytes(png)
    page = _doc().to_html(tmp_path)
    encoded = base64.b64encode(png).decode("ascii")
    assert page.count(f'src="data:image/png;base64,{encoded}"') == 3
    assert 'src="images/' not in page


def test_markdown_grid_rows_and_tables():
    text = _doc().to_markdown()
    assert text.startswith("# A <report>\n")
    assert "| a\\|b | 3 |" in text and "| dark | 1.23 |" in text
    assert "| ![x & y](images/1.png) | ![two](images/2.png) |" in text
    assert "| ![three](images/3.png) |" in text
    assert text.index("## How this report was made") < text.index("settings")


def test_an_empty_grid_adds_nothing():
    doc = Report("T")
    doc.images([])
    assert doc.blocks == []
