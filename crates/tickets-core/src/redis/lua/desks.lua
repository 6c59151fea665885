-- desks.lua: the calling rule; part of the function library, and prepended (after lib.lua,
-- commit.lua and queues.lua) to the scripts that call a desk's next ticket or say which
-- it is when they go by EVALSHA.

-- A desk's services from ARGV[i]: the smallest maximum wait among them (µs, 0 for none),
-- their count, their codes in the desk's order, then one argument with the maximum wait
-- and the target wait (µs, 0 for none) of each, in that order. Returns code -> rank (0, 1,
-- …), that last argument (see waits_of), the smallest maximum wait and the index after.
local function read_plan(i)
  local rank = {}
  local c = tonumber(ARGS[i + 1])
  for j = 0, c - 1 do
    rank[ARGS[i + 2 + j]] = j
  end
  return rank, ARGS[i + 2 + c], tonumber(ARGS[i]), i + 3 + c
end

-- The maximum wait and the target wait (µs) of the desk's service of rank r. (The
-- pattern of each rank is made once, and kept with the library's state.)
local WAIT_PATTERNS = {}
local function waits_of(waits, r)
  local pattern = WAIT_PATTERNS[r]
  if not pattern then
    pattern = '^' .. string.rep('%d+ ', 2 * r) .. '(%d+) (%d+)'
    WAIT_PATTERNS[r] = pattern
  end
  local maxw, target = string.match(waits, pattern)
  return tonumber(maxw), tonumber(target)
end

-- Where a queue of a service stands among the service's queues, as memory.rs orders them:
-- people without priority (0), then the classes by code (their place in `place`; a class
-- no longer configured between the configured ones, by code).
local function queue_place(class, place)
  if class == '' then
    return 0
  end
  local at = place[class]
  if at then
    return at
  end
  at = 0.5
  for code, p in pairs(place) do
    if bytes_less(code, class) and p + 0.5 > at then
      at = p + 0.5
    end
  end
  return at
end

-- Whether the head (score s, order o, class c) goes before the head (s2, o2, c2) by
-- arrival: score, then the desk's order of services and the service's order of queues
-- (o = rank * 1000 + place), then the class (two classes no longer configured).
local function before(s, o, c, s2, o2, c2)
  if s ~= s2 then
    return s < s2
  end
  if o ~= o2 then
    return o < o2
  end
  return bytes_less(c, c2)
end

-- The head of the queues of one class (`key`: its heads, a ZSET of services in calling
-- order) that goes first for the desk (rank: its services), as (score, order, service), or
-- nil: the first of the desk's services in score order, ties going to the desk's order.
-- Reads the set a few members at a time: the first ones decide, but for ties.
local function first_of(key, class, rank, place)
  local at = queue_place(class, place)
  local best_s, best_o, best
  local from = 0
  while true do
    local part = redis.call('ZRANGE', key, from, from + 3, 'WITHSCORES')
    for j = 1, #part, 2 do
      local r = rank[part[j]]
      if r then
        local s = tonumber(part[j + 1])
        if best_s and s > best_s then
          return best_s, best_o, best
        end
        local o = r * 1000 + at
        if not best_s or o < best_o then
          best_s, best_o, best = s, o, part[j]
        end
      end
    end
    if #part < 8 or (best_s and tonumber(part[#part]) > best_s) then
      break
    end
    from = from + 4
  end
  if best then
    return best_s, best_o, best
  end
  return nil
end

-- The calling rule (calling.rs: choose) over the heads of the desk's queues (rank, waits,
-- min_maxw: see read_plan): 1. a head past its service's maximum wait, the longest
-- waiting first; 2. otherwise the heaviest class, unless the desk's last `ratio` calls were
-- all priority and a normal ticket waits; 3. otherwise the earliest arrival. Ties go by
-- score, then the desk's order of services, then the order memory.rs looks at the queues
-- of a service (people without priority, then the classes by code). Returns the head to
-- call as {name, service, class, weight, rank, late (past its maximum wait)}, or nil.
local function choose(rank, waits, min_maxw, weights, place, streak, ratio)
  if min_maxw > 0 then
    -- Only the heads taken before now minus the smallest maximum wait can be late.
    local late = redis.call('ZRANGE', K_HEAD_TIMES, '-inf',
      '(' .. string.format('%d', NOW_US - min_maxw), 'BYSCORE', 'WITHSCORES')
    local found = {}
    for j = 1, #late, 2 do
      local s, c = split_name(late[j])
      local r = rank[s]
      local maxw = r and waits_of(waits, r) or 0
      local taken = tonumber(late[j + 1])
      if maxw > 0 and NOW_US - taken > maxw then
        if #found > 0 and taken > found[1].taken then
          break
        end
        -- Among the longest waiting (equal times), the earliest arrival.
        found[#found + 1] = {name = late[j], service = s, class = c, rank = r, taken = taken,
          weight = weights[c] or 0, ord = r * 1000 + queue_place(c, place), late = true}
      end
    end
    if #found == 1 then
      return found[1]
    end
    local best
    for _, h in ipairs(found) do
      h.score = tonumber(redis.call('ZSCORE', heads_key(h.class), h.service))
      if not best or before(h.score, h.ord, h.class, best.score, best.ord, best.class) then
        best = h
      end
    end
    if best then
      return best
    end
  end
  -- The classes that have heads now; those no longer configured weigh 0, like people
  -- without priority.
  local present = redis.call('HGETALL', K_CLASSES)
  local ns, no, nsv, nc = first_of(K_HEADS, '', rank, place)
  if ns then
    nc = ''
  end
  local heavy = {}
  for j = 1, #present, 2 do
    local c = present[j]
    local w = weights[c]
    if w then
      heavy[#heavy + 1] = c
    else
      local s, o, sv = first_of(heads_key(c), c, rank, place)
      if s and (not ns or before(s, o, c, ns, no, nc)) then
        ns, no, nsv, nc = s, o, sv, c
      end
    end
  end
  if #heavy > 0 and not (ratio > 0 and streak >= ratio and ns) then
    -- The heaviest class with a head for the desk; among equal weights, the earliest.
    table.sort(heavy, function(a, b) return weights[a] > weights[b] end)
    local pw, ps, po, psv, pc
    for _, c in ipairs(heavy) do
      local w = weights[c]
      if pw and w < pw then
        break
      end
      local s, o, sv = first_of(heads_key(c), c, rank, place)
      if s and (not pw or before(s, o, c, ps, po, pc)) then
        pw, ps, po, psv, pc = w, s, o, sv, c
      end
    end
    if pw then
      return {name = queue_name(psv, pc), service = psv, class = pc, weight = pw,
        rank = rank[psv]}
    end
  end
  if ns then
    return {name = queue_name(nsv, nc), service = nsv, class = nc, weight = 0, rank = rank[nsv]}
  end
  return nil
end
