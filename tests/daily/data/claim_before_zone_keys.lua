-- CLAIM of papers-bot before zone-keyed claims (commit 2c62be8^, bot/store/scripts.py), kept
-- verbatim to test a rolling upgrade against it. KEYS: claim, posted, sub. ARGV: owner,
-- lease_ms, ttl_s, want, note, now_s, local_day, complete, candidate ids...
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local sub = redis.call('HMGET', KEYS[3], 'cfg', 'paused')
if not sub[1] then return 'gone' end
if sub[2] == '1' then return 'paused' end
local c = redis.call('HMGET', KEYS[1], 's', 'o', 'l', 'a', 'r', 'p')
local state = c[1]
local attempts = tonumber(c[4]) or 0
if state then
  if state == 'claimed' then
    if tonumber(c[3]) > now_ms then return 'busy ' .. (c[2] or '') end
    redis.call('HSET', KEYS[1], 'o', ARGV[1], 'l', now_ms + tonumber(ARGV[2]), 'a', attempts + 1)
    return 'recover ' .. (attempts + 1) .. ' ' .. (c[6] or '')
  elseif state == 'retry' then
    if tonumber(c[5]) > tonumber(ARGV[6]) then return 'wait ' .. c[5] end
  else
    return 'done ' .. state
  end
end
local want = tonumber(ARGV[4])
local picks = {}
local checked = 0
if #ARGV >= 9 then
  -- ZMSCORE (Redis >= 6.2) checks every candidate in one call; older servers: one ZSCORE each.
  local ok, scores = pcall(redis.call, 'ZMSCORE', KEYS[2], unpack(ARGV, 9))
  for i = 9, #ARGV do
    checked = checked + 1
    local score
    if ok then score = scores[i - 8] else score = redis.call('ZSCORE', KEYS[2], ARGV[i]) end
    if not score then
      picks[#picks + 1] = ARGV[i]
      if #picks >= want then break end
    end
  end
end
if #picks < want and ARGV[8] ~= '1' then return 'more ' .. checked end
if #picks == 0 and ARGV[5] ~= '1' then
  redis.call('HSET', KEYS[1], 's', 'empty')
  if not state then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
  redis.call('HSET', KEYS[3], 'last_result', 'nothing_new', 'last_run_day', ARGV[7])
  return 'empty ' .. checked
end
redis.call('HSET', KEYS[1], 's', 'claimed', 'o', ARGV[1], 'l', now_ms + tonumber(ARGV[2]),
           'a', attempts + 1, 'p', table.concat(picks, ' '))
if not state then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 'claimed ' .. (attempts + 1) .. ' ' .. checked .. ' ' .. table.concat(picks, ' ')
