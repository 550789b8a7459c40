"""Every size limit the renderers respect, named once.

Platform limits come from /shared/reference/platform-facts.md (a payload over any of them is rejected,
so the post never arrives). Our own budgets sit well inside them and keep posts readable; each renderer
and its tests refer to these names rather than to bare numbers.
"""

from __future__ import annotations

# --- Slack Block Kit (platform) -------------------------------------------------------------------------
SLACK_MAX_BLOCKS = 50  # blocks per message
SLACK_SECTION_TEXT_MAX = 3000  # section text, and any text object
SLACK_SECTION_FIELDS_MAX = 10  # section fields (we use none)
SLACK_SECTION_FIELD_TEXT_MAX = 2000
SLACK_HEADER_TEXT_MAX = 150  # header block plain_text
SLACK_CONTEXT_ELEMENTS_MAX = 10
SLACK_ACTIONS_ELEMENTS_MAX = 25  # buttons per actions block (👍/👎 use 2)
SLACK_BUTTON_TEXT_MAX = 75
SLACK_BUTTON_URL_MAX = 3000
SLACK_BLOCK_ID_MAX = 255
SLACK_MSG_BLOCKS_CHARS_REJECTED = 12_000  # "msg_blocks_too_long" starts around 12-13k characters

# --- Slack (our budgets) --------------------------------------------------------------------------------
# Budget for the JSON size of one message's blocks, well under the ~12k rejection point.
SLACK_MESSAGE_CHAR_BUDGET = 10_000
# Estimated JSON wrapping of one block around its text ({"type": "section", "text": {...}}).
SLACK_BLOCK_JSON_OVERHEAD = 64
SLACK_FALLBACK_TEXT_MAX = 3000  # the notification / screen-reader `text` of each message

# --- Discord (platform) ---------------------------------------------------------------------------------
DISCORD_CONTENT_MAX = 2000
DISCORD_MAX_EMBEDS = 10  # embeds per message
DISCORD_EMBEDS_TOTAL_MAX = 6000  # characters across all embeds of one message
DISCORD_EMBED_TITLE_MAX = 256
DISCORD_EMBED_DESCRIPTION_MAX = 4096
DISCORD_EMBED_FIELDS_MAX = 25
DISCORD_FIELD_NAME_MAX = 256
DISCORD_FIELD_VALUE_MAX = 1024
DISCORD_FOOTER_TEXT_MAX = 2048
DISCORD_AUTHOR_NAME_MAX = 256

# --- Discord (our budgets) ------------------------------------------------------------------------------
DISCORD_DESCRIPTION_BUDGET = 600  # summary shown in an embed; keeps ~6 embeds per message
DISCORD_FOOTER_BUDGET = 300

# --- Shared text budgets (characters of the raw text, before escaping) -------------------------------
TITLE_MAX = 250
AUTHOR_NAME_MAX = 60
AUTHORS_SHOWN = 3  # first authors shown, then "et al."
AUTHORS_TEXT_MAX = 200
ORG_MAX = 100
TOPIC_MAX = 60  # one topic as typed
TOPICS_TEXT_MAX = 300  # all topics on one line
SUMMARY_MAX = 400  # the one or two sentences shown
URL_MAX = 512  # longer URLs are dropped rather than cut (a cut URL is a broken link)

# --- Plain text -----------------------------------------------------------------------------------------
TEXT_WIDTH = 100
