-- account_fail_record.lua: counts a failed sign-in on each counter named (the client
-- address's, the username's), as throttle.rs's Failures::after_failure does: a counter
-- below the limit lives a window from its first failure; at the limit, each failure makes
-- the next attempt wait the first wait, doubled per further failure up to the longest,
-- and the counter lives the window (or the wait, if longer) from its last failure.
-- KEYS: see account_lib.lua.
-- ARGV[1] now (µs), ARGV[2] failures before the waits, ARGV[3] the window (µs),
-- ARGV[4] the first wait (µs), ARGV[5] the longest wait (µs),
-- ARGV[6…] counter names ("fail:addr:<client>", "fail:user:<username>")
-- Returns: JSON ["<count> <first µs> <last µs>", …]: each counter after the failure.
local now = tonumber(ARGV[1])
local limit, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local first_wait, max_wait = tonumber(ARGV[4]), tonumber(ARGV[5])

local function wait_of(count)
  if count < limit then
    return 0
  end
  return math.min(first_wait * 2 ^ math.min(count - limit, 16), max_wait)
end

local function forgotten_at(count, first, last)
  if count < limit then
    return first + window
  end
  return last + math.max(wait_of(count), window)
end

local out = {}
for i = 6, #ARGV do
  local k = key(ARGV[i])
  local count, first, last = 0, now, now
  local stored = redis.call('GET', k)
  if stored then
    local c, f, l = string.match(stored, '^(%d+) (%-?%d+) (%-?%d+)$')
    if not c then
      fail(k .. ' is not a failure counter')
    end
    c, f, l = tonumber(c), tonumber(f), tonumber(l)
    if now < forgotten_at(c, f, l) then
      count, first = c, f
    end
  end
  count = count + 1
  local text = string.format('%d %d %d', count, first, now)
  local ttl_ms = math.ceil((forgotten_at(count, first, now) - now) / 1000)
  redis.call('SET', k, text, 'PX', math.max(ttl_ms, 1))
  out[#out + 1] = cjson.encode(text)
end
return json_array(out)
