"""Rocchio relevance feedback: a channel's liked and disliked papers move its ranking.

The model (Rocchio 1971; Manning, Raghavan & Schütze, *Introduction to Information Retrieval*, 2008,
§9.1.1), in the vector space of the retrieval model's own evidence::

    v(d)    = the paper's terms t weighted BM25F saturation(t) x IDF(t), the FEEDBACK_TERMS heaviest,
              length 1 (`bot.ranking.index`, `bot.ranking.background`); a paper is read through
              `example_of`, the same text a vote stores, so a paper and its stored vote are comparable
    c+, c-  = the centroids of the liked and of the disliked examples' vectors, each cut to its
              FEEDBACK_CENTROID_TERMS heaviest terms (the expansion terms) and scaled to length 1
    s+, s-  = max(0, (cos(v(d), c) - s0) / (1 - s0))       similarity above chance, in [0, 1]
    f(d)    = beta * s+ - gamma * s-                       Rocchio's added and subtracted centroids

`FeedbackModel` is a profile compiled against the background statistics (cached per profile and
background version); `effect` answers for one paper, `neighbours` names the voted papers it is most
like (for `/papers why`). `bot.ranking.score.rank` applies f (with topics added to the best topic's
relevance, clamped to +-FEEDBACK_MAX_SHIFT) and the bounds on how many papers a vote may admit, raise
or remove. Constants and reasons: `bot.ranking.tuning`; the model, its bounds and figures:
docs/ranking.md, "Relevance feedback".
Limit: one liked centroid per channel, so a channel liking papers on several subjects gets a blend.
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from bot.papers import Paper
from bot.ranking import tuning
from bot.ranking.analysis import STOPWORDS
from bot.ranking.background import background
from bot.ranking.feedback import FeedbackExample, FeedbackProfile, example_of
from bot.ranking.index import PaperIndex

Vector = dict[str, float]  # term -> weight, length 1

_VECTOR_CACHE_SIZE: Final = 8192
_MODEL_CACHE_SIZE: Final = 256
_NEIGHBOURS: Final = 3  # voted papers named per explanation
_NEIGHBOUR_TERMS: Final = 20  # a paper's heaviest terms compared with each voted paper to name them


def _vector(title: str, text: str) -> Vector:
    """v(d) of a title and a text (see the module docstring); empty when no term has weight."""
    stats = background()
    sat = PaperIndex(((title,), (), (), (text,))).sat
    weights = sorted(
        ((s * stats.idf(t), t) for t, s in sat.items() if t not in STOPWORDS),
        reverse=True,
    )[: tuning.FEEDBACK_TERMS]
    return _unit({t: w for w, t in weights if w > 0})  # heaviest first (`_Postings.nearest` reads so)


def _unit(weights: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


_VECTORS: OrderedDict[tuple[str, str, int], Vector] = OrderedDict()  # least recently used first


def vector_of(title: str, text: str) -> Vector:
    """v(d), cached (bounded LRU) per text and background version: the fan-out reads the same papers
    for every channel."""
    key = (title, text, background().version)
    found = _VECTORS.get(key)
    if found is None:
        found = _VECTORS[key] = _vector(title, text)
        if len(_VECTORS) > _VECTOR_CACHE_SIZE:
            _VECTORS.popitem(last=False)
    else:
        _VECTORS.move_to_end(key)
    return found


def paper_vector(paper: Paper) -> Vector:
    """v(d) of a paper, read as a vote would store it (`example_of`)."""
    example = example_of(paper, 1)
    return vector_of(example.title, example.text)


@dataclass(frozen=True, slots=True)
class Effect:
    """The feedback on one paper: `shift` f in relevance units (unclamped), and the similarities s+ and
    s- above chance, in [0, 1]."""

    shift: float
    liked: float
    disliked: float


class FeedbackModel:
    """A profile compiled for scoring: the examples' vectors and the two Rocchio centroids."""

    __slots__ = ("disliked", "disliked_index", "liked", "liked_index", "negative", "positive")

    def __init__(self, profile: FeedbackProfile) -> None:
        seen: set[str] = set()
        examples = []
        for e in profile.examples:  # newest first: the newest vote on a paper wins
            if e.paper_id not in seen and len(examples) < tuning.FEEDBACK_MAX_EXAMPLES:
                seen.add(e.paper_id)
                examples.append((e, vector_of(e.title, e.text)))
        self.liked = tuple((e, v) for e, v in examples if e.vote > 0 and v)
        self.disliked = tuple((e, v) for e, v in examples if e.vote < 0 and v)
        self.positive = _centroid([v for _, v in self.liked])
        self.negative = _centroid([v for _, v in self.disliked])
        self.liked_index = _Postings(self.liked)
        self.disliked_index = _Postings(self.disliked)

    def effect(self, vector: Vector) -> Effect:
        """The feedback on a paper of this vector (`paper_vector`)."""
        s_plus = _above_chance(_cosine(vector, self.positive)) if self.positive else 0.0
        s_minus = _above_chance(_cosine(vector, self.negative)) if self.negative else 0.0
        return Effect(tuning.FEEDBACK_BETA * s_plus - tuning.FEEDBACK_GAMMA * s_minus, s_plus, s_minus)

    def neighbours(self, vector: Vector, vote: int) -> tuple[FeedbackExample, ...]:
        """The liked (vote +1) or disliked (-1) examples most like a paper of this vector, most similar
        first, for explanations: at most 3, each with a cosine above the chance level, measured on
        the paper's heaviest terms (so the order is close to, not exactly, the cosines')."""
        return (self.liked_index if vote > 0 else self.disliked_index).nearest(vector)

    def cap(self, vote: int) -> int:
        """How many papers one ranking may admit (vote +1) or remove (vote -1) through feedback."""
        votes = len(self.liked if vote > 0 else self.disliked)
        return min(tuning.FEEDBACK_PAPERS_MAX, tuning.FEEDBACK_PAPERS_PER_VOTE * votes)


def _centroid(vectors: list[Vector]) -> Vector:
    """The mean of `vectors`, cut to its FEEDBACK_CENTROID_TERMS heaviest terms, length 1."""
    total: dict[str, float] = {}
    for v in vectors:
        for t, w in v.items():
            total[t] = total.get(t, 0.0) + w
    kept = sorted(total.items(), key=lambda tw: (-tw[1], tw[0]))[: tuning.FEEDBACK_CENTROID_TERMS]
    return _unit(dict(kept))


def _above_chance(cosine: float) -> float:
    s0 = tuning.FEEDBACK_MIN_SIMILARITY
    return max(0.0, (cosine - s0) / (1.0 - s0))


class _Postings:
    """An inverted index of examples' vectors (term -> (example, weight)), so the examples most like a
    paper are found by reading only the terms they share with it."""

    __slots__ = ("examples", "postings")

    def __init__(self, examples: tuple[tuple[FeedbackExample, Vector], ...]) -> None:
        self.examples = tuple(e for e, _ in examples)
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for k, (_, v) in enumerate(examples):
            for t, w in v.items():
                self.postings.setdefault(t, []).append((k, w))

    def nearest(self, vector: Vector) -> tuple[FeedbackExample, ...]:
        """The examples most like `vector` (cosine above the chance level), most similar first."""
        cosines: dict[int, float] = {}
        for t, w in itertools.islice(vector.items(), _NEIGHBOUR_TERMS):  # heaviest first
            for k, x in self.postings.get(t, ()):
                cosines[k] = cosines.get(k, 0.0) + w * x
        best = sorted((-c, k) for k, c in cosines.items() if c > tuning.FEEDBACK_MIN_SIMILARITY)
        return tuple(self.examples[k] for _, k in best[:_NEIGHBOURS])


_MODELS: OrderedDict[tuple[FeedbackProfile, int], FeedbackModel] = OrderedDict()


def model(profile: FeedbackProfile) -> FeedbackModel:
    """`profile` compiled against the current background statistics (bounded LRU cache)."""
    key = (profile, background().version)
    found = _MODELS.get(key)
    if found is None:
        found = _MODELS[key] = FeedbackModel(profile)
        if len(_MODELS) > _MODEL_CACHE_SIZE:
            _MODELS.popitem(last=False)
    else:
        _MODELS.move_to_end(key)
    return found


def clear_feedback_cache() -> None:
    """Forget cached vectors and models (tests and benchmarks measuring cold runs)."""
    _VECTORS.clear()
    _MODELS.clear()
