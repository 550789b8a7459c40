"""Settings from the environment and `.env`, validated once and passed explicitly.

Nothing is read at import time: `load_settings()` builds a fresh `Settings`, so tests and
several processes can each use their own. Every field is named after its environment
variable (case-insensitive), e.g. `hf_endpoint` <- `HF_ENDPOINT`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the environment variable."""


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("papers-bot", appauthor=False))


class Settings(BaseSettings):
    """All configuration of papers-bot. See the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- operations ------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Least severe log level written (DEBUG, INFO, WARNING, ERROR)."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`text` for people, `json` for one JSON object per line (log pipelines)."
    )

    # --- paper source -------------------------------------------------------------------
    hf_endpoint: AnyHttpUrl = Field(
        AnyHttpUrl("https://huggingface.co"),
        description="Base URL of the Hugging Face Hub (the name huggingface_hub uses); point it at a mirror.",
    )
    hf_token: SecretStr | None = Field(
        None, description="Optional Hugging Face token: doubles the anonymous API rate limit."
    )
    hf_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one HF API request.")
    hf_max_retries: int = Field(
        4, ge=0, le=10, description="Retries on 429, 5xx and connection errors before giving up."
    )

    # --- state ----------------------------------------------------------------------------
    redis_url: str | None = Field(
        None,
        description="redis:// or rediss:// URL. Unset: an embedded Redis keeps its data in PAPERS_DATA_DIR.",
    )
    papers_data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded Redis keeps its data (default: the user's data directory).",
    )
    redis_key_prefix: str = Field(
        "papers",
        min_length=1,
        max_length=40,
        pattern=r"^[^{}\s]+$",
        description="Prefix of every Redis key this bot writes (no braces or blanks).",
    )
    hf_cache_recent_seconds: float = Field(
        600, gt=0, description="How long today's and yesterday's cached HF lists are fresh."
    )
    hf_cache_past_seconds: float = Field(
        7 * 86400, gt=0, description="How long an older day's cached HF list is fresh."
    )
    posted_retention_days: int = Field(
        60, ge=7, le=366, description="How long a channel remembers the papers it got (never posted twice)."
    )

    # --- daily post engine ----------------------------------------------------------------
    daily_lookback_days: int = Field(
        4, ge=3, le=14, description="List days a daily post draws from (covers weekends and late papers)."
    )
    daily_tick_seconds: float = Field(
        30, gt=0, le=600, description="How often the engine looks for due channels."
    )
    daily_lease_seconds: float = Field(
        120, gt=0, description="A claimed post's lease; renewed while its engine lives, taken over after."
    )
    daily_batch_size: int = Field(
        2000, ge=1, le=20000, description="Channels loaded and claimed per pipeline."
    )
    daily_send_concurrency: int = Field(20, ge=1, le=1000, description="Posts sent at once by one engine.")
    daily_retry_base_seconds: float = Field(60, gt=0, description="First retry delay after a failed post.")
    daily_retry_max_seconds: float = Field(
        1800, gt=0, description="Longest retry delay (exponential backoff)."
    )
    daily_max_attempts: int = Field(
        8, ge=1, le=100, description="Attempts at one day's post before giving up."
    )
    daily_legacy_claims: bool = Field(
        True,
        description="Rolling upgrade from a version before zone-keyed claims: honour and mark its claim keys.",
    )

    # --- Discord app (papers-bot discord) ---------------------------------------------------
    discord_token: SecretStr | None = Field(
        None,
        description="Bot token of the Discord application (Developer Portal > Bot); needed to run or sync.",
    )
    discord_application_id: int | None = Field(
        None, gt=0, description="Application id; lets `papers-bot discord invite-url` work without a token."
    )
    discord_api_url: str = Field(
        "https://discord.com/api/v10",
        description="Discord REST API base (discord.py's Route.BASE); point it at a Discord-compatible stand-in.",
    )
    discord_gateway_url: str = Field(
        "wss://gateway.discord.gg/",
        description="Discord gateway websocket URL (discord.py's DEFAULT_GATEWAY); a stand-in's in tests.",
    )
    discord_shard_count: int | None = Field(
        None, ge=1, le=10000, description="Total shards of the bot. Unset: one connection, no sharding."
    )
    discord_shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        None,
        description="Shards this process runs, e.g. `0,1` (default: all of DISCORD_SHARD_COUNT); "
        "it posts only for the guilds of these shards.",
    )

    # --- Slack app (papers-bot slack) -------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        None,
        description="Bot token (xoxb-...) of the Slack app (OAuth & Permissions page); needed to run it.",
    )
    slack_signing_secret: SecretStr | None = Field(
        None, description="Signing secret (Basic Information page); HTTP mode verifies every request with it."
    )
    slack_app_token: SecretStr | None = Field(
        None,
        description="App-level token (xapp-..., scope connections:write). Set: Socket Mode; unset: HTTP mode on PORT.",
    )
    slack_api_url: str = Field(
        "https://slack.com/api/",
        description="Slack Web API base URL; point it at a proxy or a local fake in tests.",
    )
    slack_managers: Literal["anyone", "admins"] = Field(
        "anyone",
        description="Who may change a channel's daily post: `anyone`, or `admins` (workspace admins and owners).",
    )
    port: int = Field(
        3000,
        ge=1,
        le=65535,
        description="HTTP port of `papers-bot slack`: /slack/events (HTTP mode) and /healthz.",
    )
    http_read_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=60,
        description="Seconds a request's headers and body may take to arrive, from its first byte "
        "(Slack sends at once and gives up after 3 s); a slower client is hung up on.",
    )
    http_idle_timeout_seconds: float = Field(
        75.0,
        gt=0,
        le=3600,
        description="Seconds an open connection may wait for its next request (keep longer than the "
        "idle timeout of the proxy in front, often 60 s).",
    )
    http_max_connections: int = Field(
        2048,
        ge=16,
        le=100000,
        description="Open connections the HTTP server keeps at most (the soft file-descriptor limit is "
        "raised for them, up to the hard one); over it, the connection waiting longest for a request is closed.",
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("discord_token", mode="before")
    @classmethod
    def _empty_token(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _empty_slack_secret(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_api_url")
    @classmethod
    def _check_slack_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. https://slack.com/api/")
        return value.rstrip("/") + "/"

    @field_validator("discord_api_url")
    @classmethod
    def _check_discord_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. https://discord.com/api/v10")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _check_discord_gateway_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://, e.g. wss://gateway.discord.gg/")
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdecimal() for part in parts):
                raise ValueError("must be shard numbers separated by commas, e.g. 0,1")
            return tuple(int(part) for part in parts) or None
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _check_shard_ids(cls, value: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if value is None:
            return None
        count = info.data.get("discord_shard_count")
        if count is None:
            raise ValueError("needs DISCORD_SHARD_COUNT")
        if any(not 0 <= shard < count for shard in value):
            raise ValueError(f"shard numbers must be from 0 to {count - 1} (DISCORD_SHARD_COUNT={count})")
        return tuple(sorted(set(value)))

    def require_secret(self, name: str, hint: str) -> str:
        """The value of secret setting `name` (e.g. "slack_bot_token"); ConfigError naming it if unset."""
        value: SecretStr | None = getattr(self, name)
        text = value.get_secret_value().strip() if value is not None else ""
        if not text:
            raise ConfigError(f"{name.upper()} is not set: {hint}")
        return text

    @property
    def hf_base(self) -> str:
        """HF endpoint without a trailing slash, ready for path joins."""
        return str(self.hf_endpoint).rstrip("/")


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Build settings from the environment, `env_file` and explicit overrides.

    Raises ConfigError with the offending variable's name instead of pydantic's trace.
    """
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "settings"
            problems.append(f"{name}: {err['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
