"""Drawing helpers: text from uploads and the database is shown as typed, never as Markdown."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from survey.ui import escape_markdown

HOSTILE = [
    "[click](http://evil.example)",
    "![x](http://evil.example/x.png)",
    "<a href='http://evil.example'>x</a>",
    "**bold** _it_ `code` ~~gone~~",
    ":red[alarm] $x^2$",
    "# heading",
    "> quote\n- item",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_the_characters_typed(text: str) -> None:
    html = MarkdownIt("commonmark").render(escape_markdown(text))
    assert "<a " not in html and "<img" not in html and "<strong>" not in html
    assert "<h1>" not in html and "<blockquote>" not in html and "<code>" not in html
    assert "<li>" not in html and "<em>" not in html


def test_bare_addresses_cannot_become_links() -> None:
    escaped = escape_markdown("see http://evil.example or www.evil.example")
    assert "http://" not in escaped and "www." not in escaped


def test_line_breaks_stay_line_breaks() -> None:
    assert escape_markdown("row 3: 'x'\nrow 4") == "row 3\\: \\'x\\'  \nrow 4"
