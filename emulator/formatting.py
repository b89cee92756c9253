"""Message text as Telegram stores it: HTML parse mode, entities, trimming, UTF-16 lengths.

Telegram never keeps the markup a bot sends: ``<b>Hi</b>`` comes back as text ``Hi`` with a
``bold`` entity, surrounding whitespace is trimmed, and lengths/offsets count UTF-16 code
units. Doing the same here matters for two reasons: the transcript shows what a user would
read, and "message is not modified" is decided on the parsed text, so a bot that re-renders
the same screen gets the same 400 it would get in production. Invalid HTML (an unsupported
tag such as ``<br>``) is rejected the way Telegram rejects it, which catches template bugs in
tests instead of in front of users.

Markdown and MarkdownV2 are kept verbatim (no entities): the project renders HTML.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from .errors import ApiError, bad_request

# tag -> entity type; tags with special handling (a, span, pre, code, blockquote, tg-emoji)
# are resolved in _OpenTag.entity_type.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's offsets and length limits."""
    return len(text.encode("utf-16-le")) // 2


class _EntityParser(HTMLParser):
    """Collects plain text and entities; raises ApiError with Telegram's parse messages."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self._parts: list[str] = []
        self._position = 0
        self._open: list[tuple[str, dict[str, Any], int]] = []
        self._entities: list[dict[str, Any]] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self._source[:index].encode())

    def _fail(self, reason: str) -> ApiError:
        return bad_request(f"Bad Request: can't parse entities: {reason}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SIMPLE_TAGS:
            raise self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        attributes = {name: value or "" for name, value in attrs}
        entity: dict[str, Any] = {"type": _SIMPLE_TAGS[tag]}
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise self._fail('Tag "span" must have class "tg-spoiler"')
        if tag == "a":
            entity["url"] = attributes.get("href", "")
        if tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id", "")
        if tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        if tag == "code" and self._open and self._open[-1][0] == "pre":
            language = attributes.get("class", "").removeprefix("language-")
            if language:
                self._open[-1][1]["language"] = language
            entity = {}  # <pre><code class=...> is one "pre" entity, not two
        self._open.append((tag, entity, self._position))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            raise self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, entity, start = self._open.pop()
        if open_tag != tag:
            raise self._fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        length = self._position - start
        empty_link = entity.get("type") == "text_link" and not entity.get("url")
        if entity and length > 0 and not empty_link:
            self._entities.append({**entity, "offset": start, "length": length})

    def handle_data(self, data: str) -> None:
        self._parts.append(data)
        self._position += utf16_len(data)

    def finish(self) -> tuple[str, list[dict[str, Any]]]:
        self.close()
        if self._open:
            raise self._fail(
                f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"'
            )
        self._entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self._parts), self._entities


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Split Telegram-flavoured HTML into plain text and entities (UTF-16 offsets)."""
    parser = _EntityParser(source)
    parser.feed(source)
    return parser.finish()


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def render_text(
    raw: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities Telegram would store for ``raw`` sent with ``parse_mode``.

    Explicit ``entities`` win over ``parse_mode``, as in the Bot API.
    """
    if entities:
        return _strip(raw, [dict(e) for e in entities])
    if parse_mode is not None and parse_mode.lower() == "html":
        return _strip(*parse_html(raw))
    return _strip(raw, [])


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity Telegram adds to a user's ``/command`` message."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
