"""Related terms: a small, hand-written lexicon for a few very common ML qualifier and concept words.

Why
---
Matching words rather than meanings misses papers that are squarely on a topic but never use its
words: an "efficient inference" paper says "2.9x speedup", "lower latency", "higher throughput",
"4-bit quantization", "speculative decoding" or "LLM serving" instead. For the handful of words below,
people's topics (``efficient inference`` is the example in the product description) would otherwise
miss most of what they ask for.

What it does
------------
An *unquoted* query word listed here also accepts its related terms, each related mention counting as
a mention of the word, and the evidence of an alternative matched that way is multiplied by
`RELATED_WEIGHT` (once, however many of its words were replaced: "faster decoding" is as good a
paraphrase of "efficient inference" as "faster inference", and squaring the discount made two-word
topics nearly unreachable through related terms). So:

- an exact match always outranks the same evidence from related terms;
- a paper still has to reach `bot.ranking.topics.MATCH_THRESHOLD`: with the discount, related terms
  need about 3.1 evidence points, i.e. two places (title + abstract, keywords + abstract, ...) or
  several abstract mentions; a single passing mention ("fast" once in the abstract) never matches;
- quoted words and phrases (``"efficient"``, ``"efficient inference"``), hyphenated words and
  exclusions (``-quantization``) stay exact.

Related terms go through the same normalisation as everything else (`bot.ranking.text_index.normalise`);
that stemmer is light (no ``-ed``/``-ing``), so the inflections people write are listed one by one.
The lexicon is deliberately small and general: a few concepts people commonly subscribe to, each entry
justified below. It is not a thesaurus and must not be tuned to single papers.

How it is applied: `bot.ranking.text_index` normalises this table (`CONCEPT_OF`, `CONCEPT_FORMS`) and
gives each paper's index one extra token per concept, ``"~" + head`` (``~efficient``), whose positions
are those of the head word and all its related terms. A query compiles an unquoted head word into extra
alternatives that use that token instead, weighted by `RELATED_WEIGHT` (`bot.ranking.query`); matching
multiplies their evidence by the weight (`bot.ranking.topics.match_index`). ``~`` never occurs in a
normalised word, so these tokens cannot collide with a real one.
"""

from __future__ import annotations

from typing import Final

# Evidence of an alternative matched through related terms is multiplied by this (once).
RELATED_WEIGHT: Final = 0.65
# Per alternative, at most this many words are expanded (2**3 - 1 = 7 variants at most)...
MAX_EXPANDED_WORDS: Final = 3
# ...and per query at most this many extra alternatives are compiled (later ones stay exact).
MAX_VARIANTS: Final = 16
CONCEPT_PREFIX: Final = "~"

# Word groups the lexicon is built from (the inflections the light stemmer keeps apart).
_EFFICIENTLY = ("efficient", "efficiently")  # "efficiently" is missed by the stemmer
_SPEED = (
    "fast", "faster", "speedup", "accelerate", "accelerated", "accelerating", "acceleration",
    "latency", "throughput",
)  # fmt: skip
_QUANTIZE = ("quantize", "quantized", "quantization")
_COMPRESS = ("compress", "compressed", "compressing", "compression", *_QUANTIZE, "pruning", "pruned")


def _without(word: str, *groups: tuple[str, ...]) -> tuple[str, ...]:
    """The groups' words, in order, without the head word itself."""
    return tuple(w for group in groups for w in group if w != word)


# head word (as typed) -> related terms (as written in papers). Keep each list short and general.
LEXICON: Final[dict[str, tuple[str, ...]]] = {
    # Efficiency papers state the gain (faster, speedup, acceleration, lower latency, higher
    # throughput, lightweight) or the method, compression of weights, activations or caches
    # (quantization, pruning), rather than the word "efficient".
    "efficient": _without("efficient", _EFFICIENTLY, _SPEED, ("lightweight",), _COMPRESS),
    # The same concept asked the other way round: a "fast ..." topic wants speed-ups, not only the word.
    "fast": _without("fast", _SPEED, _EFFICIENTLY),
    # Running a trained model: for LLMs it is "decoding" (speculative decoding, decoding latency) or
    # "serving" (LLM serving systems) as often as "inference".
    "inference": ("decoding", "serving"),
    # Model compression is done by quantization or pruning.
    "compression": _without("compression", _COMPRESS),
    # Quantization is written in several forms the light stemmer keeps apart (quantized, quantize).
    "quantization": _without("quantization", _QUANTIZE),
}
