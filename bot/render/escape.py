"""Escaping for each platform, and the URL guard.

Text from outside (titles, abstracts, authors, organisations, topics typed by users) must never ping
anyone or break our markup. Slack only parses `&`, `<`, `>` (mentions live inside `<...>`); Discord
parses markdown and `@everyone`/`@here`/`<@id>`/`<#id>`/`<@&id>`, so we also break those with a
zero-width space (allowed_mentions {"parse": []} is the second guard).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.render.limits import URL_MAX

ZWSP = "\u200b"

# Discord markdown: emphasis, code, spoilers, quotes, masked links, escapes.
_DISCORD_MD = re.compile(r"[\\*_~`|>\[\]()]")
_DISCORD_LINE_START = frozenset("#-+")  # headings, lists (our pieces may start a line)

# Characters kept verbatim in a URL; everything else is percent-encoded. Leaves out ( ) for Discord's
# [text](url), @ so no "@everyone" survives, and | < > " space that would end Slack's <url|text>.
_URL_SAFE_CHARS = "-._~:/?#[]!$&'*+,;=%"
# scheme, a host name, an optional port, then only characters that need no quoting.
_URL_OK = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9\-._~:/?#\[\]!$&'*+,;=%]*)?",
    re.I,
)


def slack_escape(text: str) -> str:
    """mrkdwn's three control characters as entities (`&` first, so entities are not doubled wrong)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def slack_link_text(text: str) -> str:
    """Text inside `<url|text>`: escaped, and `|` (the separator) swapped for a look-alike."""
    text = slack_escape(text)
    return text.replace("|", "∣") if "|" in text else text


def discord_escape(text: str) -> str:
    """Markdown escaped with backslashes; mentions and `<...>` tags broken with a zero-width space."""
    text = _DISCORD_MD.sub(r"\\\g<0>", text)
    if "@" in text:
        text = text.replace("@", "@" + ZWSP)
    if "<" in text:
        text = text.replace("<", "<" + ZWSP)
    if text and text[0] in _DISCORD_LINE_START:
        text = "\\" + text
    return text


def safe_url(url: str | None) -> str | None:
    """An http(s) URL safe to put inside `<url|text>` or `[text](url)`, or None.

    Unsafe characters are percent-encoded (not dropped: the link keeps working); URLs longer than
    URL_MAX are refused rather than cut, since a cut URL is a broken link.
    """
    if not url or len(url) > URL_MAX:
        return None
    if _URL_OK.fullmatch(url):
        return url
    try:
        url = quote(url.strip(), safe=_URL_SAFE_CHARS)
    except UnicodeEncodeError:  # a lone surrogate: not a URL anyone can open
        return None
    return url if len(url) <= URL_MAX and _URL_OK.fullmatch(url) else None
