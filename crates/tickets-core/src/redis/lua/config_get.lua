-- config_get.lua: the office configuration. Runs alone (no lib.lua): the configuration
-- key is in a slot of its own on a Redis Cluster, so no day key goes with it.
-- KEYS[1] <prefix>:config   STRING  the configuration as JSON, with its version; no TTL
-- No ARGV.
-- Returns: the JSON document, or "" when none is stored.
return redis.call('GET', KEYS[1]) or ''
