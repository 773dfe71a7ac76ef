"""Markdown to safe HTML for literacy articles, and reading-time estimates.

Pure functions without models, so the seed migration renders with exactly the code the article
services use. Editors are trusted staff, but an account can be taken over and text can be pasted
from anywhere: whatever the Markdown holds, only the tags, attributes and URL schemes listed here
reach a borrower's page, and images only from the portal's own static and media files (the
Content-Security-Policy would block any other, and loading one would tell its host who reads)."""

import math
import re
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "b",
    "i",
    "blockquote",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"scope"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Reading speeds for plain-language text: Chinese readers take in about 400 characters a minute,
# English readers about 200 words.
CHINESE_CHARACTERS_PER_MINUTE = 400
ENGLISH_WORDS_PER_MINUTE = 200

_H1 = re.compile(r"<(/?)h1>", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")


def markdown_to_safe_html(text):
    """Render ``text`` (Markdown) and keep only the allowed markup. ``<script>`` and ``<style>``
    go with their content; event handlers, ``style`` and ``javascript:`` links are dropped, and an
    image from anywhere but the portal itself loses its address (its alt text stays)."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    # The page's title is its only h1; a "# heading" in the body becomes a section heading.
    html = _H1.sub(r"<\1h2>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        attribute_filter=_keep_own_images,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _keep_own_images(tag, attribute, value):
    """nh3's attribute filter: an ``<img src>`` stays only as a path under STATIC_URL or
    MEDIA_URL, never as an address on another host (``https://…``, ``//host/…``)."""
    if tag == "img" and attribute == "src" and not is_portal_image(value):
        return None
    return value


def is_portal_image(url):
    """True for an image the portal serves itself: a path (no scheme, no host) under its static
    or media files."""
    parts = urlsplit(url)
    own_prefixes = (settings.STATIC_URL, settings.MEDIA_URL)
    return not parts.scheme and not parts.netloc and parts.path.startswith(own_prefixes)


def reading_minutes(text, language):
    """Whole minutes to read ``text``, at least one. Chinese has no spaces between words, so it is
    counted in characters; Latin words inside Chinese text count as words on top."""
    text = text or ""
    if language.startswith("zh"):
        characters = len(_HAN.findall(text))
        words = len(_WORD.findall(_HAN.sub(" ", text)))
        minutes = characters / CHINESE_CHARACTERS_PER_MINUTE + words / ENGLISH_WORDS_PER_MINUTE
    else:
        minutes = len(_WORD.findall(text)) / ENGLISH_WORDS_PER_MINUTE
    return max(1, math.ceil(minutes))
