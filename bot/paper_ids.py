"""Paper ids as people write them: `parse_paper_id` turns an arXiv id or paper link into the id.

Daily Papers lists papers by their arXiv identifier (`Paper.id`), so every way of naming a paper
resolves to that. Limits: only arXiv and Hugging Face paper addresses are read (other sites name
papers by slugs or their own numbers); the id's shape and date are checked, not that the paper exists.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.typed_text import fold

# The two identifier schemes (arXiv, "Understanding the arXiv identifier", info.arxiv.org/help/
# arxiv_identifier.html): since April 2007 `YYMM.NNNN` (4-digit number, 0704-1412) and from January
# 2015 `YYMM.NNNNN` (5-digit); before, `archive(.SUBJECT-CLASS)/YYMMNNN` (1991-2007), e.g.
# `hep-th/9901001`, `math.GT/0309136`. Either may end in a version, `v2` (written apart too, as in
# "arXiv:2510.12586 v2").
_ID = re.compile(
    r"(?:(?P<yy>\d\d)(?P<mm>\d\d)\.(?P<number>\d{4,5})"
    r"|(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z]{2})?/(?P<oyy>\d\d)(?P<omm>\d\d)(?P<onumber>\d{3}))"
    r"(?:\s*v[1-9]\d*)?",
    re.IGNORECASE | re.ASCII,
)
_LOOKS_LIKE_ID = r"(?=\d{4}\.\d|[a-z-]+(?:\.[a-z]{2})?/\d{7})"
# What comes before an id in citations, each only when an id follows: "arXiv:2510.12586",
# "arxiv 2510.12586", "arXiv ID: 2510.12586", the arXiv DOI "10.48550/arXiv.2510.12586" (with doi:
# or a doi.org address in front), DBLP's "CoRR abs/2510.12586".
_PREFIX = re.compile(
    r"^(?:(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\.|arxiv(?:\s*id)?\s*[:.#]?\s*"
    r"|corr\s+abs/)" + _LOOKS_LIKE_ID,
    re.IGNORECASE | re.ASCII,
)
# ... and before those, Google Scholar's "arXiv preprint arXiv:...", "arXiv e-print ...",
# Nature's "Preprint at https://...".
_PREPRINT = re.compile(r"^(?:arxiv\s+)?(?:pre-?print|e-?print)(?:\s+at)?\s*:?\s+(?=\S)", re.IGNORECASE)
# What follows an id in citations: arXiv's category "[cs.CL]" and the date of its PDF stamp
# ("arXiv:2510.12586v1 [cs.CL] 14 Oct 2025"), a year "(2025)" or ", 2025".
_CITATION_TAIL = re.compile(
    r"(?:\s+\[[a-z-]+(?:\.[a-z-]+)?\])?(?:\s+\d{1,2}\s+[a-z]{3,9}\.?\s+\d{4})?"
    r"(?:\s*\((?:19|20)\d\d\)|\s*,\s*(?:19|20)\d\d)?[.,;]?$",
    re.IGNORECASE | re.ASCII,
)
# "[the paper](https://arxiv.org/abs/...)"; the label may hold brackets, not a second link
_MARKDOWN_LINK = re.compile(r"^\[(?:[^\]]|\](?!\())*\]\(([^()]+|\S+)\)$")
# "https://", and "https:/", "https:///" or "https//" as fingers type them
_HTTP = re.compile(r"^(https?)(?::/+|//+)", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Brackets, quotes and Markdown / Slack emphasis around an id, and punctuation after it.
_OPENERS = "<([{\"'`“‘«‹„「『【〈《〔*_~"
_CLOSERS = ">)]}\"'`”’»›」』】〉》〕*_~.,;:!?/、"
# Decimal points that are not ".": the ideographic full stop (a CJK keyboard's "."), the Arabic one.
_DECIMAL_POINTS = str.maketrans({"。": ".", "٫": "."})

_HF_HOSTS = frozenset({"huggingface.co", "hf.co"})
# arxiv.org and its subdomains (export., ar5iv.labs., lanl., mirrors) and look-alike readers.
_ARXIV_HOSTS = frozenset({"arxiv.org", "ar5iv.org", "alphaxiv.org", "xxx.lanl.gov"})
# The first path segment of a page about one paper: abstract, PDF, HTML, formats, PostScript,
# source, and alphaXiv's overview.
_ARXIV_VIEWS = frozenset({"abs", "pdf", "html", "format", "ps", "src", "e-print", "overview"})
_FIRST_NEW_STYLE = (7, 4)  # 0704.0001 was the first YYMM.NNNN id; old-style ids end in 0703
_FIRST_OLD_STYLE = (91, 8)  # arXiv began in August 1991
_FIVE_DIGITS_FROM = 15  # 1501.00001 was the first YYMM.NNNNN id
# A view glued to a new-style id, the "/" left out: "arxiv.org/pdf2510.12586".
_GLUED_VIEW = re.compile(r"^(?P<view>[a-z-]+?)(?P<id>\d{4}\.\d.*)$", re.IGNORECASE | re.ASCII)


def parse_paper_id(text: str) -> str | None:
    """The arXiv id that `text` names, without its version, or None if it names none.

    Returns e.g. `"2510.12586"`, or `"hep-th/9901001"` for an old-style id (archive in lower
    case, subject class dropped, as arXiv itself resolves `math.GT/0309136` as `math/0309136`).
    Accepted, in any letter case, with whitespace around:

    - ids: `2510.12586`, `2510.12586v2`, `0704.0001` (4-digit numbers 2007-2014), old-style
      `hep-th/9901001`, `math.GT/0309136v1`, `cs/0112017`;
    - prefixes: `arXiv:2510.12586`, `arxiv: 2510.12586`, `arXiv 2510.12586`, the DOI
      `10.48550/arXiv.2510.12586`, `doi:10.48550/...`, `https://doi.org/10.48550/...`;
    - links, with or without `http://` / `https://` and `www.`: arxiv.org and its subdomains
      (export.arxiv.org, ar5iv.labs.arxiv.org, ...), ar5iv.org, alphaxiv.org and xxx.lanl.gov at
      `/abs/`, `/pdf/`, `/html/`, `/format/`, `/ps/`, `/src/`, `/e-print/` or `/overview/` + id;
      huggingface.co and hf.co at `/papers/` + id; any of them with a version, `.pdf`, a
      trailing `/` or sub-path (`/html/2510.12586v1/#S2`), a query string or a fragment; and as
      fingers type them: `arxiv.org//abs//2510.12586`, `https:/arxiv.org/...`, an `arXiv:` in
      the path (`/abs/arXiv:2510.12586`), the `/` after the view left out (`/pdf2510.12586`);
    - citations: `arXiv preprint arXiv:2510.12586` (Google Scholar), arXiv's PDF stamp
      `arXiv:2510.12586v1 [cs.CL] 14 Oct 2025`, DBLP's `CoRR abs/2510.12586`, a year `(2025)`
      or `, 2025`, a version written apart (`arXiv:2510.12586 v2`);
    - wrappers: `<link>` and `<link|label>` (Slack, Discord's no-preview form), `[label](link)`,
      brackets, quotes and emphasis (`*...*`, `「...」`) around, trailing punctuation
      (`2510.12586.`, `2510.12586。`);
    - any script's way of typing these: full-width forms (`ａｒＸｉｖ：２５１０．１２５８６`) and
      other compatibility characters (NFKC), every script's decimal digits (`٢٥١٠.١٢٥٨٦`), the
      ideographic and Arabic decimal points, and invisible format characters anywhere (all by
      `bot.typed_text.fold`).

    Old-style ids are accepted so that the answer can say the paper is not listed rather than
    misread the input: Hugging Face Daily Papers (since 2023) lists only new-style ids.
    """
    candidate = _unwrap(fold(text).translate(_DECIMAL_POINTS))
    if not candidate:
        return None
    candidate = _unwrap(_PREFIX.sub("", _PREPRINT.sub("", candidate, count=1), count=1))
    found = _id_at(candidate, whole=True)
    if found is None and "/" in candidate:
        found = _id_in_link(candidate)
    return found


def _unwrap(text: str) -> str:
    """`text` without wrappers, what citations put after an id, and trailing punctuation."""
    text = _CITATION_TAIL.sub("", text.strip(), count=1)
    link = _MARKDOWN_LINK.match(text)
    if link:
        text = link.group(1)
    if text.startswith("<") and "|" in text:  # Slack's <link|label>: the link is what counts
        text = text.partition("|")[0]
    text = text.lstrip(_OPENERS).rstrip(_CLOSERS).strip()
    return _CITATION_TAIL.sub("", text, count=1)  # "(2510.12586 [cs.CL])": inside the wrapper


def _id_in_link(link: str) -> str | None:
    link = _HTTP.sub(r"\1://", link, count=1)
    try:
        parts = urlsplit(link if _SCHEME.match(link) else "https://" + link)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:  # e.g. a bad port or an unbalanced "[" in the host
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    view, _, rest = re.sub("/{2,}", "/", parts.path).strip("/").partition("/")
    if host in _HF_HOSTS:
        views = frozenset({"papers"})
    elif host in _ARXIV_HOSTS or host.endswith(".arxiv.org"):
        views = _ARXIV_VIEWS
    else:
        return None
    if view.lower() not in views:
        glued = _GLUED_VIEW.match(view)
        if glued is None or glued["view"].lower() not in views:
            return None
        rest = glued["id"] + ("/" + rest if rest else "")
    return _id_at(_PREFIX.sub("", rest, count=1))


def _id_at(text: str, *, whole: bool = False) -> str | None:
    """The valid id that is all of `text` (or `text` is an id + `.pdf`); unless `whole`, the id
    may also be followed by a sub-path."""
    match = _ID.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    if rest and rest.lower() != ".pdf" and (whole or not rest.startswith("/")):
        return None
    return _canonical(match)


def _canonical(match: re.Match[str]) -> str | None:
    if match["number"] is not None:
        yy, mm, number = int(match["yy"]), int(match["mm"]), match["number"]
        if not 1 <= mm <= 12 or (yy, mm) < _FIRST_NEW_STYLE or int(number) == 0:
            return None
        if (len(number) == 5) != (yy >= _FIVE_DIGITS_FROM):
            return None
        return f"{match['yy']}{match['mm']}.{number}"
    yy, mm = int(match["oyy"]), int(match["omm"])
    in_use = (yy, mm) >= _FIRST_OLD_STYLE or (yy, mm) < _FIRST_NEW_STYLE
    if not 1 <= mm <= 12 or not in_use or int(match["onumber"]) == 0:
        return None
    return f"{match['archive'].lower()}/{match['oyy']}{match['omm']}{match['onumber']}"
