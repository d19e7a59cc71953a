/// The Lua scripts of the Redis cache: each check-and-act runs in Redis as one atomic step (docs/cache.md).
///
/// Keys, under the prefix P (`apex:NAMESPACE`):
/// - `P:G` the whole-memory generation, `P:GB` its busy count (expires with the write lease);
/// - `P:E` the supersession epoch;
/// - `P:g:TYPE/KEY` an entity's generation (expires a day after its last use), `P:b:TYPE/KEY` its busy count;
/// - `P:c:...` an entry: a header `G NUL n NUL ref1 NUL gen1 NUL ... refn NUL genn NUL` and the value's bytes;
/// - `P:f:...` a fill claim.
/// Every argument is data: entity keys and questions are never parsed by Redis as commands, and the scripts split
/// headers on NUL, which no stored key or type holds (the record decoder refuses it).
///
/// A fill creates every generation it records (at 0) and `P:G`, and a lookup takes a missing generation for a moved
/// one: a generation Redis evicted under memory pressure can then never make an old entry current again.
enum RedisCacheScripts {
    /// ARGV: prefix, entry key, owner ref ("" for none). Returns {G, owner gen, busy (0/1), epoch, value or nil}.
    static let lookup = """
        local p = ARGV[1]
        local G = tonumber(redis.call('GET', p .. ':G') or '0')
        local busy = redis.call('EXISTS', p .. ':GB')
        local owner = 0
        if ARGV[3] ~= '' then
          owner = tonumber(redis.call('GET', p .. ':g:' .. ARGV[3]) or '0')
          busy = busy + redis.call('EXISTS', p .. ':b:' .. ARGV[3])
        end
        local E = tonumber(redis.call('GET', p .. ':E') or '0')
        local entry = redis.call('GET', ARGV[2])
        local value = false
        if entry then
          local pos = 1
          local function field()
            local z = string.find(entry, '\\0', pos, true)
            if not z then return nil end
            local f = string.sub(entry, pos, z - 1)
            pos = z + 1
            return f
          end
          local ok = redis.call('EXISTS', p .. ':G') == 1 and tonumber(field() or '') == G
          local n = tonumber(field() or '')
          if ok and n then
            for i = 1, n do
              local ref = field()
              local g = field()
              local current = ref and redis.call('GET', p .. ':g:' .. ref)
              if ref == nil or g == nil or not current or tonumber(current) ~= tonumber(g) then
                ok = false
                break
              end
            end
            if ok then value = string.sub(entry, pos) end
          end
        end
        if busy > 0 then busy = 1 end
        return {G, owner, busy, E, value}
        """

    /// ARGV: prefix, entry key, ttl ms, G, owner ref or "", owner gen, epoch, value, generation ttl ms, partner refs...
    /// Returns 1 when stored, 0 when a generation moved or an entity is busy.
    static let fill = """
        local p = ARGV[1]
        if tonumber(redis.call('GET', p .. ':G') or '0') ~= tonumber(ARGV[4]) then return 0 end
        if redis.call('EXISTS', p .. ':GB') == 1 then return 0 end
        if #ARGV > 9 and tonumber(redis.call('GET', p .. ':E') or '0') ~= tonumber(ARGV[7]) then return 0 end
        local refs = {}
        if ARGV[5] ~= '' then
          if tonumber(redis.call('GET', p .. ':g:' .. ARGV[5]) or '0') ~= tonumber(ARGV[6]) then return 0 end
          table.insert(refs, ARGV[5])
        end
        for i = 10, #ARGV do table.insert(refs, ARGV[i]) end
        redis.call('SET', p .. ':G', '0', 'NX')
        local parts = {ARGV[4], tostring(#refs)}
        for _, ref in ipairs(refs) do
          if redis.call('EXISTS', p .. ':b:' .. ref) == 1 then return 0 end
          local key = p .. ':g:' .. ref
          local g = redis.call('GET', key)
          if g then
            redis.call('PEXPIRE', key, ARGV[9])
          else
            g = '0'
            redis.call('SET', key, g, 'PX', ARGV[9])
          end
          table.insert(parts, ref)
          table.insert(parts, g)
        end
        redis.call('SET', ARGV[2], table.concat(parts, '\\0') .. '\\0' .. ARGV[8], 'PX', ARGV[3])
        return 1
        """

    /// ARGV: prefix, lease ms, generation ttl ms, everything (0/1), supersedes (0/1), begin (1) or end (0), refs...
    /// Raises every generation named; a begin adds a busy mark (expiring with the lease), an end takes one away.
    static let write = """
        local p = ARGV[1]
        local begin = ARGV[6] == '1'
        local function mark(key)
          if begin then
            redis.call('INCR', key)
            redis.call('PEXPIRE', key, ARGV[2])
          elseif redis.call('EXISTS', key) == 1 and redis.call('DECR', key) <= 0 then
            redis.call('DEL', key)
          end
        end
        if ARGV[4] == '1' then
          redis.call('INCR', p .. ':G')
          mark(p .. ':GB')
        end
        if ARGV[5] == '1' then redis.call('INCR', p .. ':E') end
        for i = 7, #ARGV do
          local key = p .. ':g:' .. ARGV[i]
          redis.call('INCR', key)
          redis.call('PEXPIRE', key, ARGV[3])
          mark(p .. ':b:' .. ARGV[i])
        end
        return 1
        """
}
