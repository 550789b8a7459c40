"""Slack checks for `papers-bot doctor`: the bot token (auth.test) and the mode's credentials."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from adapters.slack.webapi import build_client, error_code, new_session
from bot.doctor import Check
from bot.settings import Settings


async def checks(settings: Settings) -> list[Check]:
    if settings.slack_bot_token is None:
        return [Check("Slack", None, "SLACK_BOT_TOKEN is not set, so the Slack app is not configured")]
    async with new_session() as session:
        bot = build_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url, session)
        found = [await _call("Slack bot token", bot.auth_test, "SLACK_BOT_TOKEN", settings)]
        if settings.slack_app_token is not None:
            app = build_client(settings.slack_app_token.get_secret_value(), settings.slack_api_url, session)
            found.append(
                await _call("Slack Socket Mode", app.apps_connections_open, "SLACK_APP_TOKEN", settings)
            )
        elif settings.slack_signing_secret is None:
            found.append(
                Check(
                    "Slack HTTP mode",
                    False,
                    "SLACK_APP_TOKEN is unset (HTTP mode) but SLACK_SIGNING_SECRET is missing",
                    "copy Basic Information > Signing Secret into SLACK_SIGNING_SECRET, or set SLACK_APP_TOKEN",
                )
            )
        else:
            found.append(
                Check(
                    "Slack HTTP mode",
                    True,
                    f"requests are verified; serving /slack/events on port {settings.port}",
                )
            )
    return found


async def _call(name: str, method, setting: str, settings: Settings) -> Check:  # type: ignore[no-untyped-def]
    try:
        answer = await method()
    except SlackApiError as exc:
        code = error_code(exc)
        return Check(
            name, False, f"Slack refused {setting} ({code})", f"copy {setting} again from the app's page"
        )
    except Exception as exc:  # network, proxy, DNS
        return Check(
            name,
            False,
            f"cannot reach {settings.slack_api_url}: {type(exc).__name__}",
            "check the network or SLACK_API_URL",
        )
    if setting == "SLACK_BOT_TOKEN":
        return Check(
            name, True, f"@{answer.get('user')} in workspace {answer.get('team')} ({answer.get('team_id')})"
        )
    return Check(name, True, "the app-level token may open Socket Mode connections")
