"""What a browser would submit for a form on a page: its inputs, checked boxes and selects.

Lets a test "open the page and press save" without typing the fields itself, so a field the
page forgets to show is a field the re-save loses, exactly as for a provider.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.select: str | None = None
        self.pairs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside or "name" not in a:
            if tag == "option" and self.inside and self.select and "selected" in a:
                self.pairs.append((self.select, a.get("value", "")))
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        if tag == "select":
            self.select = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    """(name, value) pairs of the form posting to ``action``, in page order."""
    parser = _Forms(action)
    parser.feed(html)
    return parser.pairs
