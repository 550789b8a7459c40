"""The key schema: escaping, hash tags (one slot per channel), prefix rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.store.keys import ChannelRef, Keys, escape_id, hash_slot_tag, unescape_id

ids = st.text(min_size=1, max_size=40)


@given(ids)
def test_escape_round_trips_and_leaves_no_separator(value: str) -> None:
    escaped = escape_id(value)
    assert unescape_id(escaped) == value
    assert not set(escaped) & set(":{} \t\n")


@given(ids, ids)
def test_channel_member_round_trips(team: str, channel: str) -> None:
    ref = ChannelRef("discord", team, channel)
    assert ChannelRef.from_member("discord", ref.member) == ref


@given(ids, ids)
def test_every_key_of_a_channel_shares_its_hash_tag(team: str, channel: str) -> None:
    keys = Keys("papers")
    ref = ChannelRef("slack", team, channel)
    tags = {
        hash_slot_tag(k)
        for k in (keys.sub(ref), keys.posted(ref), *keys.channel_keys(ref, "Asia/Tokyo", date(2025, 1, 2)))
    }
    assert tags == {ref.tag}


def test_keys_are_readable() -> None:
    keys = Keys("papers")
    ref = ChannelRef("slack", "T01", "C02")
    assert keys.sub(ref) == "papers:sub:{slack:T01:C02}"
    assert (
        keys.claim(ref, "Asia/Tokyo", date(2025, 10, 15))
        == "papers:claim:{slack:T01:C02}:Asia/Tokyo:2025-10-15"
    )
    assert keys.last(ref) == "papers:last:{slack:T01:C02}"
    assert keys.due("slack") == "papers:due:slack"
    assert keys.hf_day(date(2025, 10, 15)) == "papers:hf:day:2025-10-15"


def test_global_keys_have_no_hash_tag() -> None:
    keys = Keys("p")
    for key in (
        keys.due("slack"),
        keys.platforms(),
        keys.team_channels("slack", "T{1}"),
        keys.hf_lock(date(2025, 1, 1)),
    ):
        assert "{" not in key


@pytest.mark.parametrize("prefix", ["", "a{b", "a b", "x}"])
def test_prefix_without_braces_or_blanks(prefix: str) -> None:
    with pytest.raises(ValueError):
        Keys(prefix)


@pytest.mark.parametrize("platform", ["", "Slack", "slack:x", "9x", "a" * 30])
def test_platform_names_are_checked(platform: str) -> None:
    with pytest.raises(ValueError):
        ChannelRef(platform, "T", "C")


def test_empty_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        ChannelRef("slack", "", "C")
