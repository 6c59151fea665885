-- push_claim.lua: claims one stage of one ticket's notifications, once on every server.
-- KEYS[1] <prefix>:{<day>}:push_sent  HASH  "<number>:<taken µs>:<stage>" -> "1"
-- ARGV[1] the field, ARGV[2] the TTL in seconds (the day's)
-- Returns: 1 the first time, 0 after
local first = redis.call('HSETNX', KEYS[1], ARGV[1], '1')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return first
