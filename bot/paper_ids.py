"""Paper ids as people write them: `parse_paper_id` turns an arXiv id or paper link into the id.

Daily Papers lists papers by their arXiv identifier (`Paper.id`), so every way of naming a paper
resolves to that. Limits: only arXiv and Hugging Face paper addresses are read (other sites name
papers by slugs or their own numbers); the id's shape and date are checked, not that the paper exists.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The two identifier schemes (arXiv, "Understanding the arXiv identifier", info.arxiv.org/help/
# arxiv_identifier.html): since April 2007 `YYMM.NNNN` (4-digit number, 0704-1412) and from January
# 2015 `YYMM.NNNNN` (5-digit); before, `archive(.SUBJECT-CLASS)/YYMMNNN` (1991-2007), e.g.
# `hep-th/9901001`, `math.GT/0309136`. Either may end in a version, `v2`.
_ID = re.compile(
    r"(?:(?P<yy>\d\d)(?P<mm>\d\d)\.(?P<number>\d{4,5})"
    r"|(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z]{2})?/(?P<oyy>\d\d)(?P<omm>\d\d)(?P<onumber>\d{3}))"
    r"(?:v[1-9]\d*)?",
    re.IGNORECASE,
)
_LOOKS_LIKE_ID = r"(?=\d{4}\.\d|[a-z-]+(?:\.[a-z]{2})?/\d{7})"
# "arXiv:2510.12586", "arxiv 2510.12586", the arXiv DOI "10.48550/arXiv.2510.12586" (with doi: or
# a doi.org address in front), each only when an id follows.
_PREFIX = re.compile(
    r"^(?:(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\.|arxiv\s*[:.]?\s*)" + _LOOKS_LIKE_ID,
    re.IGNORECASE,
)
_CATEGORY = re.compile(r"\s+\[[a-z-]+(?:\.[a-z-]+)?\]$", re.IGNORECASE)  # "2510.12586 [cs.CL]"
_MARKDOWN_LINK = re.compile(r"^\[[^\]]*\]\(([^()]+)\)$")  # "[the paper](https://arxiv.org/abs/...)"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_OPENERS = "<([{\"'`“‘«"
_CLOSERS = ">)]}\"'`”’».,;:!?/"

_HF_HOSTS = frozenset({"huggingface.co", "hf.co"})
# arxiv.org and its subdomains (export., ar5iv.labs., lanl., mirrors) and look-alike readers.
_ARXIV_HOSTS = frozenset({"arxiv.org", "ar5iv.org", "alphaxiv.org", "xxx.lanl.gov"})
# The first path segment of a page about one paper: abstract, PDF, HTML, formats, PostScript,
# source, and alphaXiv's overview.
_ARXIV_VIEWS = frozenset({"abs", "pdf", "html", "format", "ps", "src", "e-print", "overview"})
_FIRST_NEW_STYLE = (7, 4)  # 0704.0001 was the first YYMM.NNNN id; old-style ids end in 0703
_FIRST_OLD_STYLE = (91, 8)  # arXiv began in August 1991
_FIVE_DIGITS_FROM = 15  # 1501.00001 was the first YYMM.NNNNN id


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
      trailing `/` or sub-path (`/html/2510.12586v1/#S2`), a query string or a fragment;
    - wrappers: `<link>` and `<link|label>` (Slack, Discord's no-preview form), `[label](link)`,
      brackets and quotes around, trailing punctuation (`2510.12586.`), a trailing category as
      arXiv cites papers (`arXiv:2510.12586 [cs.CL]`).

    Old-style ids are accepted so that the answer can say the paper is not listed rather than
    misread the input: Hugging Face Daily Papers (since 2023) lists only new-style ids.
    """
    candidate = _unwrap(text)
    if not candidate:
        return None
    candidate = _PREFIX.sub("", candidate, count=1)
    found = _id_at(candidate, whole=True)
    if found is None and "/" in candidate:
        found = _id_in_link(candidate)
    return found


def _unwrap(text: str) -> str:
    """`text` without wrappers, a trailing category and trailing punctuation."""
    text = _CATEGORY.sub("", text.strip())
    link = _MARKDOWN_LINK.match(text)
    if link:
        text = link.group(1)
    if text.startswith("<") and "|" in text:  # Slack's <link|label>: the link is what counts
        text = text.partition("|")[0]
    return text.lstrip(_OPENERS).rstrip(_CLOSERS).strip()


def _id_in_link(link: str) -> str | None:
    try:
        parts = urlsplit(link if _SCHEME.match(link) else "https://" + link)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:  # e.g. a bad port or an unbalanced "[" in the host
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    view, _, rest = parts.path.strip("/").partition("/")
    if host in _HF_HOSTS:
        return _id_at(rest) if view.lower() == "papers" else None
    if host in _ARXIV_HOSTS or host.endswith(".arxiv.org"):
        return _id_at(rest) if view.lower() in _ARXIV_VIEWS else None
    return None


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
