package redis

import goredis "github.com/redis/go-redis/v9"

// Every key of one sender carries the sender in a hash tag ({+62...}), so a script
// touches one slot and the store also works on Redis Cluster. For sender S and prefix P:
//
//	P{S}:q          sorted set of turns holding or waiting for S, scored by arrival
//	P{S}:a:<token>  "alive" key of a queued turn, expiring after the lock TTL
//	P{S}:s          the session
//	P{S}:m:<id>     a processed message id (de-duplication)
//	P{S}:r          the rate-limit counter of the current window
//
// The head of the queue holds the lock. A turn whose alive key expired (its instance
// crashed, or it waited without polling) is removed by the next turn that looks.

// beginScript: one attempt to take the sender's turn, in one round trip.
// KEYS: queue, session, rate. ARGV: token, score, lock TTL ms, key base "P{S}:",
// message id, first attempt (1/0), rate limit (<0 off), rate window ms.
// Returns {"ok", session|false}, {"wait"}, {"dup"}, {"slow"} or {"drop"}.
var beginScript = goredis.NewScript(`
local q, s, r = KEYS[1], KEYS[2], KEYS[3]
local token, base = ARGV[1], ARGV[4]
if ARGV[6] == '1' then
  local limit = tonumber(ARGV[7])
  if limit >= 0 then
    local n = redis.call('INCR', r)
    if n == 1 then redis.call('PEXPIRE', r, ARGV[8]) end
    if n == limit + 1 then return {'slow'} end
    if n > limit + 1 then return {'drop'} end
  end
end
redis.call('ZADD', q, 'NX', ARGV[2], token)
redis.call('SET', base .. 'a:' .. token, '1', 'PX', ARGV[3])
redis.call('PEXPIRE', q, tonumber(ARGV[3]) * 4)
while true do
  local head = redis.call('ZRANGE', q, 0, 0)[1]
  if head == token then break end
  if redis.call('EXISTS', base .. 'a:' .. head) == 1 then return {'wait'} end
  redis.call('ZREM', q, head)
end
if redis.call('EXISTS', base .. 'm:' .. ARGV[5]) == 1 then
  redis.call('ZREM', q, token)
  redis.call('DEL', base .. 'a:' .. token)
  return {'dup'}
end
return {'ok', redis.call('GET', s)}
`)

// commitScript saves the session, remembers the message and ends the turn, in one
// round trip, but only while the turn still holds the lock.
// KEYS: queue, session. ARGV: token, key base, message id, session, session TTL ms,
// dedupe TTL ms, delete session (1/0). Returns 1, or 0 when the lock was lost.
var commitScript = goredis.NewScript(`
local q, s = KEYS[1], KEYS[2]
local token, base = ARGV[1], ARGV[2]
if redis.call('ZRANGE', q, 0, 0)[1] ~= token then return 0 end
if ARGV[7] == '1' then
  redis.call('DEL', s)
else
  redis.call('SET', s, ARGV[4], 'PX', ARGV[5])
end
if ARGV[3] ~= '' then redis.call('SET', base .. 'm:' .. ARGV[3], '1', 'PX', ARGV[6]) end
redis.call('ZREM', q, token)
redis.call('DEL', base .. 'a:' .. token)
return 1
`)

// releaseScript ends a turn (or gives up waiting) without saving.
// KEYS: queue. ARGV: token, key base.
var releaseScript = goredis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', ARGV[2] .. 'a:' .. ARGV[1])
return 1
`)
