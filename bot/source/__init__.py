"""Where papers come from: the Hugging Face Daily Papers API.

`parse_items` and the rest of `hf_parse` are light; the HTTP client (`HFSource`, `SourceUnavailable`:
httpx and the settings) is imported on first use of those names, so reading a saved response (the
`digest --from-file` command) does not pay for it.
"""

from typing import TYPE_CHECKING, Any

from bot.source.hf_parse import ParseError, parse_item, parse_items

if TYPE_CHECKING:
    from bot.source.hf_client import HFSource, SourceUnavailable

__all__ = ["HFSource", "ParseError", "SourceUnavailable", "parse_item", "parse_items"]


def __getattr__(name: str) -> Any:
    """`HFSource` and `SourceUnavailable`, imported when first asked for (PEP 562)."""
    if name in ("HFSource", "SourceUnavailable"):
        from bot.source import hf_client

        return getattr(hf_client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
