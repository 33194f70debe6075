"""The document builder shared by the reports: one content, HTML and Markdown."""

from __future__ import annotations

from fashionnet.report_html import Document


def _doc():
    doc = Document("A <report>", columns=2)
    doc.heading("Summary")
    doc.table(["issue", "files"], [["a|b", 3], ["dark", 1.23456]], floatfmt=".3g")
    doc.images([("images/1.png", "x & y"), ("images/2.png", "two"), ("images/3.png", "three")])
    doc.mechanics()
    doc.paragraph("settings")
    return doc


def test_html_escapes_and_closes_the_mechanics():
    page = _doc().to_html()
    assert "<h1>A &lt;report&gt;</h1>" in page and "x &amp; y" in page
    assert page.index("Summary") < page.index("How this report was made") < page.index("settings")
    assert page.count('<img src="images/') == 3 and page.rstrip().endswith("</html>")
    assert '<td class="num">3</td>' in page


def test_markdown_grid_rows_and_tables():
    text = _doc().to_markdown()
    assert text.startswith("# A <report>\n")
    assert "| a\\|b | 3 |" in text and "| dark | 1.23 |" in text
    assert "| ![x & y](images/1.png) | ![two](images/2.png) |" in text
    assert "| ![three](images/3.png) |" in text
    assert text.index("## How this report was made") < text.index("settings")
