"""Paper text of realistic length for matching tests: BM25 normalises by length, so a 5-word abstract
would make one mention weigh like four. FILLER is about 150 words (real abstracts average 190) on no
particular subject."""

from __future__ import annotations

from tests.factories import make_paper

FILLER = (
    "We propose a simple method and evaluate it on several public benchmarks, where it improves over "
    "strong baselines by a clear margin. The method needs no extra annotation and fits "
    "into existing pipelines. We describe the design choices that matter, report ablations of each "
    "component, and analyse the cases where the approach still fails. Our experiments cover small and "
    "large settings, several random seeds and two domains, and the gains hold across "
    "them. We also study how the results depend on the amount of data, on the choice of "
    "hyperparameters and on the quality of the inputs, and find the method robust to all three. "
    "Finally, we discuss limitations, including the scope of the evaluation itself and the difficulty "
    "of comparing with prior work under identical conditions, and outline directions for future "
    "research that could address them. We hope these findings help practitioners choose between the "
    "available options and encourage more careful reporting in the field."
)


def paper(paper_id: str = "2510.00001", *, title: str = "A study of methods", abstract: str = FILLER, **kw):
    """A paper whose abstract is FILLER unless given (then FILLER is appended, keeping the length)."""
    if abstract is not FILLER:
        abstract = f"{abstract} {FILLER}"
    return make_paper(paper_id, title=title, abstract=abstract, **kw)
