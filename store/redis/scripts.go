package redis

import goredis "github.com/redis/go-redis/v9"

// Every key of one sender carries the sender in a hash tag ({+62...}), so a script
// touches one slot and the store also works on Redis Cluster. For sender S and prefix P:
//
//	P{S}:h          the token of the turn holding S, expiring after the lock TTL
//	P{S}:q          sorted set of turns waiting for S, scored by arrival time
//	P{S}:a:<token>  "alive" key of a waiting turn, refreshed each time it polls
//	P{S}:s          the session
//	P{S}:m:<id>     a processed message id (de-duplication)
//	P{S}:r          the rate-limit counter of the current window
//	P{S}:x:<token>  "gone" mark of a turn whose caller gave up (timed out, failed)
//
// When nobody holds S, the earliest waiting turn that is still alive takes it. A
// waiter that stopped polling (its instance crashed) is removed by the next one that
// looks; a holder that crashed loses the lock when P{S}:h expires.
//
// A caller that gives up (its call timed out while Redis stalled, say) may still have
// its request to take the turn sitting in Redis, to be run when Redis wakes up. Two
// things keep such a late request from holding the sender for nobody: each request
// carries the time by which its caller gives up, and Redis refuses it after that time
// (by its own clock, with a margin for clocks that differ a little); and the caller
// sends a release, again until Redis takes it, which marks the turn gone. Whichever
// Redis runs first, the turn is not held afterwards: a release run first leaves the
// mark that makes the late request back off, a request run first is undone by the
// release.

// beginScript: one attempt to take the sender's turn, in one round trip.
// KEYS: holder, queue, session, rate. ARGV: token, score, lock TTL ms, key base "P{S}:",
// message id, first attempt (1/0), rate limit (<0 off), rate window ms, waiter TTL ms,
// the caller's give-up time (unix ms).
// Returns {"ok", session|false}, {"wait"}, {"dup"}, {"slow"}, {"drop"} or {"gone"}.
var beginScript = goredis.NewScript(`
local h, q, s, r = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, base = ARGV[1], ARGV[4]
local seen = base .. 'm:' .. ARGV[5]
local now = redis.call('TIME')
if redis.call('EXISTS', base .. 'x:' .. token) == 1 or tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[10]) then
  if redis.call('GET', h) == token then redis.call('DEL', h) end
  redis.call('ZREM', q, token)
  redis.call('DEL', base .. 'a:' .. token)
  return {'gone'}
end
-- go-redis sends a script again when the connection broke before the answer came: a
-- turn that already holds the lock just gets it.
if redis.call('GET', h) == token then return {'ok', redis.call('GET', s)} end
if ARGV[6] == '1' then
  -- A message already processed is dropped at once, without waiting or counting
  -- against the rate limit (providers retry webhooks).
  if redis.call('EXISTS', seen) == 1 then return {'dup'} end
  local limit = tonumber(ARGV[7])
  -- Copies of one message delivered at once (before the first is processed) count
  -- once: a provider's burst of retries must not slow the resident down.
  if limit >= 0 and ARGV[5] ~= '' and not redis.call('SET', base .. 'c:' .. ARGV[5], '1', 'NX', 'PX', ARGV[8]) then
    limit = -1
  end
  if limit >= 0 then
    local n = redis.call('INCR', r)
    if n == 1 then redis.call('PEXPIRE', r, ARGV[8]) end
    if n == limit + 1 then return {'slow'} end
    if n > limit + 1 then return {'drop'} end
  end
end
-- Nobody holds the sender and nobody waits: the common case takes the turn at once.
if redis.call('EXISTS', h) == 0 and redis.call('EXISTS', q) == 0 then
  if redis.call('EXISTS', seen) == 1 then return {'dup'} end
  redis.call('SET', h, token, 'PX', ARGV[3])
  return {'ok', redis.call('GET', s)}
end
redis.call('ZADD', q, 'NX', ARGV[2], token)
redis.call('PEXPIRE', q, tonumber(ARGV[3]) * 4)
redis.call('SET', base .. 'a:' .. token, '1', 'PX', ARGV[9])
if redis.call('EXISTS', h) == 1 then return {'wait'} end
while true do
  local head = redis.call('ZRANGE', q, 0, 0)[1]
  if head == token then break end
  if redis.call('EXISTS', base .. 'a:' .. head) == 1 then return {'wait'} end
  redis.call('ZREM', q, head)
end
redis.call('ZREM', q, token)
redis.call('DEL', base .. 'a:' .. token)
if redis.call('EXISTS', seen) == 1 then return {'dup'} end
redis.call('SET', h, token, 'PX', ARGV[3])
return {'ok', redis.call('GET', s)}
`)

// commitScript saves the session, remembers the message and ends the turn, in one
// round trip, but only while the turn still holds the lock. The processed-message mark
// holds the token of the turn that processed it, so a commit sent again after a broken
// connection (go-redis retries) is recognised as done.
// KEYS: holder, session. ARGV: token, key base, message id, session, session TTL ms,
// dedupe TTL ms, delete session (1/0), the caller's give-up time (unix ms). Returns 1,
// or 0 when the lock was lost or the caller has given up.
var commitScript = goredis.NewScript(`
local h, s = KEYS[1], KEYS[2]
local token, base = ARGV[1], ARGV[2]
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[8]) then return 0 end
if redis.call('GET', h) ~= token then
  if ARGV[3] ~= '' and redis.call('GET', base .. 'm:' .. ARGV[3]) == token then return 1 end
  return 0
end
if ARGV[7] == '1' then
  redis.call('DEL', s)
else
  redis.call('SET', s, ARGV[4], 'PX', ARGV[5])
end
if ARGV[3] ~= '' then redis.call('SET', base .. 'm:' .. ARGV[3], token, 'PX', ARGV[6]) end
redis.call('DEL', h)
return 1
`)

// releaseScript ends a turn, or gives up waiting, without saving, and marks the turn
// gone for as long as a late request to take it could still be run.
// KEYS: holder, queue. ARGV: token, key base, lock TTL ms.
var releaseScript = goredis.NewScript(`
redis.call('SET', ARGV[2] .. 'x:' .. ARGV[1], '1', 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', ARGV[2] .. 'a:' .. ARGV[1])
return 1
`)

// queuedScript counts the turns holding or waiting. KEYS: holder, queue.
var queuedScript = goredis.NewScript(`
return redis.call('EXISTS', KEYS[1]) + redis.call('ZCARD', KEYS[2])
`)
