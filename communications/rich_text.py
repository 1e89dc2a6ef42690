"""Email bodies as HTML: an allow-list sanitizer (nh3), the safe variable renderer, and the plain-text part.

What staff type is sanitized when it is saved and again when it is rendered; it is never compiled as
a Django template. Variables ({name}) are filled by walking the sanitized HTML: in text every value is
HTML-escaped (a link variable becomes an <a>), in a link's address only a link variable may stand
alone, and the result goes through the sanitizer once more before anyone sees it.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

import nh3
from django.utils.html import linebreaks

from .templates_registry import LINK_VARIABLES, Link

TAGS = frozenset({"p", "br", "strong", "em", "u", "a", "ul", "ol", "li", "h2", "h3", "blockquote"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"
# Removed with everything inside them (the other tags not allowed keep their text).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "embed", "noscript", "textarea",
                                  "select", "svg", "math", "title", "head"})
VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
BRACED = re.compile(r"\{([^{}]*)\}")
ALONE = re.compile(r"^\{[A-Za-z_][A-Za-z0-9_]*\}$")
ABSOLUTE = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
# What a browser's editor makes for bold, italic and a new line, as the allow-list names them.
SYNONYMS = (
    (re.compile(r"<(/?)b(?=[\s>/])", re.IGNORECASE), r"<\1strong"),
    (re.compile(r"<(/?)i(?=[\s>/])", re.IGNORECASE), r"<\1em"),
    (re.compile(r"<(/?)div(?=[\s>/])", re.IGNORECASE), r"<\1p"),
)
TAG = re.compile(r"<[A-Za-z/!]")


def _href(tag: str, attribute: str, value: str) -> str | None:
    # A link goes to a web or mail address, or is one {variable} alone (filled when the email is made).
    if tag == "a" and attribute == "href":
        value = value.strip()
        return value if ABSOLUTE.match(value) or ALONE.match(value) else None
    return value


def sanitize(html: str) -> str:
    """Only the allow-listed tags, links to http/https/mailto (rel="noopener noreferrer"); nothing else."""
    html = str(html or "")
    for pattern, replacement in SYNONYMS:
        html = pattern.sub(replacement, html)
    return nh3.clean(html, tags=set(TAGS), clean_content_tags=set(DROPPED_WITH_CONTENT),
                     attributes={"a": {"href"}}, attribute_filter=_href, url_schemes=set(URL_SCHEMES),
                     link_rel=LINK_REL, strip_comments=True).strip()


def looks_like_html(text: str) -> bool:
    return bool(TAG.search(text or ""))


def plain_to_html(text: str) -> str:
    """Plain text as paragraphs (blank lines) and line breaks, escaped."""
    return linebreaks(str(text or "").strip(), autoescape=True)


def as_html(text: str) -> str:
    """A body as sanitized HTML: what has no tag at all is plain text, turned into paragraphs first."""
    return sanitize(text if looks_like_html(text) else plain_to_html(text))


def hrefs(html: str) -> list[str]:
    """The addresses of the links in a (sanitized) body."""
    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                found.extend(v or "" for k, v in attrs if k == "href")

    Links(convert_charrefs=True).feed(html)
    return found


def _value_html(value) -> str:
    if isinstance(value, Link):
        return f'<a href="{escape(value.url)}">{escape(value.label or value.url)}</a>'
    return escape(str(value)).replace("\n", "<br>")


def _fill_text(text: str, context: dict, *, in_link: bool) -> str:
    out, last = [], 0
    for match in VARIABLE.finditer(text):
        out.append(escape(text[last:match.start()]))
        name = match.group(1)
        if name in LINK_VARIABLES and name in context and not isinstance(context[name], Link):
            context = {**context, name: Link(url=str(context[name]))}
        if name not in context:
            out.append(escape(match.group(0)))  # unknown: stays as typed
        elif in_link:  # a link inside a link is its words only
            value = context[name]
            out.append(escape(value.label or value.url if isinstance(value, Link) else str(value)))
        else:
            out.append(_value_html(context[name]))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


class _Filler(HTMLParser):
    def __init__(self, context: dict):
        super().__init__(convert_charrefs=True)
        self.context, self.out, self.links = context, [], 0

    def _attrs(self, attrs) -> str:
        parts = []
        for name, value in attrs:
            value = value or ""
            if name == "href" and ALONE.match(value.strip()):
                found = self.context.get(value.strip()[1:-1])
                value = found.url if isinstance(found, Link) else str(found) if found is not None else value
            parts.append(f' {name}="{escape(value)}"')
        return "".join(parts)

    def handle_starttag(self, tag, attrs):
        self.out.append(f"<{tag}{self._attrs(attrs)}>")
        self.links += tag == "a"

    def handle_startendtag(self, tag, attrs):
        self.out.append(f"<{tag}{self._attrs(attrs)}>")

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag == "a":
            self.links = max(0, self.links - 1)

    def handle_data(self, data):
        self.out.append(_fill_text(data, self.context, in_link=self.links > 0))


def render_html(body: str, context: dict) -> str:
    """The body with its variables filled: values escaped, link variables as links, sanitized again."""
    filler = _Filler(context)
    filler.feed(sanitize(body))
    filler.close()
    return sanitize("".join(filler.out))


BLOCKS = frozenset({"p", "h2", "h3", "blockquote", "ul", "ol"})


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.lists: list[list] = []  # [kind, counter] per open list
        self.link: list[tuple[str, list[str]]] = []

    def _write(self, text: str):
        if self.link:
            self.link[-1][1].append(text)
        else:
            self.lines[-1] += text

    def _break(self, blank: bool = False):
        if self.lines[-1].strip():
            self.lines.append("")
        if blank and len(self.lines) > 1 and self.lines[-2] != "":
            self.lines.append("")

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self._break(blank=not self.lists)
            if tag in ("ul", "ol"):
                self.lists.append([tag, 0])
        elif tag == "li":
            self._break()
            if self.lists:
                self.lists[-1][1] += 1
                kind, n = self.lists[-1]
                self.lines[-1] = "  " * (len(self.lists) - 1) + (f"{n}. " if kind == "ol" else "- ")
        elif tag == "br":
            self.lines.append("")
        elif tag == "a":
            self.link.append((dict(attrs).get("href") or "", []))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            self._break(blank=not self.lists)
        elif tag == "a" and self.link:
            href, words = self.link.pop()
            label = " ".join("".join(words).split())
            address = href[len("mailto:"):] if href.lower().startswith("mailto:") else href
            self._write(label if not href or label in (href, address) else
                        f"{label} ({address})" if label else address)

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1].strip() and not self.link:
            text = text.lstrip()
        self._write(text)


def to_text(html: str) -> str:
    """The plain-text part of an email: paragraphs, line breaks, list bullets, links with their address."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.rstrip() for line in parser.lines]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
