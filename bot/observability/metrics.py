"""Prometheus metrics, defined once; `GET /metrics` serves them (bot.observability.server).

Label values are bounded: command names, outcomes and platforms come from our own code, never
from user input.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

COMMANDS = Counter(
    "papers_commands_total", "Commands answered, by command and outcome.", ["command", "outcome"]
)
COMMAND_SECONDS = Histogram(
    "papers_command_seconds",
    "Time to answer a command (after the platform's ack).",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
VOTES = Counter(
    "papers_votes_total",
    "Vote clicks, by platform and outcome (counted, taken_back, expired, not_in_message, storage_down).",
    ["platform", "outcome"],
)
VOTE_EDITS = Counter(
    "papers_vote_edits_total", "Messages relabelled with new vote counts (after coalescing).", ["platform"]
)
POSTS = Counter("papers_posts_total", "Daily posts, by platform and result.", ["platform", "result"])
CHANNELS_PAUSED = Counter(
    "papers_channels_paused_total", "Channels paused because the platform refused them.", ["platform"]
)
HF_REQUESTS = Counter(
    "papers_hf_requests_total", "Requests to the Hugging Face API, by outcome.", ["outcome"]
)
HF_CACHE = Counter("papers_hf_cache_total", "Daily Papers list reads, by cache result.", ["result"])
HTTP_REFUSED = Counter(
    "papers_http_refused_total",
    "Requests and connections the HTTP server refused (bad signature, too large, timed out...), by kind.",
    ["kind"],
)
