"""The Discord app: `/papers` slash commands and the daily channel post, over discord.py.

client.py (the discord.py client), commands.py (the command group), autocomplete.py,
permissions.py, daily.py (the daily loop and its `send`) and cli.py (`papers-bot discord`).
"""
