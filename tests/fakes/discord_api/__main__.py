"""Run the stand-in by hand: ``python -m tests.fakes.discord_api [--rest-port N] [--gateway-port M]``.

Prints the environment to give the bot, then logs every request until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import DiscordStandIn


async def main(rest_port: int, gateway_port: int, token: str | None) -> None:
    async with DiscordStandIn(rest_port=rest_port, gateway_port=gateway_port, token=token) as standin:
        for key, value in standin.env().items():
            print(f"export {key}={value}", flush=True)
        seen = 0
        while True:
            await asyncio.sleep(0.2)
            for req in standin.requests[seen:]:
                if req.status is None:
                    break
                print(
                    f"{req.method} {req.path} -> {req.status} {req.json if req.json is not None else ''}",
                    flush=True,
                )
                seen += 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rest-port", type=int, default=0)
    parser.add_argument("--gateway-port", type=int, default=0)
    parser.add_argument("--token", default=None, help="accept only this bot token (default: any)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.rest_port, args.gateway_port, args.token))
