"""The topic query language: parsing, normalisation and the errors users see."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ranking import QueryError, TopicQuery, match
from bot.ranking.analysis import terms as normalise
from bot.ranking.query import MAX_QUERY_LENGTH, MAX_TERMS
from tests.ranking.texts import FILLER, paper


def titled(title: str, abstract: str = FILLER, **kw) -> object:
    return paper(title=title, abstract=abstract, **kw)


# --- structure ------------------------------------------------------------------------------------


def test_text_is_whitespace_normalised_and_kept_as_typed():
    q = TopicQuery.parse('  Diffusion   OR\t"Flow  Matching"  -Video ')
    assert q.text == 'Diffusion OR "Flow Matching" -Video'
    assert str(q) == q.text


def test_parse_is_cached_and_equality_is_by_text():
    assert TopicQuery.parse("diffusion") is TopicQuery.parse("diffusion")
    assert TopicQuery.parse("diffusion") == TopicQuery("diffusion")
    assert TopicQuery.parse("diffusion") != TopicQuery.parse("Diffusion")
    assert len({TopicQuery.parse("a b"), TopicQuery.parse(" a  b ")}) == 1


def test_key_spots_duplicates_but_keeps_quotes_meaningful():
    assert TopicQuery.parse("LLMs  Agents").key == TopicQuery.parse("agent llm").key
    assert TopicQuery.parse('"flow matching"').key != TopicQuery.parse("flow matching").key
    assert TopicQuery.parse("a1 OR b2 -c3").key == TopicQuery.parse("-c3 b2 OR a1").key
    assert TopicQuery.parse('"speech"').key == TopicQuery.parse("speech").key
    assert TopicQuery.parse('"speech" audio').key != TopicQuery.parse("speech audio").key


def test_quoted_phrase_needs_adjacency_but_unquoted_words_do_not():
    together = titled("Flow matching for images")
    apart = titled("Matching flow fields with optical sensors and a learned prior")
    assert match('"flow matching"', together) is not None
    assert match('"flow matching"', apart) is None
    assert match("flow matching", apart) is not None  # both words in the title: AND is enough


def test_curly_quotes_work_like_straight_ones():
    assert TopicQuery.parse("“flow matching”").key == TopicQuery.parse('"flow matching"').key


def test_space_is_and_and_binds_tighter_than_or():
    q = TopicQuery.parse("LLM agents OR robotics")
    assert match(q, titled("LLM agents for the web")) is not None
    assert match(q, titled("Robotics at scale")) is not None
    assert match(q, titled("LLM pretraining at scale")) is None  # neither "LLM agents" nor "robotics"


@pytest.mark.parametrize("operator", ["OR", "or", "Or", "|"])
def test_or_in_any_case(operator):
    q = TopicQuery.parse(f"speech {operator} robotics")
    assert match(q, titled("Robotics at scale")) is not None
    assert match(q, titled("Speech at scale")) is not None


def test_and_and_plus_are_accepted_as_plain_and():
    assert TopicQuery.parse("speech AND +robots").key == TopicQuery.parse("speech robots").key


def test_exclusions_apply_to_every_alternative():
    q = TopicQuery.parse('diffusion OR "flow matching" -video')
    assert match(q, titled("Flow matching for images")) is not None
    assert match(q, titled("Flow matching for video")) is None
    assert match(q, titled("Diffusion models", abstract="We also try video.")) is None


def test_excluded_phrase_needs_adjacency():
    q = TopicQuery.parse('diffusion -"text to video"')
    assert match(q, titled("Diffusion for text-to-video generation")) is None
    assert match(q, titled("Diffusion for text and video")) is not None


def test_common_words_are_ignored_outside_quotes():
    assert TopicQuery.parse("the diffusion of models").key == TopicQuery.parse("diffusion models").key
    assert TopicQuery.parse('"state of the art"').key != TopicQuery.parse("state art").key


def test_a_topic_of_only_common_words_still_searches_them():
    q = TopicQuery.parse("the")
    assert match(q, titled("The paper")) is not None


def test_terms_are_reported_as_typed():
    q = TopicQuery.parse('LLMs "Tool Use" -video')
    m = match(q, titled("LLMs and tool use", abstract="LLMs rely on tool use. LLMs call tools."))
    assert m is not None
    assert m.terms == ("LLMs", "Tool Use")
    assert m.query == q.text


def test_terms_only_come_from_matching_alternatives():
    q = TopicQuery.parse("speech OR robotics")
    m = match(q, titled("Robotics at scale", abstract="We also mention speech once."))
    assert m is not None and m.terms == ("robotics",)


# --- normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("LLMs", "LLM"),
        ("efficient", "efficiency"),
        ("model", "models"),
        ("text-to-image", "text to image"),
        ("Text-To-Image", "text to image"),
        ("robotics", "robots"),
        ("agentic", "agents"),
        ("queries", "query"),
        ("approaches", "approach"),
        ("optimisation", "optimization"),
        ("behaviour", "behavior"),
        ("modelling", "modeling"),
        ("Gaussians", "gaussian"),
        ("biases", "bias"),
    ],
)
def test_normalisation_pairs_match(a, b):
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(
    ("a", "b"), [("latency", "latent"), ("metric", "metr"), ("bias", "bia"), ("3D", "3")]
)
def test_normalisation_keeps_apart(a, b):
    assert normalise(a) != normalise(b)


def test_normalised_pairs_match_papers_both_ways():
    for typed, written in [("LLMs", "LLM"), ("efficiency", "efficient"), ("text-to-image", "text to image")]:
        assert match(typed, titled(f"An {written} study")) is not None
        assert match(written, titled(f"An {typed} study")) is not None


def test_matching_is_case_insensitive():
    assert match("DIFFUSION", titled("diffusion models")) is not None
    assert match("diffusion", titled("DIFFUSION MODELS")) is not None


# --- errors -----------------------------------------------------------------------------------------


def error(text: str) -> str:
    with pytest.raises(QueryError) as info:
        TopicQuery.parse(text)
    return str(info.value)


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty(text):
    assert "empty" in error(text)


def test_only_exclusions():
    message = error("-video -audio")
    assert "not only exclusions" in message and "-video" in message


def test_over_long():
    ok = "a" * MAX_QUERY_LENGTH
    assert TopicQuery.parse(ok).text == ok
    message = error("a" * (MAX_QUERY_LENGTH + 1))
    assert "101 characters" in message and "100" in message


def test_length_counts_after_whitespace_normalisation():
    assert TopicQuery.parse("a" * 50 + " " * 30 + "b" * 49)


def test_too_many_terms():
    words = [f"w{i}" for i in range(MAX_TERMS + 1)]
    message = error(" ".join(words))
    assert f"{MAX_TERMS + 1} words or phrases" in message and f"limit is {MAX_TERMS}" in message
    assert TopicQuery.parse(" ".join(words[:MAX_TERMS]))


def test_exclusions_count_towards_the_term_limit():
    words = [f"w{i}" for i in range(MAX_TERMS - 1)] + ["-x1", "-x2"]
    assert "limit" in error(" ".join(words))


def test_repeated_terms_count_once():
    assert TopicQuery.parse(" ".join(["diffusion"] * 12)[:MAX_QUERY_LENGTH])


def test_unclosed_quote():
    assert "not closed" in error('"flow matching')


def test_empty_quotes():
    assert "empty pair of quotes" in error('diffusion ""')


@pytest.mark.parametrize("text", ["OR diffusion", "diffusion OR", "diffusion OR OR video"])
def test_dangling_or(text):
    assert "each side" in error(text)


def test_or_side_with_only_exclusions():
    assert "whole topic" in error("diffusion OR -video")


def test_not_gets_a_hint():
    assert "-video" in error("diffusion NOT video")


def test_lone_minus_gets_a_hint():
    assert "without a space" in error("diffusion - video")


def test_wanted_and_excluded():
    assert "both wanted and excluded" in error("diffusion -Diffusions")


def test_brackets_with_or_are_refused_but_harmless_otherwise():
    assert "Brackets" in error("(diffusion OR flow) video")
    assert TopicQuery.parse("(diffusion)").key == TopicQuery.parse("diffusion").key
    assert TopicQuery.parse('"a (b)" OR c')  # brackets inside quotes are just text


def test_excluding_a_common_word_is_refused():
    assert "almost every paper" in error("diffusion -the")


def test_punctuation_only():
    assert "no letters or digits" in error("?? !!")


@pytest.mark.parametrize("text", ["and", "AND &&"])
def test_operators_only(text):
    assert "operators" in error(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=140))
def test_any_text_parses_or_raises_query_error(text):
    try:
        q = TopicQuery.parse(text)
    except QueryError as e:
        assert str(e)
    else:
        assert 0 < len(q.text) <= MAX_QUERY_LENGTH
        match(q, titled(text or "x"))  # never crashes


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[A-Za-z][A-Za-z0-9]{2,15}", fullmatch=True).filter(
        lambda w: w.lower() not in {"and", "not"}
    )
)
def test_a_word_matches_a_title_containing_it_in_any_case(word):
    paper = titled(f"Towards {word.upper()} at scale")
    assert match(word.lower(), paper) is not None
