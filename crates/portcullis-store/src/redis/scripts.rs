//! The Lua scripts. Redis runs a script as one atomic step: no other command runs
//! between its reads and its writes. Conventions: instants are 20-digit strings
//! (`nanos` shifted to unsigned, so string order is time order); optional strings
//! are stored as `''` for none and `'=' .. value` for some.

/// Stores a single-use record and indexes it by subject.
/// KEYS: record, subject index. ARGV: payload, subject, purpose, scope, expires,
/// consumed, revoked, attempts, max attempts, pexpireat, record key.
pub(crate) const SU_PUT: &str = r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'p', ARGV[1], 's', ARGV[2], 'pu', ARGV[3], 'sc', ARGV[4],
  'e', ARGV[5], 'c', ARGV[6], 'r', ARGV[7], 'a', ARGV[8], 'm', ARGV[9])
redis.call('PEXPIREAT', KEYS[1], ARGV[10])
redis.call('SADD', KEYS[2], ARGV[11])
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(ARGV[10]) then
  redis.call('PEXPIREAT', KEYS[2], ARGV[10])
end
return 1
";

/// The refusals every single-use script starts with; `f` is HMGET e c r a m p and
/// ARGV[1] is now. Inlined rather than a Lua function, which would be built anew on
/// every call.
const SU_CHECKS: &str = r"
local f = redis.call('HMGET', KEYS[1], 'e', 'c', 'r', 'a', 'm', 'p')
if not f[6] then return {'nf'} end
if f[3] ~= '' then return {'rev'} end
if f[2] ~= '' then return {'used'} end
if ARGV[1] >= f[1] then return {'exp'} end
";

/// Marks a live record consumed. KEYS: record. ARGV: now.
pub(crate) fn su_consume() -> String {
    format!(
        r"{SU_CHECKS}
redis.call('HSET', KEYS[1], 'c', ARGV[1])
return {{'ok', f[1], ARGV[1], f[3], f[4], f[5], f[6]}}
"
    )
}

/// Counts an attempt on a live record with budget left. KEYS: record. ARGV: now.
pub(crate) fn su_count() -> String {
    format!(
        r"{SU_CHECKS}
if f[5] ~= '' and tonumber(f[4]) >= tonumber(f[5]) then return {{'many'}} end
local a = redis.call('HINCRBY', KEYS[1], 'a', 1)
return {{'ok', f[1], f[2], f[3], tostring(a), f[5], f[6]}}
"
    )
}

/// Revokes one record, keeping the first revocation. KEYS: record. ARGV: now.
pub(crate) const SU_REVOKE: &str = r"
local f = redis.call('HMGET', KEYS[1], 'e', 'c', 'r', 'a', 'm', 'p')
if not f[6] then return {'nf'} end
if f[3] == '' then
  redis.call('HSET', KEYS[1], 'r', ARGV[1])
  f[3] = ARGV[1]
end
return {'ok', f[1], f[2], f[3], f[4], f[5], f[6]}
";

/// Revokes the live records of a subject. KEYS: subject index. ARGV: record key
/// prefix, subject, purpose, scope filter ('' = any), now.
pub(crate) const SU_REVOKE_SUBJECT: &str = r"
local n = 0
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local rk = ARGV[1] .. k
  local f = redis.call('HMGET', rk, 's', 'pu', 'sc', 'e', 'c', 'r')
  if not f[1] then
    redis.call('SREM', KEYS[1], k)
  elseif f[1] == ARGV[2] and f[2] == ARGV[3] and (ARGV[4] == '' or f[3] == ARGV[4])
      and f[5] == '' and f[6] == '' and ARGV[5] < f[4] then
    redis.call('HSET', rk, 'r', ARGV[5])
    n = n + 1
  end
end
return n
";

/// Moves a TOTP step upward only. KEYS: guard. ARGV: step, pexpireat.
pub(crate) const STEP_ADVANCE: &str = r"
local cur = redis.call('GET', KEYS[1])
if cur and cur >= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1
";

/// Replaces a recovery-code set. KEYS: set. ARGV: meta, order, unused count, ttl ms,
/// then digest, used pairs.
pub(crate) const CODES_REPLACE: &str = r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'order', ARGV[2], 'n', ARGV[3])
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[1], 'c:' .. ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
";

/// Marks one recovery code used. KEYS: set. ARGV: digest, now (Unix seconds).
pub(crate) const CODES_CONSUME: &str = r"
local u = redis.call('HGET', KEYS[1], 'c:' .. ARGV[1])
if not u then return {'nf'} end
if u ~= '-' then return {'used'} end
redis.call('HSET', KEYS[1], 'c:' .. ARGV[1], ARGV[2])
return {'ok', tostring(redis.call('HINCRBY', KEYS[1], 'n', -1))}
";

/// Fixed-window increment. KEYS: counter. ARGV: now, window end, window end (ms).
pub(crate) const COUNTER_INCREMENT: &str = r"
local f = redis.call('HMGET', KEYS[1], 'n', 'r')
if (not f[2]) or f[2] <= ARGV[1] then
  redis.call('HSET', KEYS[1], 'n', 1, 'r', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  return {'1', ARGV[2]}
end
return {tostring(redis.call('HINCRBY', KEYS[1], 'n', 1)), f[2]}
";

/// Denies a jti, never shortening an entry. KEYS: entry. ARGV: expiry, expiry (ms).
pub(crate) const DENY_ADD: &str = r"
local cur = redis.call('GET', KEYS[1])
if cur and cur >= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1
";

/// Creates a refresh family. KEYS: family, subject index. ARGV: subject, current,
/// previous, rotated, created, expires, revoked, payload, pexpireat, id.
pub(crate) const FAMILY_CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'sub', ARGV[1], 'cur', ARGV[2], 'prev', ARGV[3], 'rot', ARGV[4],
  'cr', ARGV[5], 'exp', ARGV[6], 'rev', ARGV[7], 'p', ARGV[8])
redis.call('PEXPIREAT', KEYS[1], ARGV[9])
redis.call('SADD', KEYS[2], ARGV[10])
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(ARGV[9]) then
  redis.call('PEXPIREAT', KEYS[2], ARGV[9])
end
return 1
";

/// Rotates a family. KEYS: family. ARGV: successor, now, grace floor, then the
/// presented token's candidate digests.
pub(crate) const FAMILY_ROTATE: &str = r"
local f = redis.call('HMGET', KEYS[1], 'sub', 'cur', 'prev', 'rot', 'cr', 'exp', 'rev', 'p')
if not f[1] then return {'nf'} end
if f[7] ~= '' then return {'rev'} end
if ARGV[2] >= f[6] then return {'exp'} end
local function presented(digest)
  if digest == '' then return false end
  for i = 4, #ARGV do
    if ARGV[i] == digest then return true end
  end
  return false
end
if presented(f[2]) then
  redis.call('HSET', KEYS[1], 'prev', f[2], 'cur', ARGV[1], 'rot', ARGV[2])
  return {'rotated', f[1], ARGV[1], f[2], ARGV[2], f[5], f[6], '', f[8]}
end
if presented(f[3]) and f[4] ~= '' and f[4] >= ARGV[3] then
  return {'grace', f[1], f[2], f[3], f[4], f[5], f[6], '', f[8]}
end
redis.call('HSET', KEYS[1], 'rev', ARGV[2])
return {'reused'}
";

/// Revokes a family. KEYS: family. ARGV: now.
pub(crate) const FAMILY_REVOKE: &str = r"
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -1 end
if rev ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[1])
return 1
";

/// Revokes every live family of a subject. KEYS: subject index. ARGV: family key
/// prefix, subject, now.
pub(crate) const FAMILY_REVOKE_SUBJECT: &str = r"
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fk = ARGV[1] .. id
  local f = redis.call('HMGET', fk, 'sub', 'rev')
  if not f[1] then
    redis.call('SREM', KEYS[1], id)
  elseif f[1] == ARGV[2] and f[2] == '' then
    redis.call('HSET', fk, 'rev', ARGV[3])
    n = n + 1
  end
end
return n
";

/// Creates a credential. KEYS: record, then its owner indexes. ARGV: payload, user,
/// org, created, expires, revoked, name, metadata, fingerprint, pexpireat, id, score.
pub(crate) const CRED_CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'u', ARGV[2], 'o', ARGV[3], 'cr', ARGV[4],
  'e', ARGV[5], 'r', ARGV[6], 'n', ARGV[7], 'md', ARGV[8], 'f', ARGV[9])
redis.call('PEXPIREAT', KEYS[1], ARGV[10])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[12], ARGV[11])
  if redis.call('PEXPIRETIME', KEYS[i]) < tonumber(ARGV[10]) then
    redis.call('PEXPIREAT', KEYS[i], ARGV[10])
  end
end
return 1
";

/// Lists an owner's credentials, newest first. KEYS: the owner index to walk.
/// ARGV: record key prefix, user filter, org filter, status, now, skip, take.
pub(crate) const CRED_LIST: &str = r"
local rows = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'u', 'o', 'cr', 'e', 'r', 'p', 'n', 'md')
  if not f[6] then
    redis.call('ZREM', KEYS[1], id)
  elseif (ARGV[2] == '' or f[1] == ARGV[2]) and (ARGV[3] == '' or f[2] == ARGV[3]) then
    local st = 'active'
    if f[5] ~= '' then st = 'revoked' elseif f[4] ~= '' and ARGV[5] >= f[4] then st = 'expired' end
    if ARGV[4] == 'all' or ARGV[4] == st then
      table.insert(rows, {f[3], id, f[6], f[7], f[8], f[5]})
    end
  end
end
table.sort(rows, function(a, b)
  if a[1] ~= b[1] then return a[1] > b[1] end
  return a[2] < b[2]
end)
local out = {tostring(#rows)}
local skip = tonumber(ARGV[6])
local last = math.min(#rows, skip + tonumber(ARGV[7]))
for i = skip + 1, last do
  local r = rows[i]
  table.insert(out, r[3]); table.insert(out, r[4]); table.insert(out, r[5]); table.insert(out, r[6])
end
return out
";

/// Changes a credential's label and metadata. KEYS: record. ARGV: set name ('1'),
/// name, metadata ('' keeps).
pub(crate) const CRED_UPDATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], 'n', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'md', ARGV[3]) end
return redis.call('HMGET', KEYS[1], 'p', 'n', 'md', 'r')
";

/// Compare-and-swap of a credential. KEYS: record. ARGV: expected fingerprint,
/// payload, fingerprint, user, org, expires, user index prefix, org index prefix, id.
pub(crate) const CRED_REPLACE: &str = r"
local f = redis.call('HMGET', KEYS[1], 'f', 'r', 'u', 'o', 'cr')
if not f[1] then return {'nf'} end
if f[2] ~= '' then return {'rev'} end
if f[1] ~= ARGV[1] then return {'conflict'} end
redis.call('HSET', KEYS[1], 'p', ARGV[2], 'f', ARGV[3], 'u', ARGV[4], 'o', ARGV[5], 'e', ARGV[6])
local ttl = redis.call('PEXPIRETIME', KEYS[1])
local moves = {{f[3], ARGV[4], ARGV[7]}, {f[4], ARGV[5], ARGV[8]}}
for _, m in ipairs(moves) do
  if m[1] ~= m[2] then
    if m[1] ~= '' then redis.call('ZREM', m[3] .. string.sub(m[1], 2), ARGV[9]) end
    if m[2] ~= '' then
      local ik = m[3] .. string.sub(m[2], 2)
      redis.call('ZADD', ik, 0, ARGV[9])
      if ttl > 0 and redis.call('PEXPIRETIME', ik) < ttl then redis.call('PEXPIREAT', ik, ttl) end
    end
  end
end
local out = redis.call('HMGET', KEYS[1], 'p', 'n', 'md', 'r')
table.insert(out, 1, 'ok')
return out
";

/// Revokes a credential, keeping the first time. KEYS: record. ARGV: now.
pub(crate) const CRED_REVOKE: &str = r"
local r = redis.call('HGET', KEYS[1], 'r')
if not r then return {} end
if r == '' then redis.call('HSET', KEYS[1], 'r', ARGV[1]) end
return redis.call('HMGET', KEYS[1], 'p', 'n', 'md', 'r')
";

/// Creates a session. KEYS: session, token, user index. ARGV: payload, user, digest,
/// started, last, expires, terminated, termination, pexpireat, id, score.
///
/// The token key holds a copy of the fields a lookup by token returns (`p`, `l`, `e`,
/// `tm`, and `id`), so that lookup, the hot path of every authenticated request, is
/// one plain `HMGET` instead of a script. Every script that changes those fields
/// writes both hashes.
pub(crate) const SESSION_CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'u', ARGV[2], 'd', ARGV[3], 'st', ARGV[4],
  'l', ARGV[5], 'e', ARGV[6], 't', ARGV[7], 'tm', ARGV[8])
redis.call('PEXPIREAT', KEYS[1], ARGV[9])
redis.call('HSET', KEYS[2], 'p', ARGV[1], 'l', ARGV[5], 'e', ARGV[6], 'tm', ARGV[8], 'id', ARGV[10])
redis.call('PEXPIREAT', KEYS[2], ARGV[9])
redis.call('ZADD', KEYS[3], ARGV[11], ARGV[10])
if redis.call('PEXPIRETIME', KEYS[3]) < tonumber(ARGV[9]) then
  redis.call('PEXPIREAT', KEYS[3], ARGV[9])
end
return 1
";

/// Records a use of a live session. KEYS: session. ARGV: last, expires, pexpireat,
/// token key prefix, user index prefix.
pub(crate) const SESSION_TOUCH: &str = r"
local f = redis.call('HMGET', KEYS[1], 'p', 't', 'd', 'u')
if not f[1] then return {'nf'} end
if f[2] ~= '' then return {'rev'} end
redis.call('HSET', KEYS[1], 'l', ARGV[1], 'e', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
local tk = ARGV[4] .. f[3]
if redis.call('EXISTS', tk) == 1 then
  redis.call('HSET', tk, 'l', ARGV[1], 'e', ARGV[2])
  redis.call('PEXPIREAT', tk, ARGV[3])
end
local ik = ARGV[5] .. f[4]
if redis.call('PEXPIRETIME', ik) < tonumber(ARGV[3]) then redis.call('PEXPIREAT', ik, ARGV[3]) end
local out = redis.call('HMGET', KEYS[1], 'p', 'l', 'e', 'tm')
table.insert(out, 1, 'ok')
return out
";

/// Writes a changed session, moving it to a new token if asked. KEYS: session.
/// ARGV: payload, user, started, last, expires, terminated, termination, pexpireat,
/// new digest ('' keeps), token key prefix, user index prefix, id, score.
pub(crate) const SESSION_UPDATE: &str = r"
local f = redis.call('HMGET', KEYS[1], 't', 'd', 'u')
if not f[2] then return 'nf' end
if f[1] ~= '' then return 'rev' end
local digest = f[2]
if ARGV[9] ~= '' and ARGV[9] ~= digest then
  if redis.call('EXISTS', ARGV[10] .. ARGV[9]) == 1 then return 'conflict' end
  redis.call('DEL', ARGV[10] .. digest)
  digest = ARGV[9]
end
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'u', ARGV[2], 'd', digest, 'st', ARGV[3], 'l', ARGV[4],
  'e', ARGV[5], 't', ARGV[6], 'tm', ARGV[7])
redis.call('PEXPIREAT', KEYS[1], ARGV[8])
local tk = ARGV[10] .. digest
redis.call('HSET', tk, 'p', ARGV[1], 'l', ARGV[4], 'e', ARGV[5], 'tm', ARGV[7], 'id', ARGV[12])
redis.call('PEXPIREAT', tk, ARGV[8])
if f[3] ~= ARGV[2] then redis.call('ZREM', ARGV[11] .. f[3], ARGV[12]) end
local ik = ARGV[11] .. ARGV[2]
redis.call('ZADD', ik, ARGV[13], ARGV[12])
if redis.call('PEXPIRETIME', ik) < tonumber(ARGV[8]) then redis.call('PEXPIREAT', ik, ARGV[8]) end
return 'ok'
";

/// Terminates a session, keeping the first termination. KEYS: session. ARGV:
/// terminated, termination, token key prefix.
pub(crate) const SESSION_REVOKE: &str = r"
local f = redis.call('HMGET', KEYS[1], 't', 'd')
if not f[1] then return -1 end
if f[1] ~= '' then return 0 end
redis.call('HSET', KEYS[1], 't', ARGV[1], 'tm', ARGV[2])
local tk = ARGV[3] .. f[2]
if redis.call('EXISTS', tk) == 1 then redis.call('HSET', tk, 'tm', ARGV[2]) end
return 1
";

/// Terminates the live sessions of a user. KEYS: user index. ARGV: session key
/// prefix, kept session ('' = none, else '=' .. id), terminated, termination, user,
/// token key prefix.
pub(crate) const SESSION_REVOKE_ALL: &str = r"
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local sk = ARGV[1] .. id
  local f = redis.call('HMGET', sk, 'u', 't', 'd')
  if not f[1] then
    redis.call('ZREM', KEYS[1], id)
  elseif f[1] == ARGV[5] and f[2] == '' and ('=' .. id) ~= ARGV[2] then
    redis.call('HSET', sk, 't', ARGV[3], 'tm', ARGV[4])
    local tk = ARGV[6] .. f[3]
    if redis.call('EXISTS', tk) == 1 then redis.call('HSET', tk, 'tm', ARGV[4]) end
    n = n + 1
  end
end
return n
";

/// Lists a user's sessions, newest first. KEYS: user index. ARGV: session key
/// prefix, status, now, skip, take.
pub(crate) const SESSION_LIST: &str = r"
local rows = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'st', 'l', 'e', 't', 'tm', 'p')
  if not f[6] then
    redis.call('ZREM', KEYS[1], id)
  else
    local st = 'active'
    if f[4] ~= '' then st = 'terminated' elseif ARGV[3] >= f[3] then st = 'expired' end
    if ARGV[2] == 'all' or ARGV[2] == st then
      table.insert(rows, {f[1], id, f[6], f[2], f[3], f[5]})
    end
  end
end
table.sort(rows, function(a, b)
  if a[1] ~= b[1] then return a[1] > b[1] end
  return a[2] < b[2]
end)
local out = {tostring(#rows)}
local skip = tonumber(ARGV[4])
local last = math.min(#rows, skip + tonumber(ARGV[5]))
for i = skip + 1, last do
  local r = rows[i]
  table.insert(out, r[3]); table.insert(out, r[4]); table.insert(out, r[5]); table.insert(out, r[6])
end
return out
";

/// Deletes one session if it ended before the cut. KEYS: session. ARGV: cut, token
/// key prefix, user index prefix, id.
pub(crate) const SESSION_PURGE_ONE: &str = r"
local f = redis.call('HMGET', KEYS[1], 'e', 't', 'd', 'u')
if not f[1] then return 0 end
if f[1] <= ARGV[1] or (f[2] ~= '' and f[2] <= ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('DEL', ARGV[2] .. f[3])
  redis.call('ZREM', ARGV[3] .. f[4], ARGV[4])
  return 1
end
return 0
";
