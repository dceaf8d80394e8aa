-- Applies one chunk of a batch atomically and publishes what it changed.
--
-- KEYS[1]    the set of swarms (info hashes)
-- KEYS[1+i]  the hash of the swarm that change i touches
-- ARGV[1]    the writer id of the applying store (8 bytes)
-- ARGV[2]    the channel to publish on
-- ARGV[2+i]  change i:
--              'P' | info hash (20) | endpoint (18) | peer value (54, or
--                    more with a rendezvous contact)
--              'D' | info hash (20) | endpoint (18) [| until (8)]
--              'C' | info hash (20) | delta (decimal)
--
-- The last-seen time orders the states of a peer: a put is kept unless the
-- stored state was seen later. A removal with a time (unix ns, big-endian)
-- deletes the stored state only if that was seen at or before the time;
-- otherwise the peer announced again elsewhere, and the stored state is
-- published again so that the remover takes it back. A removal without a
-- time always deletes. Returns the number of entries published.

local swarms = KEYS[1]
local writer, channel = ARGV[1], ARGV[2]
local valueLen, seenAt = 54, 47

local function u64(s, i)
  local a, b, c, d, e, f, g, h = string.byte(s, i, i + 7)
  return a * 16777216 + b * 65536 + c * 256 + d, e * 16777216 + f * 65536 + g * 256 + h
end

-- before reports whether the 8-byte number at s[i] is below the one at t[j].
local function before(s, i, t, j)
  local sh, sl = u64(s, i)
  local th, tl = u64(t, j)
  return sh < th or (sh == th and sl < tl)
end

local function bytes(n, width)
  local out = {}
  for k = width, 1, -1 do
    out[k] = string.char(n % 256)
    n = math.floor(n / 256)
  end
  return table.concat(out)
end

-- put is the message entry of a stored value: 'P' for the plain 54 bytes,
-- 'R' with the length for a longer one.
local function put(hash, field, value)
  if #value == valueLen then
    return 'P' .. hash .. field .. value
  end
  return 'R' .. hash .. field .. bytes(#value, 2) .. value
end

local out, n = {}, 0
for i = 3, #ARGV do
  local key, c = KEYS[i - 1], ARGV[i]
  local kind, hash, field = string.sub(c, 1, 1), string.sub(c, 2, 21), string.sub(c, 22, 39)
  if kind == 'P' then
    local value = string.sub(c, 40)
    local cur = redis.call('HGET', key, field)
    if not cur or #cur < valueLen or not before(value, seenAt, cur, seenAt) then
      redis.call('HSET', key, field, value)
      if not cur then
        redis.call('SADD', swarms, hash)
      end
      n = n + 1
      out[n] = put(hash, field, value)
    end
  elseif kind == 'D' then
    local cur = redis.call('HGET', key, field)
    if cur then
      if #c == 39 or #cur < valueLen or not before(c, 40, cur, seenAt) then
        redis.call('HDEL', key, field)
        if redis.call('EXISTS', key) == 0 then
          redis.call('SREM', swarms, hash)
        end
        n = n + 1
        if #c == 47 then
          out[n] = 'D' .. hash .. field .. string.sub(c, 40, 47)
        else
          out[n] = 'D' .. hash .. field .. string.rep(string.char(0), 8)
        end
      else
        n = n + 1
        out[n] = put(hash, field, cur)
      end
    end
  elseif kind == 'C' then
    local delta = string.sub(c, 22)
    local total = redis.call('HINCRBY', key, 'c', delta)
    redis.call('SADD', swarms, hash)
    n = n + 1
    out[n] = 'C' .. hash .. bytes(tonumber(delta), 8) .. bytes(total, 8)
  end
end
if n > 0 then
  redis.call('PUBLISH', channel, string.char(1) .. writer .. bytes(n, 4) .. table.concat(out))
end
return n
