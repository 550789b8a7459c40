"""What every renderer shows of one paper, as clean raw text (not yet escaped for a platform).

Built once per paper so Slack, Discord and the terminal agree on content and budgets; each renderer
then escapes with `text_format.fit`, which keeps the escaped text inside the same budget. It runs for
every paper of every post, so it is kept cheap and memoised: a Paper is immutable, so its view is too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.papers import HF_PAPERS_URL, Paper
from bot.render import limits as L
from bot.render.escape import safe_url
from bot.text_format import author_names, clip, first_sentences, fit, one_line, plural

# A plain arXiv-style id makes the derived HF/arXiv/PDF URLs safe without further checks.
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}")
CACHE_SIZE = 4096  # papers; a busy day has ~50, the benchmark 1,000

V = TypeVar("V")


@dataclass(slots=True)  # read-only by convention; a frozen dataclass costs ~3x as much to build
class PaperView:
    title: str  # normalised, at most TITLE_MAX
    summary: str  # one or two sentences, at most SUMMARY_MAX
    authors: str  # first names joined, at most AUTHORS_TEXT_MAX (without " et al.")
    et_al: bool
    organization: str
    upvotes: int
    comments: int
    stars: int | None
    hf_url: str | None
    links: tuple[tuple[str, str], ...]  # (label, safe URL), Hugging Face first
    thumbnail: str | None  # raw: only Discord shows it, through safe_url


class PaperMemo(Generic[V]):
    """A bounded memo keyed by Paper (frozen, so hashable and never stale).

    Looks up by identity first (hashing a Paper hashes all its fields), then by equality, so equal
    papers re-parsed from the cache hit too. Cleared whole when full: simpler and cheaper than LRU
    bookkeeping, and a day's papers are rendered together anyway.
    """

    def __init__(self, build: Callable[[Paper], V], size: int = CACHE_SIZE) -> None:
        self._build = build
        self._size = size
        self._by_value: dict[Paper, V] = {}
        self._by_id: dict[int, tuple[Paper, V]] = {}  # holds the paper, so its id is not reused

    def get(self, paper: Paper) -> V:
        hit = self._by_id.get(id(paper))
        if hit is not None and hit[0] is paper:
            return hit[1]
        try:
            value = self._by_value.get(paper)
        except TypeError:  # a hand-made Paper holding a list: unhashable, so just build
            return self._build(paper)
        if value is None:
            value = self._build(paper)
            if len(self._by_value) >= self._size:
                self.clear()
            self._by_value[paper] = value
        if len(self._by_id) >= self._size:
            self._by_id.clear()
        self._by_id[id(paper)] = (paper, value)
        return value

    def clear(self) -> None:
        self._by_value.clear()
        self._by_id.clear()


def build_paper_view(p: Paper) -> PaperView:
    """The shown parts of `p`, uncached."""
    pid = p.id
    if _PLAIN_ID.fullmatch(pid):
        hf: str | None = f"{HF_PAPERS_URL}/{pid}"
        links = [
            ("Hugging Face", hf),
            ("arXiv", f"https://arxiv.org/abs/{pid}"),
            ("PDF", f"https://arxiv.org/pdf/{pid}"),
        ]
    else:
        hf = safe_url(p.hf_url)
        candidates = (("Hugging Face", hf), ("arXiv", safe_url(p.arxiv_url)), ("PDF", safe_url(p.pdf_url)))
        links = [(label, url) for label, url in candidates if url]
    if p.github_url and (url := safe_url(p.github_url)):
        links.append(("GitHub", url))
    if p.project_page and (url := safe_url(p.project_page)):
        links.append(("Project page", url))
    names, et_al = author_names(p.authors, L.AUTHORS_SHOWN, L.AUTHOR_NAME_MAX)
    source = p.ai_summary or p.abstract
    return PaperView(
        clip(one_line(p.title), L.TITLE_MAX) or clip(one_line(pid), L.TITLE_MAX) or "Untitled",
        first_sentences(source, L.SUMMARY_MAX) if source else "",
        clip(names, L.AUTHORS_TEXT_MAX),
        et_al,
        clip(one_line(p.organization), L.ORG_MAX) if p.organization else "",
        p.upvotes,
        p.comments,
        p.github_stars,
        hf,
        tuple(links),
        p.thumbnail,
    )


paper_views: PaperMemo[PaperView] = PaperMemo(build_paper_view)
paper_view = paper_views.get


def join_topics(topics: Sequence[str]) -> str:
    """Topics as typed, each cut to TOPIC_MAX, the line to TOPICS_TEXT_MAX."""
    return clip(
        ", ".join(t for t in (clip(one_line(t), L.TOPIC_MAX) for t in topics) if t), L.TOPICS_TEXT_MAX
    )


_topic_lines: dict[tuple[Sequence[str], Callable[[str], str]], str] = {}


def topics_line(topics: Sequence[str], escape: Callable[[str], str]) -> str:
    """`join_topics` escaped for a platform, within TOPICS_TEXT_MAX; memoised, since every entry of a
    topic digest repeats one of a few combinations."""
    key = (topics, escape)
    try:
        line = _topic_lines.get(key)
    except TypeError:  # topics given as a list
        return fit(join_topics(topics), L.TOPICS_TEXT_MAX, escape)
    if line is None:
        if len(_topic_lines) >= CACHE_SIZE:
            _topic_lines.clear()
        line = _topic_lines[key] = fit(join_topics(topics), L.TOPICS_TEXT_MAX, escape)
    return line


def empty_message(total: int, offset: int, day: str, topics: str) -> str:
    """What a digest without entries says; `topics` already escaped for the platform (or "")."""
    if total and offset >= total:
        return f"No more papers: all {plural(total, 'paper')} of {day} are shown already."
    if total:  # nothing asked for (a page of 0), but there are papers
        return f"{plural(total, 'paper')} on the list for {day}."
    if topics:
        return f"No papers matched {topics} on {day}."
    return f"No papers on the list for {day} yet."
