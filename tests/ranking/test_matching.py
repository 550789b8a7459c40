"""Matching one paper against a topic: BM25F over the fields, background IDF, the soft AND of several
words, associated terms, exclusions, acronyms, and a decision that does not depend on the day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ranking import TopicMatch, TopicQuery, match, rank
from bot.ranking.background import background
from bot.ranking.index import _INDEXES, INDEX_CACHE_SIZE, clear_index_cache, lookup, paper_index
from bot.ranking.relevance import compiled, match_entry
from bot.ranking.tuning import MATCH_THRESHOLD
from tests.ranking.texts import FILLER, paper

NOW = datetime(2025, 10, 17, tzinfo=UTC)


def score(query: str, p) -> float:
    m = match(query, p)
    return 0.0 if m is None else m.score


def relevance(query: str, p) -> float:
    """The relevance of the best side of OR, matched or not."""
    scored = [side.score(paper_index(p)) for side in compiled(TopicQuery.parse(query)).sides]
    return max(s[0] for s in scored if s is not None)


# --- one word: BM25F evidence -----------------------------------------------------------------------------


def test_one_passing_mention_in_the_abstract_is_not_a_match():
    assert (
        match("diffusion", paper(abstract="Unlike diffusion models, our approach is autoregressive.")) is None
    )


def test_repeated_mentions_in_the_abstract_are_a_match():
    p = paper(
        abstract="Diffusion models are slow. We distil diffusion into one step. The diffusion student is fast."
    )
    m = match("diffusion", p)
    assert m is not None and m.fields == ("abstract",)


def test_a_title_mention_alone_is_enough():
    m = match("diffusion", paper(title="Faster Diffusion Sampling"))
    assert m is not None and m.fields == ("title",)


def test_a_title_mention_weighs_three_times_an_abstract_mention():
    title = relevance("speech", paper(title="Speech recognition at scale"))
    keywords = relevance("speech", paper(ai_keywords=["speech recognition"]))
    abstract = relevance("speech", paper(abstract="Speech data is scarce."))
    thrice = relevance("speech", paper(abstract="Speech is hard. Speech data is scarce. Speech varies."))
    assert title > keywords > 0 and title > abstract > 0
    assert title == pytest.approx(thrice, abs=0.04)  # abstracts of about average length


def test_evidence_saturates():
    one, ten, thirty = (
        relevance("speech", paper(abstract=" ".join(["Speech matters."] * n))) for n in (1, 10, 30)
    )
    assert one < ten < thirty < 1.0
    assert thirty - ten < (ten - one) / 4
    everywhere = paper(
        title="Speech recognition at scale",
        abstract="Speech is hard. Speech data is scarce.",
        ai_keywords=["speech recognition", "speech data"],
        ai_summary="Large-scale speech recognition.",
    )
    assert match("speech", everywhere).fields == ("title", "keywords", "summary", "abstract")


def test_relevance_grows_with_evidence_and_stays_below_one():
    values = [
        score("speech", paper(title=title, abstract=abstract))
        for title, abstract in [
            ("Speech", FILLER),
            ("Speech", "Speech matters."),
            ("Speech", "Speech matters. Speech again."),
            ("Speech recognition", "Speech matters. Speech again. More speech."),
        ]
    ]
    assert values == sorted(values) and MATCH_THRESHOLD <= values[0] < values[-1] < 1


# --- several words: every word counts, rare words most ------------------------------------------------------


def test_every_word_counts():
    both = paper(title="Efficient inference for transformers")
    one = paper(title="Efficient training of transformers")
    assert score("efficient inference", both) > score("efficient inference", one)
    assert match("efficient inference", paper(title="Training of transformers")) is None


def test_a_missing_common_word_costs_little_a_missing_rare_word_a_lot():
    # "models" is in most papers, "diffusion" in a sixth of them (background statistics)
    assert match("diffusion models", paper(title="Diffusion transformers for video")) is not None
    assert match("diffusion models", paper(title="Scaling laws of language models")) is None


def test_word_weights_come_from_the_background_not_the_papers_at_hand():
    stats = background()
    assert stats.papers >= 5000
    assert stats.idf("the") < stats.idf("model") < 0.1 < stats.idf("diffus") < stats.idf("jailbreak")
    assert stats.idf("zzzqqq") == max(stats.idf(t) for t in ("zzzqqq", "diffus", "the"))


def test_the_decision_does_not_depend_on_the_other_papers_of_the_day():
    on_topic = paper("2510.00001", title="Speech recognition for low-resource languages", upvotes=3)
    borderline = paper("2510.00002", abstract="Speech is hard. Speech data is scarce.", upvotes=3)
    crowd = [paper(f"2510.1{i:04d}", title=f"Speech synthesis study {i}") for i in range(120)]
    others = [paper(f"2510.2{i:04d}", title=f"Image segmentation study {i}") for i in range(120)]
    for day in ([], crowd, others, crowd + others):
        ranked = {
            r.paper.id: r for r in rank([on_topic, borderline, *day], [TopicQuery.parse("speech")], now=NOW)
        }
        assert "2510.00001" in ranked
        assert ("2510.00002" in ranked) == (match("speech", borderline) is not None)
        assert ranked["2510.00001"].parts[1].value == pytest.approx(
            rank([on_topic], [TopicQuery.parse("speech")], now=NOW)[0].parts[1].value
        )


def test_unquoted_words_match_a_hyphenated_phrase():
    p = paper(title="Fast text-to-image generation")
    assert match("text to image", p) is not None
    assert match('"text to image"', p) is not None
    assert match("text-to-image", paper(title="Fast text to image generation")) is not None


def test_or_takes_the_best_alternative():
    p = paper(title="Speech synthesis", abstract="Robotics. Robotics again. Robotics as well.")
    both = match("speech OR robotics", p)
    assert both is not None
    assert both.score == pytest.approx(max(score("speech", p), score("robotics", p)))
    assert both.terms == ("speech", "robotics")


def test_a_quoted_word_is_required():
    p = paper(
        title="Jailbreak attacks on aligned models",
        abstract="Jailbreaks bypass refusal. Jailbreaks are harmful.",
    )
    assert match('"safety"', p) is None
    assert match('AI "safety"', p) is None


# --- associated terms (the background thesaurus) --------------------------------------------------------------

JAILBREAK = paper(
    title="Jailbreaking Aligned LLMs with Refusal Suppression",
    abstract="We show that refusal training can be bypassed by jailbreak prompts, yielding harmful outputs "
    "and unsafe completions. Guardrails detect only some of them.",
    ai_keywords=["jailbreak", "refusal", "guardrails"],
)


def test_associated_terms_stand_in_for_a_word_the_paper_never_uses():
    assert "safety" not in f"{JAILBREAK.title} {JAILBREAK.abstract}".lower()
    m = match("AI safety", JAILBREAK)
    assert m is not None
    assert m.terms[0].startswith("safety (≈ ") and "jailbreak" in m.terms[0]
    assert score("AI safety", JAILBREAK) < score(
        "AI safety", replace(JAILBREAK, title="AI safety: " + JAILBREAK.title)
    )


def test_one_associated_term_in_passing_is_not_a_match():
    assert match("safety", paper(abstract="Unlike jailbreak studies, we measure accuracy.")) is None


def test_quoted_words_phrases_and_exclusions_stay_exact():
    assert match('"AI safety"', JAILBREAK) is None
    assert match('AI "safety"', JAILBREAK) is None
    assert match("AI safety -jailbreak", JAILBREAK) is None
    assert (
        match("AI safety -harmless", JAILBREAK) is not None
    )  # the exclusion is the word, not its associates


# --- exclusions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        {"title": "Diffusion for video"},
        {"abstract": "We also try video once."},
        {"ai_keywords": ["diffusion models", "video"]},
        {"ai_summary": "Works on video too."},
    ],
)
def test_an_exclusion_anywhere_removes_the_paper(where):
    base = {"title": "Diffusion sampling", "ai_keywords": ["diffusion models"]}
    p = paper(**{**base, **where})
    assert match("diffusion", p) is not None
    assert match("diffusion -video", p) is None


def test_exclusions_are_stemmed_too():
    assert match("diffusion -videos", paper(title="Diffusion for video")) is None


# --- acronyms the paper defines --------------------------------------------------------------------------------


def test_a_defined_acronym_stands_for_its_phrase_and_back():
    p = paper(
        title="RAG-Fusion: Better Answers from RAG",
        abstract="Retrieval-augmented generation (RAG) grounds answers. We improve RAG with fusion.",
    )
    assert match("retrieval augmented generation", p).fields[0] == "title"  # "RAG" in the title counts
    assert match('"retrieval augmented generation"', p).fields[0] == "title"
    q = paper(abstract="Retrieval-augmented generation (RAG) helps. RAG is cheap. RAG is fast.")
    assert match("RAG", q) is not None


def test_a_definition_alone_counts_once():
    defined = paper(abstract="Unlike retrieval-augmented generation (RAG), we fine-tune.")
    assert paper_index(defined).field_counts("rag")[3] == 1
    assert paper_index(defined).phrase(("retriev", "augment", "generat"))[1][3] == 1


def test_acronyms_are_per_paper_not_global():
    defines = paper(abstract="Large language models (LLMs) act. LLMs plan. LLMs reflect.")
    other = paper(abstract="LLMs act. LLMs plan. LLMs reflect.")
    # the definition counts once, and each later "LLMs" of that paper counts as "large language models"
    assert paper_index(defines).field_counts("larg")[3] == paper_index(other).field_counts("larg")[3] + 3


# --- the background blend -----------------------------------------------------------------------------------------


def test_papers_after_the_archive_join_the_background_once():
    stats = background()
    stats.reset()
    word = "qqzzyxword"
    before = stats.idf(word)
    new = [paper(f"2701.{i:05d}", title=f"The {word} effect {i}", day=date(2027, 1, 5)) for i in range(30)]
    old = [paper(f"2510.{i:05d}", title=f"The {word} effect {i}", day=date(2025, 10, 5)) for i in range(30)]
    rank(old, [TopicQuery.parse(word)], now=NOW)  # listed within the archive: already counted there
    assert stats.idf(word) == before and stats.live_papers == 0
    version = stats.version
    rank(new, [TopicQuery.parse(word)], now=NOW)
    rank(new, [TopicQuery.parse(word)], now=NOW)  # the same papers again count once
    assert stats.live_papers == 30 and stats.df(word) == 30
    assert stats.idf(word) < before and stats.version == version + 1
    stats.reset()
    assert stats.idf(word) == before


def test_the_blend_is_bounded(monkeypatch):
    from bot.ranking import background as module

    monkeypatch.setattr(module, "LIVE_MAX_PAPERS", 10)
    stats = background()
    stats.reset()
    stats.observe((f"id{i}", date(2027, 1, 1), frozenset({"w"})) for i in range(25))
    assert len(stats.seen) < 10 and stats.live_papers < 10
    stats.reset()


# --- the index, caches and the pre-filter ----------------------------------------------------------------------


def test_match_accepts_a_query_or_its_text():
    p = paper(title="Diffusion")
    assert match(TopicQuery.parse("diffusion"), p) == match("diffusion", p)
    assert isinstance(match("diffusion", p), TopicMatch)


def test_papers_no_topic_can_match_are_not_indexed():
    clear_index_cache()
    speech = paper("2510.00001", title="Speech recognition at scale")
    other = paper("2510.00002", title="Protein folding at scale")
    ranked = rank([speech, other], [TopicQuery.parse("speech")], now=NOW)
    assert [r.paper.id for r in ranked] == ["2510.00001"]
    assert lookup(speech)[0] is not None and lookup(other)[0] is None
    assert "protein" in lookup(other)[1]  # its terms are known (for the background blend) all the same


def test_index_is_keyed_by_text_so_upvote_updates_reuse_it():
    p = paper(title="Diffusion", upvotes=3)
    assert paper_index(replace(p, upvotes=300, comments=9)) is paper_index(p)
    assert paper_index(replace(p, title="Other")) is not paper_index(p)


def test_index_cache_is_bounded():
    clear_index_cache()
    for i in range(INDEX_CACHE_SIZE + 50):
        paper_index(paper(title=f"Paper {i}", abstract="Short."))
    assert len(_INDEXES) == INDEX_CACHE_SIZE
    assert lookup(paper(title="Paper 0", abstract="Short."))[0] is None  # the oldest went first
    assert lookup(paper(title=f"Paper {INDEX_CACHE_SIZE + 49}", abstract="Short."))[0] is not None


def test_phrase_memo_does_not_leak_between_papers():
    a = paper(title="Flow matching")
    b = paper(title="Matching the flow")
    assert match('"flow matching"', a) is not None
    assert match('"flow matching"', b) is None
    assert match('"flow matching"', a) is not None  # served from a's memo


def test_remembered_results_equal_fresh_ones_and_stay_bounded():
    from bot.ranking.relevance import _MEMO_SIZE

    p = paper(title="Speech robots", abstract="Speech. Robots. Speech and robots.")
    idx = paper_index(p)
    idx.matches.clear()
    topic = compiled(TopicQuery.parse("speech robots"))
    first = match_entry(topic, idx, 0)
    assert first == topic.hit(idx) and match_entry(topic, idx, 0) is first
    for i in range(_MEMO_SIZE + 5):
        match_entry(compiled(TopicQuery.parse(f"speech w{i}")), idx, 0)
    assert len(idx.matches) <= _MEMO_SIZE
    assert match_entry(topic, idx, 0) == first


WORDS = ["speech", "robot", "diffusion", "video", "jailbreak", "safety", "agents", "code", "the", "efficient"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    st.lists(st.sampled_from(WORDS), max_size=8),
    st.lists(st.sampled_from(WORDS), max_size=20),
)
def test_the_pre_filter_never_drops_a_match(query_words, title_words, abstract_words):
    query = TopicQuery.parse(" ".join(query_words))
    p = paper(title=" ".join(title_words) or "x", abstract=" ".join(abstract_words))
    topic = compiled(query)
    idx = paper_index(p)
    if not topic.candidates(idx.tokens):
        assert all((s := side.score(idx)) is None or s[0] < MATCH_THRESHOLD for side in topic.sides), (
            query.text
        )
    assert (topic.hit(idx) is None) == (match(query, p) is None)
