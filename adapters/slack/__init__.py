"""The Slack app: `/papers`, its buttons, and the daily channel post, on Bolt for Python (asyncio).

A thin layer over the core: every listener turns a Slack payload into a `bot.commands` call and the
core's `Reply` into Block Kit (`bot.commands.payloads.slack_reply`); the daily loop hands the core
engine (`bot.daily`) a `send` that posts with `chat.postMessage`.

    app.py          builds the Bolt AsyncApp and registers the listeners (`build_app`)
    context.py      SlackBot: what every listener needs (service, permissions, responder, jobs)
    listeners/      /papers (commands.py) and the "Post to channel" / "More" buttons (actions.py)
    permissions.py  SLACK_MANAGERS: who may change a channel's settings (users.info, cached)
    respond.py      a Reply as response_url messages, in order
    jobs.py         the work after ack(): tracked background tasks that never die silently
    webapi.py       the Web API client (SLACK_API_URL, rate-limit retries) and Slack error mapping
    daily.py        the daily post: `send` / `find_sent` for the engine and the loop that runs it
    http_mode.py    HTTP mode: POST /slack/events (screened, then Bolt) and GET /healthz, /metrics
    socket_mode.py  Socket Mode with a connection watchdog
    screening.py    HTTP mode's checks before a body is parsed; payloads.py: the shapes Bolt reads
    runtime.py      one process: the app, the daily loop and the servers, started and stopped together
    cli.py          `papers-bot slack`

What every adapter provides: adapters/README.md.
"""
