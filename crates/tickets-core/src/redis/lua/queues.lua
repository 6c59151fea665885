-- queues.lua: reading the queue index; part of the function library, and prepended (after
-- lib.lua and commit.lua) to the scripts that read queues when they go by EVALSHA. See
-- lib.lua for the layout.

-- Whether a < b, byte by byte (Lua's own string order follows the server's locale).
local function bytes_less(a, b)
  local la, lb = #a, #b
  for i = 1, math.min(la, lb) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return la < lb
end

-- A queue name split into its service and class ('' for none).
local function split_name(name)
  local colon = string.find(name, ':', 1, true)
  if colon then
    return string.sub(name, 1, colon - 1), string.sub(name, colon + 1)
  end
  return name, ''
end

-- The queue index as a flat list (name, entry, name, entry, …).
local function registry()
  return redis.call('HGETALL', K_QUEUES)
end

local function bad_entry(name, v)
  fail('queues[' .. name .. '] holds ' .. tostring(v) .. ', not a queue entry')
end

-- A queue's size, from its index entry.
local function entry_size(name, v)
  local sp = string.find(v, ' ', 1, true)
  local size = sp and tonumber(string.sub(v, 1, sp - 1))
  if not size then
    bad_entry(name, v)
  end
  return size, sp
end

-- An index entry whole: the queue's size, its head's number and label.
local function parse_entry(name, v)
  local size, n, label = string.match(v, '^(%d+) (%d+) (%S+)$')
  if not size then
    bad_entry(name, v)
  end
  return tonumber(size), n, label
end

-- An index entry with another size (the head unchanged).
local function resized(name, v, size)
  local _, sp = entry_size(name, v)
  return text(size) .. string.sub(v, sp)
end

-- How many tickets wait in the queues of `service` for the classes heavier than `weight`.
-- (In a batch, an entry its takes changed or read is read where they keep it, and one
-- read here is kept there: see BATCH.)
local function heavier(service, weight, weights)
  local names, total = nil, 0
  local kept = BATCH and BATCH.entries
  for c, w in pairs(weights) do
    if w > weight then
      local name = service .. ':' .. c
      local entry = kept and kept[name]
      if entry then
        total = total + entry[1]
      else
        -- (A table made only when an entry is to be read.)
        names = names or {}
        names[#names + 1] = name
      end
    end
  end
  if not names then
    return total
  end
  local entries = redis.call('HMGET', K_QUEUES, unpack(names))
  for i = 1, #names do
    if entries[i] then
      local size, sp = entry_size(names[i], entries[i])
      total = total + size
      if kept then
        -- (The batch's later takes of the service read it there: see BATCH.)
        kept[names[i]] = {size, string.sub(entries[i], sp)}
      end
    end
  end
  return total
end

-- How many tickets will be called before waiting ticket n (table t) in its service: those
-- of classes of higher weight, then those before it in its own queue; nil when it does not
-- wait (memory.rs: ahead_of).
local function ahead_of(n, t, weights)
  if t.status ~= 'waiting' then
    return nil
  end
  local class = class_of(t)
  local rank = redis.call('ZRANK', K_QUEUE .. queue_name(t.service_type, class), member(n))
  if not rank then
    return nil
  end
  return rank + heavier(t.service_type, weights[class] or 0, weights)
end
