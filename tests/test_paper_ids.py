"""`parse_paper_id`: every common way of writing an arXiv id or paper link, and what is not one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.paper_ids import parse_paper_id

ID = "2510.12586"


@pytest.mark.parametrize(
    "text",
    [
        "2510.12586",
        "2510.12586v2",
        " 2510.12586v12 ",
        "arXiv:2510.12586",
        "arxiv:2510.12586v2",
        "ARXIV:2510.12586",
        "arXiv: 2510.12586",
        "arXiv 2510.12586",
        "arXiv.2510.12586",
        "arXiv:2510.12586v2 [cs.CL]",
        "2510.12586 [cs.LG]",
        "10.48550/arXiv.2510.12586",
        "doi:10.48550/arXiv.2510.12586",
        "https://doi.org/10.48550/arXiv.2510.12586",
        "https://arxiv.org/abs/2510.12586",
        "https://arxiv.org/pdf/2510.12586v2.pdf",
        "https://arxiv.org/pdf/2510.12586v2",
        "https://arxiv.org/pdf/2510.12586",
        "arxiv.org/abs/2510.12586",
        "arxiv.org/abs/2510.12586/",
        "www.arxiv.org/abs/2510.12586",
        "http://arxiv.org/abs/2510.12586",
        "HTTPS://ARXIV.ORG/ABS/2510.12586",
        "https://arxiv.org/html/2510.12586v1",
        "https://arxiv.org/html/2510.12586v1/#S2",
        "https://arxiv.org/html/2510.12586v1/x1.png",
        "https://arxiv.org/format/2510.12586",
        "https://arxiv.org/ps/2510.12586v1",
        "https://arxiv.org/src/2510.12586",
        "https://arxiv.org/abs/2510.12586?context=cs.CL",
        "https://arxiv.org/abs/2510.12586v3#comments",
        "https://arxiv.org:443/abs/2510.12586",
        "export.arxiv.org/abs/2510.12586",
        "https://export.arxiv.org/pdf/2510.12586v1",
        "https://ar5iv.labs.arxiv.org/html/2510.12586",
        "https://ar5iv.org/abs/2510.12586",
        "https://www.alphaxiv.org/abs/2510.12586",
        "alphaxiv.org/overview/2510.12586v1",
        "https://huggingface.co/papers/2510.12586",
        "huggingface.co/papers/2510.12586",
        "https://huggingface.co/papers/2510.12586#community",
        "https://huggingface.co/papers/2510.12586?utm_source=digest&utm_medium=slack",
        "https://hf.co/papers/2510.12586",
        "hf.co/papers/2510.12586v2",
        "<https://arxiv.org/abs/2510.12586>",
        "<http://arxiv.org/abs/2510.12586|arxiv.org/abs/2510.12586>",
        "[the paper](https://arxiv.org/abs/2510.12586)",
        "(2510.12586)",
        "2510.12586.",
        "2510.12586,",
        "`2510.12586`",
        '"arXiv:2510.12586"',
        "“2510.12586”",
        "https://arxiv.org/abs/2510.12586).",
        "2510.12586v2.pdf",
    ],
)
def test_common_ways_of_writing_a_paper(text: str) -> None:
    assert parse_paper_id(text) == ID


@pytest.mark.parametrize(
    "text",
    [
        # typed on a CJK or Arabic keyboard, or pasted from text set in one: full-width letters,
        # digits and punctuation (NFKC), other decimal digits, ideographic full stops and brackets
        "２５１０.１２５８６",
        "２５１０．１２５８６",
        "arXiv：2510.12586",
        "ａｒＸｉｖ:2510.12586",
        "ａｒＸｉｖ：２５１０．１２５８６ｖ２",
        "2510.12586。",
        "2510。12586",
        "「2510.12586」",
        "【arXiv:2510.12586】",
        "（2510.12586）",
        "ｈｔｔｐｓ：／／ａｒｘｉｖ．ｏｒｇ／ａｂｓ／２５１０．１２５８６",
        "٢٥١٠.١٢٥٨٦",  # Arabic-Indic digits
        "٢٥١٠٫١٢٥٨٦",  # ... with the Arabic decimal separator
        "۲۵۱۰.۱۲۵۸۶",  # Extended Arabic-Indic (Persian, Urdu)
        "२५१०.१२५८६",  # Devanagari
        # invisible format characters (Unicode category Cf) around or inside
        "2510.12586\u2060",
        "\u2060arXiv:2510.12586",
        "2510.\u200b12586",
        "2510.12586\u00ad",
        "\u200e2510.12586\u200f",
        "\ufeff2510.12586",
        "arXiv:2510.12586\u2063",
        "https://arxiv.org/abs/2510.12586\u200d",
        # citation forms: Google Scholar, arXiv's own PDF stamp, DBLP, Nature, MLA/APA years
        "arXiv preprint arXiv:2510.12586",
        "arXiv preprint arXiv:2510.12586 (2025)",
        "arXiv preprint arXiv:2510.12586, 2025.",
        "arXiv e-print arXiv:2510.12586",
        "Preprint at https://arxiv.org/abs/2510.12586 (2025)",
        "arXiv:2510.12586v1 [cs.CL] 14 Oct 2025",
        "CoRR abs/2510.12586",
        "CoRR abs/2510.12586 (2025)",
        "arXiv ID: 2510.12586",
        # a version written apart
        "arXiv:2510.12586 v2",
        "2510.12586 V3",
        # links written a little wrong
        "https://arxiv.org/abs/arXiv:2510.12586",
        "https://arxiv.org/pdf/arXiv:2510.12586v2.pdf",
        "https://huggingface.co/papers/arXiv:2510.12586",
        "arxiv.org//abs//2510.12586",
        "https://arxiv.org///abs/2510.12586",
        "https:/arxiv.org/abs/2510.12586",
        "https:///arxiv.org/abs/2510.12586",
        "arxiv.org/pdf2510.12586",  # the slash left out: a known view glued to a valid id
        "https://arxiv.org/abs2510.12586v2",
        # emphasis and other wrappers
        "*2510.12586*",
        "_arXiv:2510.12586_",
        "**https://arxiv.org/abs/2510.12586**",
        "[see [2] here](https://arxiv.org/abs/2510.12586)",
        "[x](arxiv: 2510.12586)",
    ],
)
def test_more_ways_of_writing_a_paper(text: str) -> None:
    assert parse_paper_id(text) == ID


@pytest.mark.parametrize(
    ("text", "paper_id"),
    [
        ("0704.0001", "0704.0001"),  # the first new-style id
        ("1412.8999v1", "1412.8999"),  # 4-digit numbers up to December 2014
        ("1501.00001", "1501.00001"),  # 5 digits from January 2015
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("cs/0112017", "cs/0112017"),
        ("math.GT/0309136", "math/0309136"),
        ("arXiv:math.GT/0309136v1", "math/0309136"),
        ("HEP-TH/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("arxiv.org/pdf/cond-mat/0703001v1.pdf", "cond-mat/0703001"),
    ],
)
def test_other_id_schemes_and_their_canonical_form(text: str, paper_id: str) -> None:
    assert parse_paper_id(text) == paper_id


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "diffusion",
        "<!channel>",
        "2510.1258",  # 4 digits after 2014
        "1412.12345",  # 5 digits before 2015
        "2513.12345",  # month 13
        "0703.0001",  # before the new scheme
        "2510.00000",
        "2510.125867",
        "2510.12586v0",
        "2510.12586 2510.12587",
        "2510.12586abc",
        "hep-th/0801001",  # old-style ids ended in March 2007
        "hep-th/9101001",  # before arXiv began
        "https://example.com/abs/2510.12586",
        "https://arxiv.org.evil.example/abs/2510.12586",
        "https://huggingface.co/models/2510.12586",
        "https://arxiv.org/list/cs.CL/recent",
        "ftp://arxiv.org/abs/2510.12586",
        "javascript://arxiv.org/abs/2510.12586",
        "https://arxiv.org/abs/",
        "https://[arxiv.org/abs/2510.12586",
        "arxiv.org",
        "arXiv:",
        "arXiv preprint",
        "2510.12586 2019",  # a year needs a comma or brackets: this may be two things
        "2510.12586 v",
        "arxiv.org/list2510.12586",  # not a view of one paper
        "arxiv.org/pdf2510.1258",
        "https://example.com//abs//2510.12586",
        "CoRR 2510.12586 abs",
        "\u2060",
        "٢٥١٠.١٢٥٨",
        "[a](https://arxiv.org/abs/2510.12586) [b](https://arxiv.org/abs/2510.12587)",
    ],
)
def test_what_is_not_a_paper(text: str) -> None:
    assert parse_paper_id(text) is None


new_ids = st.builds(
    lambda yy, mm, n: f"{yy:02d}{mm:02d}.{n:05d}" if yy >= 15 else f"{yy:02d}{mm:02d}.{n % 10000 or 1:04d}",
    st.integers(8, 99),
    st.integers(1, 12),
    st.integers(1, 99999),
)
decorations = st.tuples(
    st.sampled_from(["", "v1", "v2", "v13"]),
    st.sampled_from(
        [
            "{}",
            "arXiv:{}",
            "arxiv: {}",
            "https://arxiv.org/abs/{}",
            "http://www.arxiv.org/pdf/{}.pdf",
            "arxiv.org/html/{}/",
            "export.arxiv.org/abs/{}?x=1#y",
            "https://huggingface.co/papers/{}",
            "hf.co/papers/{}",
            "https://doi.org/10.48550/arXiv.{}",
        ]
    ),
    st.sampled_from(["{}", "<{}>", "({})", "{}.", "`{}`", "[x]({})"]),
    st.booleans(),
)


@given(new_ids, decorations)
def test_any_new_style_id_in_any_decoration(paper_id: str, decoration: tuple) -> None:
    version, form, wrapper, upper = decoration
    if "doi.org" in form and version:
        version = ""  # arXiv DOIs name the paper, never a version
    text = wrapper.format(form.format(paper_id + version))
    assert parse_paper_id(text.upper() if upper else text) == paper_id


@given(new_ids, st.sampled_from(["{}", "arXiv:{}", "https://arxiv.org/abs/{}", "hf.co/papers/{}"]))
def test_full_width_forms_read_as_their_ascii(paper_id: str, form: str) -> None:
    text = form.format(paper_id)
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    assert parse_paper_id(full_width) == paper_id


@given(st.text(max_size=120))
def test_never_raises(text: str) -> None:
    found = parse_paper_id(text)
    assert found is None or found == parse_paper_id(found)  # canonical ids read back as themselves
