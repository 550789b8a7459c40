"""Every tuning constant of topic matching and ranking, with the reason for its value.

Calibrated on the labelled set (`bench/labels/`, `bench/topic_quality.py`) with each topic left out in
turn, so the values suit topics in general rather than the twelve of the set; `docs/ranking.md` gives
the model they belong to and the measurements behind them.
"""

from __future__ import annotations

from typing import Final

# --- BM25F (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework: BM25 and Beyond", §3.6) ---

#: Field order of every per-field tuple below and of `PaperIndex`: the paper's title, HF's AI keywords,
#: HF's one-sentence AI summary, the arXiv abstract.
FIELDS: Final = ("title", "keywords", "summary", "abstract")

#: Field weights w_f: an occurrence in the title says more about what a paper is about than one in the
#: abstract: the title states the subject in ~10 words. HF's AI keywords and one-sentence AI summary
#: restate the abstract (generated, with generic entries such as "benchmark"), so they count like it;
#: they still help, as papers without them lose that evidence. Calibrated: title 3 (the usual 2-5),
#: keywords 1 (2 tried: worse with each topic left out).
FIELD_WEIGHTS: Final = (3.0, 1.0, 1.0, 1.0)

#: Length normalisation b_f: 0 for the title and the keywords (short, a few words each: their length
#: says little about verbosity), the standard 0.75 for the abstract and the summary.
FIELD_B: Final = (0.0, 0.0, 0.75, 0.75)

#: k1, BM25's term-frequency saturation: how fast more occurrences stop adding. Calibrated: 2.0 (the
#: usual 1.2 tried: worse), so a word in the title alone gives evidence 3 / (3 + 2) = 0.6, one mention in
#: an abstract of average length 0.33, three mentions 0.6.
K1: Final = 2.0

# --- IDF from background statistics ---

#: Papers seen by this process (the cached lists it ranks) join the shipped background statistics so
#: that vocabulary new since the archive counts; past this many, their counts are halved (and the
#: older half of the remembered ids forgotten), so recent papers weigh more and memory stays bounded.
LIVE_MAX_PAPERS: Final = 20_000

# --- the association thesaurus (query expansion from background co-occurrence) ---

#: A topic word is also met, at a discount, by terms whose presence in a paper makes the word's
#: likely: c(a, b) = (P(a | b) - P(a)) / (1 - P(a)) over the archive (Qiu & Frei 1993's
#: "concept-based query expansion" from co-occurrence). Only terms in this many papers or more take
#: part (rarer ones give chance co-occurrences)...
ASSOCIATION_MIN_DF: Final = 5
#: ...P(a | b) is smoothed towards P(a) by this many papers' worth (a term seen in 5 papers that all
#: have "safety" is weaker evidence than one seen in 50)...
ASSOCIATION_SMOOTHING: Final = 5.0
#: ...and the table keeps, per term, this many of its strongest associations with c at least this
#: (the build script's cut; the matcher applies the two below).
ASSOCIATIONS_KEPT: Final = 40
ASSOCIATION_KEPT_MIN: Final = 0.1
#: Per topic word, the matcher uses this many associated terms with c at least this...
EXPANSION_TERMS: Final = 20
EXPANSION_MIN: Final = 0.2
#: ...each raising the word's evidence x to 1 - (1 - x) * prod_b (1 - EXPANSION_WEIGHT * c(a, b) * x_b)
#: (a noisy-OR: several associated terms add up, never past certainty). 1 means the association
#: strength alone discounts them. Calibrated: 1 (0 and 1 in bench/calibrate.py, 0.5 and 0.7 in earlier
#: trials; 1 is chosen with every topic left out, and is worth about +0.06 F1).
EXPANSION_WEIGHT: Final = 1.0

# --- the match decision ---

#: How a topic's words combine: relevance = 1 - (sum_t w_t^p (1 - x_t)^p / sum_t w_t^p)^(1/p), the p-norm
#: AND of the extended Boolean model (Salton, Fox & Wu 1983, "Extended Boolean information retrieval")
#: over the words' BM25F evidence x_t. p = 1 is the weighted mean of the evidence (each word counts
#: for its weight's share, a missing word costs exactly that share); larger p punishes a missing word
#: more. Calibrated: 1 (2 tried; 1 is best with each topic left out).
P_NORM: Final = 1.0

#: Word weights w_t = IDF^IDF_POWER. With 1 (the RSJ weight of BM25) a multi-word topic's common word
#: still costs a lot when missing ("AI" in "AI safety", "models" in "vision language models", which
#: papers often leave implicit); squaring IDF lets the rarer word dominate while every word still counts.
#: Calibrated: 2 (1, 2 and 3 tried; 2 is chosen with 9 of the 12 topics left out).
IDF_POWER: Final = 2.0

#: A paper matches a topic when its relevance (in [0, 1): 1 would be every word saturated) reaches
#: this. It does not depend on the day's papers. Calibrated (0.40 to 0.80 tried in steps of 0.05): a
#: one-word topic matches a paper with the word in its title (0.6), or three times in its abstract, or
#: the abstract and AI fields together; one or two passing mentions do not.
MATCH_THRESHOLD: Final = 0.55

#: Relevance from which a match is called "strong", and "good" (for people, in `/papers why`).
STRONG_MATCH: Final = 0.8
GOOD_MATCH: Final = 0.65

# --- the ranking formula (bot.ranking.score) ---

#: Points of the relevance part per unit of relevance. A paper squarely on a one-word topic (in its
#: title, keywords and abstract) has relevance about 0.8, one that just qualifies 0.55: 0.25 x 12 = 3
#: points, a 20x upvote ratio, so a strong match is not buried under a popular paper that merely
#: qualifies, while popularity still orders papers about equally relevant. (Precision at 10 on the
#: labelled set is 0.91 to 0.92 for any weight from 6 to 16.)
RELEVANCE_WEIGHT: Final = 12.0

#: Upvote fairness for young papers: upvotes count sqrt(24 h / clamp(hours on the list, 6 h, 24 h))
#: times, from 2 (6 h or less) to 1 (a day or more). Upvotes keep arriving for a day or two; the
#: square root is a deliberately mild correction because early upvotes are few and noisy.
FULL_DAY_HOURS: Final = 24.0
MIN_HOURS: Final = 6.0

#: Stars and comments are secondary signals: a 1,000-star repository adds 0.69 (like doubling
#: upvotes), 3 comments add 0.35.
STARS_WEIGHT: Final = 0.1
COMMENTS_WEIGHT: Final = 0.25

# --- relevance feedback (bot.ranking.rocchio; Rocchio 1971, Manning, Raghavan & Schütze 2008 §9.1.1) ---
# Calibrated with bench/feedback.py on a split the reported figures do not use: the channel votes on
# the labelled set's first 5 list days and is measured on the next 5 (docs/ranking.md, "Relevance
# feedback"); the figures reported are for voting on days 1-10 and measuring on days 11-22.

#: A paper's feedback vector keeps its this many heaviest terms (BM25F saturation x IDF). A vote's
#: stored text (~1,000 characters) has 50 to 90 distinct content terms, so this keeps nearly all
#: (40 tried: worse; 200: the same).
FEEDBACK_TERMS: Final = 80
#: Each centroid (liked, disliked) keeps this many terms: Rocchio's expansion terms (Buckley, Salton &
#: Allan 1994 add tens to a few hundred). 60 tried: worse (a channel's liked papers share fewer than
#: 60 distinctive terms when it follows several subjects); 300: about the same.
FEEDBACK_CENTROID_TERMS: Final = 150
#: Cosine similarity that unrelated ML papers reach by sharing field words ("model", "language",
#: "benchmark"): the 90th percentile of a liked centroid against papers not on its topic is 0.03-0.07,
#: the median of papers on it 0.06-0.21. Similarity above it counts, rescaled to [0, 1].
#: Calibrated: 0.03 (0.05, 0.06, 0.1 and 0.2 tried: each weaker, 0.2 does almost nothing).
FEEDBACK_MIN_SIMILARITY: Final = 0.03
#: Rocchio's beta and gamma (alpha = 1 on the topic query), in relevance units per unit of similarity
#: above chance. The textbook's ratio, gamma = beta / 5 (Manning et al. §9.1.1: positive feedback is
#: worth more than negative, a disliked paper being one of many ways to be off-topic); beta is larger
#: than the textbook's 0.75 because our similarities are small (a paper on a liked subject is at 0.1-0.2
#: of its centroid, not near 1). Calibrated: 1.5 (0.5, 0.75, 1 and 3 tried; 3 helps channels without
#: topics more but costs F1 with topics).
FEEDBACK_BETA: Final = 1.5
FEEDBACK_GAMMA: Final = 0.3
#: With topics, feedback moves a paper's relevance by at most this much, so the topic stays what
#: decides: only papers within it of the match threshold can join or leave, and a good match
#: (GOOD_MATCH, 0.65) is never removed. (0.1, 0.15 and 0.2 measure alike: the count cap binds first.)
FEEDBACK_MAX_SHIFT: Final = 0.1
#: A paper below the threshold is admitted only when feedback raises its relevance by at least this
#: much, so a paper at 0.54 needs some likeness to the liked papers, not a trace of it. Calibrated: 0.03
#: (0 the same on the calibration split; 0.06 and 0.1 lose recall there).
FEEDBACK_MIN_ADMIT: Final = 0.03
#: A ranking admits (without topics: raises) at most this many papers per liked example through
#: feedback, and removes at most this many per disliked example, FEEDBACK_PAPERS_MAX in all: one vote
#: cannot flood or empty a post.
FEEDBACK_PAPERS_PER_VOTE: Final = 2
FEEDBACK_PAPERS_MAX: Final = 10
#: The newest votes read (the store keeps a few hundred; older interests fade).
FEEDBACK_MAX_EXAMPLES: Final = 200
