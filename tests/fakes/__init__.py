"""Local stand-ins for what the bot talks to, each a real server or recorder (tests/README.md).

hf.py           the Hugging Face Daily Papers API (FakeHF, on a real socket)
slack_api.py    Slack's Web API, response_urls and Socket Mode (FakeSlack)
slack_requests.py  Slack's side of a request to the app: signed headers and bodies (SlackSender)
discord_api/    Discord's REST API and gateway (DiscordStandIn), with its own README and tests
platform.py     chat platforms as the daily engine sees them: recording send functions
"""
