"""Where papers come from: the Hugging Face Daily Papers API."""

from bot.source.hf_client import HFSource, SourceUnavailable
from bot.source.hf_parse import ParseError, parse_item, parse_items

__all__ = ["HFSource", "ParseError", "SourceUnavailable", "parse_item", "parse_items"]
