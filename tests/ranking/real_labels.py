"""Topic labels for the real Daily Papers days in ../shared/hf-daily (the data stays there).

Judged by reading each paper's title and abstract: "relevant" means a reader of that topic's digest
would want the paper; "maybe" papers are ambiguous and are left out of the evaluation entirely (removed
from the ranking before precision is computed). Only topics with several relevant papers are listed.
"""

from __future__ import annotations


def _ids(text: str) -> frozenset[str]:
    return frozenset(text.split())


REAL_TOPICS: dict[str, str] = {
    "diffusion": "diffusion",
    "LLM agents": "LLM agents",
    "robotics": "robotics",
    "reinforcement learning": "reinforcement learning",
}

REAL_LABELS: dict[str, dict[str, frozenset[str]]] = {
    "diffusion": {
        "relevant": _ids(
            "2503.07677 2503.06674 2509.22622 2509.22414 2509.21760 2509.21989 2509.22244 2509.22650 "
            "2510.12747 2510.11057 2510.11683 2410.18958 2510.12586 2510.12789 2410.18977"
        ),
        "maybe": _ids(
            "2410.18978 2503.11647 2503.10772 2503.05689 2509.21574 2509.22642 2405.14979 2410.18775 "
            "2607.11886"
        ),
    },
    "LLM agents": {
        "relevant": _ids(
            "2503.11069 2503.10970 2509.22576 2509.21766 2509.22644 2509.21799 2509.22601 2510.12635 "
            "2608.09802 2608.08311 2608.07169 2608.02508 2608.09096 2608.07346 2607.11111 2510.12399"
        ),
        "maybe": _ids("2509.21710 2510.09116 2510.12693 2510.12801 2608.09848 2509.21574"),
    },
    "robotics": {
        "relevant": _ids("2503.11646 2410.18647 2510.12276 2510.12403 2608.09853 2509.22653 2509.22642"),
        "maybe": _ids("2510.12693 2503.05689 2509.22281"),
    },
    "reinforcement learning": {
        "relevant": _ids(
            "2509.22611 2509.22576 2509.22647 2509.21880 2509.22624 2509.22644 2509.22601 2509.21500 "
            "2510.12693 2510.11683 2608.08021"
        ),
        "maybe": _ids(
            "2510.12403 2510.12801 2509.22638 2509.22637 2410.18451 2608.02508 2608.04419 2607.11886 "
            "2510.09062 2410.18533"
        ),
    },
}
