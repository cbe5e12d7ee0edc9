"""Text helpers for initiatives: safe markdown, accent-insensitive search keys."""

import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark without raw HTML: "<script>" typed by a user stays text. nh3 then keeps only a
# short allow-list of tags and attributes (no hx-*, on*, style, javascript: links).
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre", "h3", "h4"}
_ATTRIBUTES = {"a": {"href"}}


def render_markdown(text: str) -> Markup:
    """User markdown as safe HTML (links get rel="nofollow noopener noreferrer ugc")."""
    html = _md.render(text or "")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)


def search_key(*parts: str | None) -> str:
    """Lowercase text without accents: "Fête" and "fete" meet."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
