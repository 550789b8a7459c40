"""The Discord app: `/papers` slash commands and the daily channel post, over discord.py.

app.py (the discord.py client, its command tree and daily loop), commands.py (the command group),
autocomplete.py, permissions.py, daily.py (the daily post's `send` / `find_sent`), doctor.py and
cli.py (`papers-bot discord`). What every adapter provides: adapters/README.md.
"""
