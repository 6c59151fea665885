-- transfer.lua: moves a waiting ticket, or a desk's current ticket, to the queue of a
-- service (it keeps its label, and its class if that service offers priority). With
-- lib.lua, queues.lua and moves.lua.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] ticket number, ARGV[9] the service it goes to, ARGV[10] "1" when that service
-- offers priority, ARGV[11] where it goes: "arrival" (its number), "end" or "front"
-- (calling.rs: end_score, front_score), ARGV[12] the desk that holds it ("" to use the
-- ticket's own desk).
-- Returns: JSON {"error": "not_found"} | {"error": "wrong_status", "status": s}
--        | {"ticket": {hash}}
check_layout()
local n, target, offers, position, asked = ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local own = number(n, 'ARGV')
local t = ticket_table(n)
if not t then
  return refuse('not_found')
end
local holder = nil
if t.status == 'in_progress' then
  holder = asked ~= '' and asked or t.desk
  if not holder or current_of(holder) ~= n then
    return refuse('wrong_status', t)
  end
elseif t.status ~= 'waiting' then
  return refuse('wrong_status', t)
end
if position ~= 'arrival' and position ~= 'end' and position ~= 'front' then
  return redis.error_reply('ERR transfer.lua: unknown position ' .. tostring(position))
end
local counter = count(redis.call('GET', K_COUNTER), 'counter')
local class = ''
if offers == '1' then
  class = class_of(t)
end
local name = queue_name(target, class)
-- Read the queue and check the sets of heads before any write: foreign data there fails
-- the transfer with nothing written.
redis.call('ZCARD', K_QUEUE .. name)
check_types(heads_key(class), 'zset', heads_key(class_of(t)), 'zset')
if holder then
  set_current(holder, '0', true)
else
  dequeue(t.service_type, class_of(t), n)
end
local score = own
if position == 'end' then
  local tail = redis.call('ZRANGE', K_QUEUE .. name, -1, -1, 'WITHSCORES')[2]
  local s = math.max(tail and tonumber(tail) or 0, counter)
  score = s + (math.floor(s) + 1 - s) / 2
elseif position == 'front' then
  local head = redis.call('ZRANGE', K_QUEUE .. name, 0, 0, 'WITHSCORES')[2]
  if head then
    score = math.min(tonumber(head), own + 1) - 1
  end
end
local key = ticket_key(n)
redis.call('HSET', key, 'service_type', target, 'status', 'waiting')
redis.call('HDEL', key, 'called_time', 'desk', 'account')
if class == '' then
  redis.call('HDEL', key, 'priority')
end
redis.call('HINCRBY', key, 'transfers', '1')
enqueue(target, class, score, n)
t = ticket_table(n)
record('transfer', n, holder, t)
commit()
return cjson.encode({ticket = t})
