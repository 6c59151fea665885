-- status.lua: the cheap status as seen from one desk. Read-only. With lib.lua, queues.lua
-- and desks.lua.
-- KEYS, ARGV 1-7: see lib.lua.
-- ARGV[8] desk, ARGV[9] "1" when the office knows the desk (else there is no next
-- ticket for it), ARGV[10] the desk's priority ratio (0: none),
-- ARGV[11..] the office's priority classes: count, then code and weight of each, by code;
-- then the desk's services: their smallest max wait µs (0: none), their count, their codes
-- in the desk's order, then "<max wait µs> <target wait µs> …" for each in that order;
-- then the office's services: count, then their codes.
-- Returns: JSON {"open": bool, "queue_length": n, "current": n|absent, "next": n|absent,
--                "total": n, "services": {code: {"waiting": n, "next": label|absent}},
--                "served": n, "service_us": n, "desks": n}
local desk, known, ratio = ARGV[8], ARGV[9] == '1', tonumber(ARGV[10])
local weights, i, place = read_weights(11)
local rank, waits, min_maxw
rank, waits, min_maxw, i = read_plan(i)
local services = {}
for j = 1, tonumber(ARGV[i]) do
  services[ARGV[i + j]] = {waiting = 0}
end
local flat = registry()
local nxt = nil
if known then
  local h = choose(rank, waits, min_maxw, weights, place, streak_of(desk), ratio)
  if h then
    for j = 1, #flat, 2 do
      if flat[j] == h.name then
        local _, n = parse_entry(h.name, flat[j + 1])
        nxt = tonumber(n)
      end
    end
  end
end
-- Per service: the tickets of all its queues, and the head of its heaviest class (people
-- without priority first, then classes by code, among equal weights).
local best = {}
for j = 1, #flat, 2 do
  local name = flat[j]
  local service, class = split_name(name)
  local s = services[service]
  if s then
    local size, _, label = parse_entry(name, flat[j + 1])
    s.waiting = s.waiting + size
    local w = weights[class] or 0
    local b = best[service]
    if not b or w > b.weight or (w == b.weight and bytes_less(class, b.class)) then
      best[service] = {weight = w, class = class}
      s.next = label
    end
  end
end
local pace = redis.call('HMGET', K_STATS, 'served', 'service_us')
local current = current_of(desk)
return cjson.encode({
  open = redis.call('EXISTS', K_DAY) == 1,
  queue_length = redis.call('ZCARD', K_WAITING),
  current = current and tonumber(current),
  next = nxt,
  total = count(redis.call('GET', K_COUNTER), 'counter'),
  services = services,
  served = count(pace[1], 'stats served'),
  service_us = count(pace[2], 'stats service_us'),
  desks = redis.call('HLEN', K_DESKS),
})
