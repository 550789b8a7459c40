"""Parsing API items into Papers: every shape the API has used, and hostile data."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime

import pytest

from bot.papers import Paper
from bot.source.hf_parse import ParseError, parse_item, parse_items
from tests.conftest import HF_DAILY_DAYS, load_real_day
from tests.factories import api_item, api_item_of, api_items, make_paper

DAY = date(2025, 10, 15)


def test_canonical_id_strips_version_and_text_is_normalised() -> None:
    item = api_item(
        "2510.12586v3", title="Pixel Space\n  Generative   Models", abstract="Line one\nline two."
    )
    paper = parse_item(item, DAY)
    assert paper.id == "2510.12586"
    assert paper.title == "Pixel Space Generative Models"
    assert paper.abstract == "Line one line two."
    assert paper.hf_url == "https://huggingface.co/papers/2510.12586"
    assert paper.arxiv_url == "https://arxiv.org/abs/2510.12586"
    assert paper.pdf_url == "https://arxiv.org/pdf/2510.12586"


def test_optional_fields_are_trimmed_or_absent() -> None:
    item = api_item(github="https://github.com/org/\nrepo ", stars=48, organization="AMAP-ML")
    item["paper"]["projectPage"] = "javascript:alert(1)"
    paper = parse_item(item, DAY)
    assert paper.github_url == "https://github.com/org/repo"
    assert paper.github_stars == 48
    assert paper.organization == "AMAP-ML"
    assert paper.project_page is None  # only http(s) links survive
    bare = parse_item(api_item(), DAY)
    assert (bare.github_url, bare.github_stars, bare.ai_summary, bare.ai_keywords) == (None, None, None, ())


def test_old_shape_mediaurl_and_missing_submission_time() -> None:
    item = api_item()
    item["mediaUrl"] = item.pop("thumbnail")
    del item["paper"]["submittedOnDailyAt"]
    paper = parse_item(item, date(2024, 5, 27))
    assert paper.thumbnail and paper.thumbnail.endswith(".png")
    assert paper.list_day == date(2024, 5, 27)  # falls back to the day asked
    assert paper.submitted_at is None


def test_list_day_comes_from_submission_time() -> None:
    paper = parse_item(api_item(day=date(2025, 10, 14)), date(2025, 10, 15))
    assert paper.list_day == date(2025, 10, 14)


def test_hidden_authors_are_left_out_and_ai_fields_kept() -> None:
    item = api_item(
        authors=["A One", "B Two"], ai_summary=" Short\nsummary. ", ai_keywords=["diffusion", " ", 3]
    )
    item["paper"]["authors"][1]["hidden"] = True
    paper = parse_item(item, DAY)
    assert paper.authors == ("A One",)
    assert paper.ai_summary == "Short summary."
    assert paper.ai_keywords == ("diffusion",)


@pytest.mark.parametrize(
    "item",
    [None, [], {"title": "no paper"}, {"paper": {"title": "no id"}}, {"paper": {"id": "1", "title": "  "}}],
)
def test_malformed_items_raise_parse_error(item: object) -> None:
    with pytest.raises(ParseError):
        parse_item(item, DAY)


def test_parse_items_skips_bad_items_and_duplicates() -> None:
    items = [api_item("2510.1", upvotes=9), {"bogus": 1}, api_item("2510.1v2", upvotes=3), api_item("2510.2")]
    papers = parse_items(items, DAY)
    assert [p.id for p in papers] == ["2510.1", "2510.2"]
    assert papers[0].upvotes == 9


def test_negative_or_wrong_typed_counts_become_zero() -> None:
    item = api_item(upvotes=-4, comments=2)
    item["numComments"] = "7"
    paper = parse_item(item, DAY)
    assert (paper.upvotes, paper.comments) == (0, 0)


def test_to_dict_round_trips() -> None:
    paper = parse_item(api_item(ai_keywords=["x"], github="https://github.com/a/b", stars=3), DAY)
    from bot.papers import Paper

    assert Paper.from_dict(paper.to_dict()) == paper


def test_api_item_of_is_read_back_as_the_same_paper() -> None:
    """The tests serve Papers through the fake HF API as `api_item_of(paper)`: nothing may be lost."""
    full = replace(
        make_paper(
            "2510.09999", comments=4, github="https://github.com/a/b", stars=12, organization="Org",
            ai_summary="Sum.", ai_keywords=["k1", "k2"], authors=["A B", "C D"],
        ),
        project_page="https://example.org/p",
    )  # fmt: skip
    assert all(getattr(full, f.name) not in (None, (), 0, "") for f in fields(Paper))  # every field set
    bare = Paper(id="2510.00002", title="T", abstract="", authors=(), upvotes=0, comments=0, list_day=DAY)
    for paper in (full, bare):
        assert parse_item(api_item_of(paper), paper.list_day) == paper
    assert parse_items(api_items([full, bare]), DAY) == [full, bare]
    with pytest.raises(ValueError, match="list_day"):
        api_item_of(replace(bare, submitted_at=datetime(2025, 10, 14, 23, tzinfo=UTC)))


@pytest.mark.skipif(not HF_DAILY_DAYS, reason="../shared/hf-daily is not present")
@pytest.mark.parametrize("day", HF_DAILY_DAYS)
def test_api_item_of_round_trips_every_real_paper(day: str) -> None:
    papers = parse_items(load_real_day(day), date.fromisoformat(day))
    assert parse_items(api_items(papers), date.fromisoformat(day)) == papers


@pytest.mark.skipif(not HF_DAILY_DAYS, reason="../shared/hf-daily is not present")
@pytest.mark.parametrize("day", HF_DAILY_DAYS)
def test_every_real_day_parses_completely(day: str) -> None:
    items = load_real_day(day)
    papers = parse_items(items, date.fromisoformat(day))
    assert len(papers) == len(items)
    for paper in papers:
        assert paper.title and "\n" not in paper.title and "  " not in paper.title
        assert paper.abstract and "\n" not in paper.abstract
        assert paper.authors
        assert "v" not in paper.id
        assert paper.list_day == date.fromisoformat(day)
        assert paper.github_url is None or "\n" not in paper.github_url
        assert paper.thumbnail is None or paper.thumbnail.startswith("https://")
