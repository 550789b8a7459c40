"""papers-bot core: Hugging Face Daily Papers, ranked and rendered for chat. Imports no chat SDK."""

__version__ = "0.1.0"
