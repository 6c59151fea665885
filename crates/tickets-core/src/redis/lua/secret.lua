-- secret.lua: one of the office's secrets, made once and kept without expiry.
-- KEYS[1] <prefix>:secret:<name> (a STRING)
-- ARGV[1] a new random secret (hex), kept only when the key has none
-- Returns: the secret the key holds (hex)
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
