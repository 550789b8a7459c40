"""Lua scripts of the delivery protocol, and running them in pipelines.

Every script touches only the keys of one channel (one hash tag, one cluster slot). Scripts are
loaded once per connection pool and run with EVALSHA; a server that lost its script cache
(restart, SCRIPT FLUSH) answers NOSCRIPT and the affected calls are re-sent after a SCRIPT LOAD.
Lease times come from the Redis server's clock (TIME), so replicas with skewed clocks agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from bot.store import resp


@dataclass(frozen=True)
class Script:
    name: str
    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())


_NOW_MS = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

#: How long a channel's delivery memory (keys.last) lives after its last claim or post.
MEMORY_TTL_SECONDS = 7 * 86400

# Claim a channel's local day and pick its papers, atomically.
# KEYS: claim, posted, sub, last (the delivery memory), held (the claim key the memory's `k`
#       named when the engine read it; the claim key itself when it named none), and optionally
#       legacy: the key a version before zone-keyed claims used for the same local day
#       (`P:claim:{ch}:DAY`, see bot.store.keys)
# ARGV: owner, lease_ms, ttl_s, want, note (1: post "nothing new"), now_s (logical), local_day,
#       complete (1: the candidates are the whole ranked list), last post `at` and held claim
#       `k` as the engine read them ('' for none: the engine decided from them), candidate ids...
# The memory's `k` names the channel's delivery in flight (claimed, or waiting for a retry after
# a failure that may have reached the platform) until it ends. The engine claims that one (and
# only that one) while it is set, so a post of another local day (another zone's) never starts
# before it is resolved; here a claim whose `k` names another pending one is refused ('stale').
# Every (re)claim stores its start `t` (ARGV now_s) and the previous attempt's as `pt`: a post
# `find_sent` finds later went out during that attempt (FINISH 'found').
# Returns one space-separated string (one reply value to parse, not a dozen):
#   'claimed ATTEMPT CHECKED ID...'   claimed; the ids to post (none: a "nothing new" line)
#   'recover ATTEMPT ID...'           took over an expired lease: re-send these ids
#   'more CHECKED'                    every given candidate was posted: send more candidates
#   'empty CHECKED'                   nothing new and no "nothing new" line wanted: day done
#   'stale'                           the memory changed since it was read: decide again
#   'busy OWNER' | 'wait RETRY_AT' | 'done STATE' | 'paused' | 'gone'
CLAIM = Script(
    "claim",
    _NOW_MS
    + """
local sub = redis.call('HMGET', KEYS[3], 'cfg', 'paused')
if not sub[1] then return 'gone' end
if sub[2] == '1' then return 'paused' end
local mem = redis.call('HMGET', KEYS[4], 'at', 'k')
if (mem[1] or '') ~= ARGV[9] or (mem[2] or '') ~= ARGV[10] then return 'stale' end
if mem[2] and mem[2] ~= KEYS[1] then
  local other = redis.call('HGET', KEYS[5], 's')
  if other == 'claimed' or other == 'retry' then return 'stale' end
end
local c = redis.call('HMGET', KEYS[1], 's', 'o', 'l', 'a', 'r', 'p', 't')
local state = c[1]
local attempts = tonumber(c[4]) or 0
if mem[2] == KEYS[1] and state ~= 'claimed' and state ~= 'retry' and state ~= 'superseded' then
  -- the delivery the memory names is over (or expired): nothing is in flight any more
  redis.call('HDEL', KEYS[4], 'k')
  if not state then return 'stale' end
end
local legacy = KEYS[6]
local mark = false
if not state and legacy and legacy ~= KEYS[1] then
  local old = redis.call('HMGET', legacy, 's', 'o', 'l')
  if old[1] == 'claimed' and tonumber(old[3]) > now_ms then return 'busy ' .. (old[2] or '') end
  if old[1] == 'claimed' or old[1] == 'retry' then
    -- left unresolved by a replica of the earlier version: the engine resolves it first
    redis.call('HSET', KEYS[4], 'k', legacy)
    redis.call('EXPIRE', KEYS[4], MEMORY_TTL)
    return 'stale'
  end
  if old[1] == 'empty' or old[1] == 'failed' then return 'done ' .. old[1] end
  mark = not old[1]
end
if state then
  if state == 'claimed' then
    if tonumber(c[3]) > now_ms then return 'busy ' .. (c[2] or '') end
    redis.call('HSET', KEYS[1], 'o', ARGV[1], 'l', now_ms + tonumber(ARGV[2]), 'a', attempts + 1, 't', ARGV[6])
    if c[7] then redis.call('HSET', KEYS[1], 'pt', c[7]) end
    redis.call('HSET', KEYS[4], 'k', KEYS[1])
    redis.call('EXPIRE', KEYS[4], MEMORY_TTL)
    return 'recover ' .. (attempts + 1) .. ' ' .. (c[6] or '')
  elseif state == 'retry' then
    if tonumber(c[5]) > tonumber(ARGV[6]) then return 'wait ' .. c[5] end
  elseif state ~= 'superseded' then  -- a superseded day was never posted: it may be claimed again
    return 'done ' .. state
  end
end
local want = tonumber(ARGV[4])
local picks = {}
local checked = 0
if #ARGV >= 11 then
  -- ZMSCORE (Redis >= 6.2) checks every candidate in one call; older servers: one ZSCORE each.
  local ok, scores = pcall(redis.call, 'ZMSCORE', KEYS[2], unpack(ARGV, 11))
  for i = 11, #ARGV do
    checked = checked + 1
    local score
    if ok then score = scores[i - 10] else score = redis.call('ZSCORE', KEYS[2], ARGV[i]) end
    if not score then
      picks[#picks + 1] = ARGV[i]
      if #picks >= want then break end
    end
  end
end
if #picks < want and ARGV[8] ~= '1' then return 'more ' .. checked end
if mark then
  -- mark the day in the earlier version's key too: its replicas then take the day as done
  redis.call('HSET', legacy, 's', 'moved')
  redis.call('EXPIRE', legacy, ARGV[3])
end
if #picks == 0 and ARGV[5] ~= '1' then
  redis.call('HSET', KEYS[1], 's', 'empty')
  if not state then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
  redis.call('HSET', KEYS[3], 'last_result', 'nothing_new', 'last_run_day', ARGV[7])
  return 'empty ' .. checked
end
redis.call('HSET', KEYS[1], 's', 'claimed', 'o', ARGV[1], 'l', now_ms + tonumber(ARGV[2]),
           'a', attempts + 1, 'p', table.concat(picks, ' '), 't', ARGV[6])
if c[7] then redis.call('HSET', KEYS[1], 'pt', c[7]) end
if not state then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
redis.call('HSET', KEYS[4], 'k', KEYS[1])
redis.call('EXPIRE', KEYS[4], MEMORY_TTL)
return 'claimed ' .. (attempts + 1) .. ' ' .. checked .. ' ' .. table.concat(picks, ' ')
""".replace("MEMORY_TTL", str(MEMORY_TTL_SECONDS)),
)

# Record the end of one delivery attempt.
# KEYS: claim, posted, sub, last (the delivery memory)
# ARGV: owner, outcome, now_s, cutoff_s, retention_s, local_day, text, retry_at, ids...
#   outcome 'sent'  : text = message id; ids were posted. Recorded even if the lease was lost
#                     (the post is out, so its papers must never be posted again), and `now`
#                     becomes the memory's last post. ARGV[8] is how long the claim must stay:
#                     until an hour after the local day ends.
#   outcome 'found' : as 'sent', for a post `find_sent` found: it went out during the previous
#                     attempt, so the start of that attempt (`pt`, else `t`) is its time.
#   outcome 'retry' : text = error; released for a retry at retry_at (only while we own it).
#   outcome 'failed': text = error; given up for the day (only while we own it).
#   outcome 'gone'  : text = reason; given up and the subscription paused with the reason.
#   outcome 'superseded': not out (`find_sent` looked), and the schedule now set owes nothing
#                     yet: the claim ends without a post (only while we own it).
# Every outcome but 'retry' ends the delivery: the memory's `k` is cleared when it names it.
# Returns the subscription's version after the update (false if it no longer exists); it is
# read before anything else the script does, i.e. after the commands queued before it.
FINISH = Script(
    "finish",
    """
local outcome = ARGV[2]
local now = ARGV[3]
local version = redis.call('HGET', KEYS[3], 'v')
local held = redis.call('HGET', KEYS[4], 'k')
if outcome == 'sent' or outcome == 'found' then
  local at = now
  if outcome == 'found' then
    local c = redis.call('HMGET', KEYS[1], 'pt', 't')
    at = c[1] or c[2] or now
  end
  redis.call('HSET', KEYS[1], 's', 'sent', 'm', ARGV[7], 'o', '')
  redis.call('HDEL', KEYS[1], 'l', 'p')
  -- needed only until the local day is over (no second post that day): ARGV[8] seconds
  redis.call('EXPIRE', KEYS[1], ARGV[8])
  if tonumber(at) > (tonumber(redis.call('HGET', KEYS[4], 'at')) or 0) then
    redis.call('HSET', KEYS[4], 'at', at)
  end
  if held == KEYS[1] then redis.call('HDEL', KEYS[4], 'k') end
  redis.call('EXPIRE', KEYS[4], MEMORY_TTL)
  local n = #ARGV - 8
  if n > 0 then
    local args = {}
    for i = 9, #ARGV do args[#args + 1] = at; args[#args + 1] = ARGV[i] end
    redis.call('ZADD', KEYS[2], unpack(args))
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  if version then
    redis.call('HSET', KEYS[3], 'last_post_at', at, 'last_post_day', ARGV[6], 'last_post_count', n,
               'last_message_id', ARGV[7], 'last_result', n > 0 and 'posted' or 'nothing_new',
               'last_run_day', ARGV[6], 'last_error', '', 'last_error_at', '')
  end
elseif redis.call('HGET', KEYS[1], 'o') == ARGV[1] then
  if outcome == 'retry' then
    redis.call('HSET', KEYS[1], 's', 'retry', 'r', ARGV[8], 'o', '', 'e', ARGV[7])
  else
    redis.call('HSET', KEYS[1], 's', outcome == 'superseded' and 'superseded' or 'failed', 'o', '', 'e', ARGV[7])
    if held == KEYS[1] then redis.call('HDEL', KEYS[4], 'k') end
  end
  if version and outcome ~= 'superseded' then
    redis.call('HSET', KEYS[3], 'last_error', ARGV[7], 'last_error_at', now, 'last_run_day', ARGV[6],
               'last_result', outcome == 'retry' and 'retrying' or 'failed')
    if outcome == 'gone' then
      redis.call('HSET', KEYS[3], 'paused', '1', 'paused_reason', ARGV[7], 'paused_at', now,
                 'changed_by', 'papers-bot', 'changed_at', now)
      version = redis.call('HINCRBY', KEYS[3], 'v', 1)
    end
  end
end
if not version then return false end
return tostring(version)
""".replace("MEMORY_TTL", str(MEMORY_TTL_SECONDS)),
)

# Extend the lease of claims this owner still holds.  KEYS: claim  ARGV: owner, lease_ms
# Returns 1 if renewed, 0 if the claim is no longer ours (finished, or taken over).
RENEW = Script(
    "renew",
    _NOW_MS
    + """
local c = redis.call('HMGET', KEYS[1], 's', 'o')
if c[1] == 'claimed' and c[2] == ARGV[1] then
  redis.call('HSET', KEYS[1], 'l', now_ms + tonumber(ARGV[2]))
  return 1
end
return 0
""",
)

# Give back a claim whose send never started (shutdown).  KEYS: claim  ARGV: owner
RELEASE = Script(
    "release",
    """
local c = redis.call('HMGET', KEYS[1], 's', 'o', 'a', 'pt')
if c[1] == 'claimed' and c[2] == ARGV[1] then
  redis.call('HSET', KEYS[1], 's', 'retry', 'r', '0', 'o', '', 'a', math.max(0, (tonumber(c[3]) or 1) - 1))
  if c[4] then redis.call('HSET', KEYS[1], 't', c[4]) end
  return 1
end
return 0
""",
)

# Delete a lock only if it still holds our token.  KEYS: lock  ARGV: token
UNLOCK = Script(
    "unlock",
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
""",
)

# One person's vote on one paper in one channel (bot.store.votes), and the channel's bounds.
# KEYS: votes (HASH member -> "1" | "-1"), vote times (ZSET member -> epoch s), cards (HASH paper -> JSON)
# ARGV: paper id, voter, vote ("1" | "-1"), now (epoch s), card JSON ("": keep the stored card), most
# votes kept, longest kept (s), deadline (epoch ms by Redis' TIME; "": none)
# Past the deadline the script stores nothing and fails with LATE: the caller has given up and told
# the voter the vote did not count, so a command Redis reads late (it stalled) must not count it.
# The same vote again takes it back. Then votes older than the age bound and the oldest beyond the
# count bound are dropped, with the cards no vote names any more. Returns {the voter's vote now
# (1, -1 or 0), the paper's likes, the paper's dislikes}.
VOTE = Script(
    "vote",
    """
if ARGV[8] and ARGV[8] ~= '' then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(ARGV[8]) then
    return redis.error_reply('LATE the vote reached Redis after its deadline; nothing stored')
  end
end
local member = ARGV[1] .. ' ' .. ARGV[2]
local now = tonumber(ARGV[4])
local keep, age = tonumber(ARGV[6]), tonumber(ARGV[7])
local mine = 0
if redis.call('HGET', KEYS[1], member) == ARGV[3] then
  redis.call('HDEL', KEYS[1], member)
  redis.call('ZREM', KEYS[2], member)
else
  redis.call('HSET', KEYS[1], member, ARGV[3])
  redis.call('ZADD', KEYS[2], now, member)
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
  else redis.call('HSETNX', KEYS[3], ARGV[1], '{}') end
  mine = tonumber(ARGV[3])
end
local dropped = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - age))
local over = redis.call('ZCARD', KEYS[2]) - #dropped - keep
if over > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[2], #dropped, #dropped + over - 1)) do
    dropped[#dropped + 1] = m
  end
end
for _, m in ipairs(dropped) do
  redis.call('HDEL', KEYS[1], m)
  redis.call('ZREM', KEYS[2], m)
end
local up, down = 0, 0
local voted = {}
local all = redis.call('HGETALL', KEYS[1])
local prefix = ARGV[1] .. ' '
for i = 1, #all, 2 do
  local paper = string.match(all[i], '^(%S+) ')
  voted[paper] = true
  if string.sub(all[i], 1, #prefix) == prefix then
    if all[i + 1] == '1' then up = up + 1 else down = down + 1 end
  end
end
if mine == 0 or #dropped > 0 then
  for _, paper in ipairs(redis.call('HKEYS', KEYS[3])) do
    if not voted[paper] then redis.call('HDEL', KEYS[3], paper) end
  end
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], age) end
return {mine, up, down}
""",
)

ALL = (CLAIM, FINISH, RENEW, RELEASE, UNLOCK, VOTE)


def evalsha_args(script: Script, keys: Sequence[str], args: Sequence[Any]) -> tuple[Any, ...]:
    return ("EVALSHA", script.sha, len(keys), *keys, *args)


async def load_scripts(redis: Redis) -> None:
    """SCRIPT LOAD every script (idempotent)."""
    async with redis.pipeline(transaction=False) as pipe:
        for script in ALL:
            pipe.script_load(script.source)
        await pipe.execute()


async def run_batch(redis: Redis, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Run commands in one non-transactional pipeline (bot.store.resp: one write, one read pass);
    re-run NOSCRIPT failures after loading the scripts.

    Other per-command errors are returned in place (as exception objects), not raised. Replies
    are decoded strings, whatever the client's decode_responses.
    """
    if not commands:
        return []
    results = await _pipeline(redis, commands)
    missing = [i for i, r in enumerate(results) if _is_noscript(r)]
    if missing:
        await load_scripts(redis)
        again = await _pipeline(redis, [commands[i] for i in missing])
        for i, result in zip(missing, again, strict=True):
            results[i] = result
    return results


async def run_one(redis: Redis, script: Script, keys: Sequence[str], args: Sequence[Any]) -> Any:
    [result] = await run_batch(redis, [evalsha_args(script, keys, args)])
    if isinstance(result, Exception):
        raise result
    return result


def _is_noscript(result: Any) -> bool:
    return isinstance(result, NoScriptError) or (
        isinstance(result, ResponseError) and str(result).startswith("NOSCRIPT")
    )


async def _pipeline(redis: Redis, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    return await resp.execute(redis, commands)
