"""Text from Slack as the user typed it: Slack's escaping and markup decoded, exactly once.

Slack sends user text with its three mrkdwn control characters as entities (`&` -> `&amp;`,
`<` -> `&lt;`, `>` -> `&gt;`) and wraps what it turned into links in angle brackets: user mentions
`<@U123|name>`, channels `<#C123|name>`, special mentions `<!here>` / `<!subteam^S1|@team>`, and
URLs as `<https://url>` or `<https://url|label>` ("Formatting text for app surfaces": escaping and
retrieving messages, api.slack.com/reference/surfaces/formatting). A bare `<` or `&` therefore
only ever starts markup or an entity, so decoding is exact: markup first, then each piece's entities
in one pass (`&amp;lt;` is the text `&lt;`, never `<`).

The Slack adapter decodes everything Slack sends with these, once, at its boundary; the core works
on plain text and the renderers (bot/render) escape it once on the way out. The one other caller is
the store, for topics that earlier versions kept as Slack sent them (bot/store/migrations.py). Only
those three entities are decoded (not `html.unescape`'s whole HTML5 table): Slack escapes no others,
so anything else is literal text. Pure text: no Slack SDK here.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?://)?", re.IGNORECASE)  # "https://", "mailto:"
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_MARKUP = re.compile(r"<([^<>]*)>")
_BROADCASTS = frozenset({"here", "channel", "everyone"})  # `<!here>`, also sent as `<!here|here>`


def unescape(text: str) -> str:
    """Slack's three entities decoded in one pass: `Q&amp;A` -> `Q&A`, `&amp;lt;` -> `&lt;`."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text) if "&" in text else text


def user_text(text: str) -> str:
    """What the user typed, from text Slack sent (a slash command's `text`, say).

    Entities are decoded, and markup becomes what it shows in Slack:

    - `<https://arxiv.org/abs/2510.12586>` -> `https://arxiv.org/abs/2510.12586`
    - `<http://arxiv.org/abs/2510.12586|arxiv.org/abs/2510.12586>` -> `arxiv.org/abs/2510.12586`
      (Slack turned what the user typed into a link labelled with it: the label is what was typed)
    - `<https://arxiv.org/abs/2510.12586|the paper>` -> `[the paper](https://arxiv.org/abs/2510.12586)`
      (a link with a label of its own, pasted as rich text: both the label and the address, as the
      Markdown link a Discord user types; `why` reads the address, a topic keeps both)
    - `<@U123|ana>` -> `@ana`, `<@U123>` -> `@U123`; `<#C123|general>` -> `#general`
    - `<!here>` -> `@here`, `<!subteam^S1|@team>` -> `@team`, `<!date^...|fallback>` -> `fallback`

    The result is plain text: the renderers escape it again for whichever platform shows it.
    """
    if "<" not in text:
        return unescape(text)
    out: list[str] = []
    last = 0
    for match in _MARKUP.finditer(text):
        out.append(unescape(text[last : match.start()]))
        out.append(unescape(_shown(match.group(1))))
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)


def _shown(inner: str) -> str:
    """What Slack shows for the markup `<inner>` (still entity-encoded)."""
    target, bar, label = inner.partition("|")
    if target.startswith(("@", "#")):
        return target[0] + (label or target[1:])
    if target.startswith("!"):
        name = target[1:]
        return "@" + name if name in _BROADCASTS or not label else label
    if not (bar and label) or _names_itself(target, label):
        return label or target
    return f"[{label}]({target})"


def _names_itself(target: str, label: str) -> bool:
    """Whether `label` is `target` as it was typed: itself, or without its scheme or final `/`."""
    bare = _SCHEME.sub("", target).rstrip("/").casefold()
    shown = label.rstrip("/").casefold()
    return shown in (bare, target.rstrip("/").casefold())
