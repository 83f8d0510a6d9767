"""The report as an HTML parser sees it: every element with its attributes, the text of each subject's section."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"meta", "input", "br", "img", "link", "hr", "area", "base", "col", "embed", "source", "track", "wbr"}
SVG_VOID_LIKE = {"rect", "line", "path", "circle"}  # written self-closed inside SVG


@dataclass
class Section:
    id: str
    attrs: dict
    text: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "".join(self.text)


class Page(HTMLParser):
    """Elements (tag, attributes) in order, the text of the document, and each <article>'s text and findings."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.sections: dict[str, Section] = {}
        self.scripts: list[str] = []
        self._article: Section | None = None
        self._in_h3 = False
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "article" and "id" in attributes:
            self._article = self.sections.setdefault(attributes["id"], Section(attributes["id"], attributes))
        elif tag == "h3" and self._article is not None:
            self._in_h3 = True
        elif tag == "li" and self._article is not None and "data-finding" in attributes:
            self._article.findings.append(attributes["data-finding"])
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "article":
            self._article = None
        elif tag == "h3":
            self._in_h3 = False
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
            return
        self.text.append(data)
        if self._in_h3 and self._article is not None:
            self._article.text.append(data)

    def all_text(self) -> str:
        return "".join(self.text)
