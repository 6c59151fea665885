-- plain_take.lua: the yardstick of the Redis path, run under redis-benchmark by
-- ./scripts/bench: the least an atomic take can do in one script (no checks, no services,
-- no figures, no history). Its rate is L in the combined limit 1 / (1/H + 1/L) that the
-- server's take, call-next and finish are held to (H: the server's GET /healthz rate).
-- KEYS[1] the counter (STRING), KEYS[2] the base of ticket keys (HASH each),
-- KEYS[3] the queue (LIST), KEYS[4] the log (LIST)
-- ARGV[1] now ("<seconds>.<6 digits>"), ARGV[2] TTL in seconds, ARGV[3] the event channel
-- Returns: the ticket number
local n = redis.call('INCR', KEYS[1])
local ticket = KEYS[2] .. n
redis.call('HSET', ticket, 'ticket_number', n, 'creation_time', ARGV[1], 'status', 'waiting')
redis.call('RPUSH', KEYS[3], n)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', ticket, ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
redis.call('LPUSH', KEYS[4], ARGV[1] .. '|take_ticket:' .. n)
redis.call('LTRIM', KEYS[4], 0, 99)
redis.call('PUBLISH', ARGV[3], '{"action":"take_ticket","ticket":' .. n .. '}')
return n
