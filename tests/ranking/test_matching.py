"""Matching one paper against a topic: field weights, the threshold, exclusions, acronyms, the index."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.ranking import TopicMatch, TopicQuery, match
from bot.ranking.topics import (
    INDEX_CACHE_SIZE,
    MATCH_THRESHOLD,
    clear_index_cache,
    match_index,
    paper_index,
    relevance,
)
from tests.factories import make_paper

FILLER = "We propose a method and evaluate it on several benchmarks, improving over strong baselines."


def paper(title="A study of methods", abstract=FILLER, **kw):
    return make_paper(title=title, abstract=abstract, **kw)


def score(query: str, p) -> float:
    m = match(query, p)
    return 0.0 if m is None else m.score


# --- the threshold -------------------------------------------------------------------------------------


def test_one_passing_mention_in_the_abstract_is_not_a_match():
    p = paper(abstract=f"{FILLER} Unlike diffusion models, our approach is autoregressive.")
    assert match("diffusion", p) is None


def test_two_mentions_in_the_abstract_are_a_weak_match():
    p = paper(abstract=f"Diffusion models are slow. {FILLER} We distil diffusion into one step.")
    m = match("diffusion", p)
    assert m is not None
    assert m.strength == "weak"
    assert m.fields == ("abstract",)


def test_a_title_mention_alone_is_enough():
    m = match("diffusion", paper(title="Faster Diffusion Sampling"))
    assert m is not None and m.fields == ("title",)


def test_a_keyword_alone_is_enough_and_the_summary_needs_support():
    assert match("diffusion", paper(ai_keywords=["diffusion models", "sampling"])) is not None
    only_summary = paper(ai_summary="A diffusion sampler.", ai_keywords=["sampling"])
    assert match("diffusion", only_summary) is None
    summary_and_abstract = paper(
        abstract=f"{FILLER} It uses diffusion.", ai_summary="A diffusion sampler.", ai_keywords=["sampling"]
    )
    assert match("diffusion", summary_and_abstract) is not None


def test_abstract_only_mentions_count_half_when_the_ai_fields_leave_the_word_out():
    abstract = f"Diffusion models are slow. {FILLER} We distil diffusion into one step."
    assert match("diffusion", paper(abstract=abstract)) is not None  # no AI fields: two mentions suffice
    with_keywords = paper(abstract=abstract, ai_keywords=["distillation", "one-step generation"])
    assert match("diffusion", with_keywords) is None
    four = "Diffusion is slow. Diffusion is costly. We distil diffusion. Our diffusion student is fast."
    assert match("diffusion", paper(abstract=four, ai_keywords=["distillation"])) is not None


def test_field_weights_order_title_and_keywords_above_summary_and_abstract():
    title = score("speech", paper(title="Speech recognition at scale"))
    keywords = score("speech", paper(ai_keywords=["speech recognition"]))
    abstract = score("speech", paper(abstract=f"Speech is hard. {FILLER} Speech data is scarce."))
    assert title > abstract and keywords > abstract
    everywhere = paper(
        title="Speech recognition at scale",
        abstract="Speech is hard. Speech data is scarce. We collect speech.",
        ai_keywords=["speech recognition", "speech data"],
        ai_summary="Large-scale speech recognition.",
    )
    assert score("speech", everywhere) > max(title, keywords) + 0.3
    assert match("speech", everywhere).fields == ("title", "keywords", "summary", "abstract")


def test_repetition_is_capped():
    many = paper(abstract=" ".join(["Speech matters."] * 30))
    assert score("speech", many) == pytest.approx(relevance(4.0))  # the abstract counts at most 4 times
    assert score("speech", many) < score(
        "speech", paper(title="Speech", abstract="Speech matters. Speech too.")
    )


def test_relevance_is_in_the_unit_interval_and_monotonic():
    values = [relevance(e) for e in (MATCH_THRESHOLD, 4, 8, 15, 22.5)]
    assert values == sorted(values) and 0 < values[0] < values[-1] < 1
    assert relevance(MATCH_THRESHOLD) == pytest.approx(0.33, abs=0.01)


# --- several words ----------------------------------------------------------------------------------------


def test_every_word_must_be_present():
    p = paper(title="Efficient training of transformers", abstract=f"{FILLER} Training is efficient.")
    assert match("efficient inference", p) is None


def test_words_typed_together_score_higher_when_together_in_the_paper():
    together = paper(title="Efficient inference for LLMs", abstract=FILLER)
    apart = paper(title="Efficient LLMs: a study of what matters at inference", abstract=FILLER)
    assert score("efficient inference", together) > score("efficient inference", apart) > 0


def test_a_word_established_elsewhere_but_another_mentioned_once_is_not_enough():
    p = paper(
        title="Self-Supervised Representation Learning at Scale",
        abstract=f"{FILLER} Learning good features also helps reinforcement learning.",
        ai_keywords=["representation learning", "self-supervised learning"],
    )
    assert match("reinforcement learning", p) is None
    assert match("representation learning", p) is not None


def test_unquoted_words_match_a_hyphenated_phrase():
    p = paper(title="Fast text-to-image generation")
    assert match("text to image", p) is not None
    assert match('"text to image"', p) is not None
    assert match("text-to-image", paper(title="Fast text to image generation")) is not None


def test_or_takes_the_best_alternative():
    p = paper(title="Speech synthesis", abstract=f"Robotics. {FILLER} Robotics.")
    both = match("speech OR robotics", p)
    assert both is not None
    assert both.score == pytest.approx(max(score("speech", p), score("robotics", p)))
    assert both.terms == ("speech", "robotics")


# --- exclusions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        {"title": "Diffusion for video"},
        {"abstract": f"{FILLER} We also try video once."},
        {"ai_keywords": ["diffusion models", "video"]},
        {"ai_summary": "Works on video too."},
    ],
)
def test_an_exclusion_anywhere_removes_the_paper(where):
    base = {"title": "Diffusion sampling", "ai_keywords": ["diffusion models"]}
    p = paper(**{**base, **where})
    assert match("diffusion", p) is not None
    assert match("diffusion -video", p) is None


def test_exclusions_are_normalised_too():
    assert match("diffusion -videos", paper(title="Diffusion for video")) is None


# --- acronyms the paper defines ------------------------------------------------------------------------------


def test_a_defined_acronym_stands_for_its_phrase_and_back():
    p = paper(
        title="RAG-Fusion: Better Answers from RAG",
        abstract="Retrieval-augmented generation (RAG) grounds answers. We improve RAG with fusion.",
    )
    assert match("retrieval augmented generation", p).fields[0] == "title"  # "RAG" in the title counts
    assert match('"retrieval augmented generation"', p).fields[0] == "title"
    q = paper(
        title="Better grounded answers", abstract="Retrieval-augmented generation (RAG) helps. RAG is cheap."
    )
    assert match("RAG", q) is not None


def test_a_definition_alone_counts_once():
    p = paper(abstract=f"{FILLER} Unlike retrieval-augmented generation (RAG), we fine-tune.")
    assert match("RAG", p) is None
    assert match("retrieval augmented generation", p) is None


def test_acronyms_are_per_paper_not_global():
    defines = paper(title="Agents", abstract="Large language models (LLMs) act. LLMs plan.")
    other = paper(title="Agents", abstract="Large language models act. They plan with large language models.")
    assert match("LLM", defines) is not None
    assert match("LLM", other) is None


# --- the index and the API ----------------------------------------------------------------------------------


def test_match_accepts_a_query_or_its_text():
    p = paper(title="Diffusion")
    assert match(TopicQuery.parse("diffusion"), p) == match("diffusion", p)
    assert isinstance(match("diffusion", p), TopicMatch)


def test_index_is_keyed_by_text_so_upvote_updates_reuse_it():
    p = paper(title="Diffusion", upvotes=3)
    assert paper_index(replace(p, upvotes=300, comments=9)) is paper_index(p)
    assert paper_index(replace(p, title="Other")) is not paper_index(p)


def test_index_cache_is_bounded():
    clear_index_cache()
    for i in range(INDEX_CACHE_SIZE + 50):
        paper_index(paper(title=f"Paper {i}"))
    from bot.ranking.text_index import _index

    assert _index.cache_info().currsize == INDEX_CACHE_SIZE


def test_phrase_memo_does_not_leak_between_papers():
    a = paper(title="Flow matching")
    b = paper(title="Matching the flow")
    q = TopicQuery.parse('"flow matching"')
    assert match_index(q, paper_index(a)) is not None
    assert match_index(q, paper_index(b)) is None
    assert match_index(q, paper_index(a)) is not None  # served from a's memo


def test_candidates_prefilter_agrees_with_match():
    papers = [paper(title=t) for t in ("Diffusion", "Robotics", "Speech diffusion", "Nothing here")]
    q = TopicQuery.parse("diffusion OR robotics")
    token_sets = [paper_index(p).tokens for p in papers]
    assert q.candidates(token_sets) == [0, 1, 2]
    assert [match(q, p) is not None for p in papers] == [True, True, True, False]


def test_single_word_fast_path_agrees_with_the_general_path():
    papers = [
        paper(title="Diffusion"),
        paper(abstract="Diffusion here. And diffusion there."),
        paper(abstract=f"{FILLER} One diffusion."),
        paper(ai_keywords=["diffusion models", "video diffusion"], ai_summary="A diffusion model."),
    ]
    fast, general = TopicQuery.parse("diffusion"), TopicQuery.parse("diffusion -zzzz")
    assert fast._word == "diffusion" and general._word is None
    for p in papers:
        a, b = match(fast, p), match(general, p)
        assert (a is None) == (b is None)
        if a is not None:
            assert (a.score, a.terms, a.fields) == (b.score, b.terms, b.fields)


def test_remembered_results_equal_fresh_ones_and_stay_bounded():
    from bot.ranking.topics import _MATCH_MEMO_SIZE, match_entry

    p = paper(title="Speech robots", abstract="Speech. Robots. Speech and robots.")
    idx = paper_index(p)
    idx.matches.clear()
    q = TopicQuery.parse("speech robots")
    first = match_entry(q, idx)
    assert first == match_index(q, idx) and match_entry(q, idx) is first
    for i in range(_MATCH_MEMO_SIZE + 5):
        match_entry(TopicQuery.parse(f"speech w{i}"), idx)
    assert len(idx.matches) <= _MATCH_MEMO_SIZE
    assert match_entry(q, idx) == first


# --- related terms (bot.ranking.related) -----------------------------------------------------------------

SPEEDUP = paper(
    title="Speculative Decoding with Adaptive Drafts",
    abstract=f"{FILLER} Our method gives a 2.9x speedup over autoregressive decoding.",
    ai_keywords=["speculative decoding", "decoding speedup"],
)


def test_related_terms_stand_in_for_unquoted_words_with_a_discount():
    m = match("efficient inference", SPEEDUP)
    assert m is not None
    assert m.terms == ("speedup (≈ efficient)", "decoding (≈ inference)")
    exact = paper(
        title="Efficient Inference with Adaptive Drafts",
        abstract=f"{FILLER} Our method makes inference efficient.",
        ai_keywords=["efficient inference", "efficient inference"],
    )
    same_evidence = replace(
        exact, title=SPEEDUP.title, abstract=SPEEDUP.abstract, ai_keywords=SPEEDUP.ai_keywords
    )
    assert match("efficient inference", exact).terms == ("efficient", "inference")
    # equal evidence from related terms ranks below the exact words
    assert score("speedup decoding", same_evidence) > score("efficient inference", same_evidence) > 0
    assert score("efficient inference", exact) > score("efficient inference", same_evidence)


def test_one_passing_related_mention_is_not_a_match():
    p = paper(
        title="Token Merging for Vision Transformers",
        abstract=f"{FILLER} Unlike prior work, the schedule is fast to tune.",
        ai_keywords=["vision transformers", "token merging"],
    )
    assert match("efficient", p) is None
    assert (
        match("efficient", replace(p, title="Faster Token Merging", abstract=FILLER)) is None
    )  # 3 x 0.65 < 2
    assert (
        match("efficient", replace(p, title="Faster Token Merging", abstract=f"{FILLER} It is fast."))
        is not None
    )
    q = paper(
        title="A benchmark of long-context inference",
        abstract=f"{FILLER} Inference runs on one GPU; a fast tokenizer is used.",
        ai_keywords=["long-context inference", "benchmark"],
    )
    assert match("efficient inference", q) is None
    assert match("inference", q) is not None


def test_quoted_words_and_phrases_stay_exact():
    assert match('"efficient inference"', SPEEDUP) is None
    assert match('"efficient" inference', SPEEDUP) is None
    assert match('efficient "inference"', SPEEDUP) is None
    assert match("efficient inference", SPEEDUP) is not None


def test_exclusions_stay_exact_and_still_exclude_related_papers():
    quantized = paper(
        title="Two-Bit KV Cache Quantization for LLM Serving",
        abstract=f"{FILLER} Quantization raises serving throughput by 3x.",
        ai_keywords=["quantization", "LLM serving", "throughput"],
    )
    assert match("efficient inference", quantized) is not None
    assert match("efficient inference -quantization", quantized) is None
    assert match("efficient inference -quantized", quantized) is not None  # a related form is not excluded


def test_related_variants_do_not_change_the_key_and_are_bounded():
    from bot.ranking.related import MAX_VARIANTS

    assert TopicQuery.parse("Efficient  Inference").key == TopicQuery.parse("inference efficient").key
    many = TopicQuery.parse("efficient inference OR fast compression OR quantization efficient inference")
    assert sum(alt.weight < 1 for alt in many._alternatives) <= MAX_VARIANTS
    assert TopicQuery.parse("diffusion")._word == "diffusion"
    assert TopicQuery.parse("efficient")._word is None  # has related terms: the general path


def test_candidates_prefilter_agrees_with_match_for_related_terms():
    papers = [
        SPEEDUP,
        paper(title="Efficient decoding"),
        paper(title="Efficient inference"),
        paper(title="Nothing here"),
    ]
    q = TopicQuery.parse("efficient inference OR robotics")
    found = set(q.candidates([paper_index(p).tokens for p in papers]))
    assert found == {0, 1, 2}
    assert {k for k, p in enumerate(papers) if match(q, p)} <= found
