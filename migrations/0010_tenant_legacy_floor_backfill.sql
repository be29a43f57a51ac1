-- Tenants that imported foreign PBKDF2 hashes before tenants.legacy_verify existed get their sign-in
-- floor: the dearest of their remaining imported hashes (src/crypto/legacy-hash.ts, costNs: iterations
-- x blocks x ns per iteration, native deriveBits up to 100,000 iterations, the HMAC loop above).
-- Imported hashes are stored canonically: $pbkdf2-sha256$i=<iterations>,l=<bytes>$<salt>$<hash>.
WITH parsed AS (
  SELECT
    tenant_id,
    CASE WHEN password_hash LIKE '$pbkdf2-sha256$%' THEN 'SHA-256' ELSE 'SHA-512' END AS digest,
    CAST(substr(password_hash, 18, instr(substr(password_hash, 18), ',') - 1) AS INTEGER) AS iterations,
    CAST(substr(password_hash, instr(password_hash, ',l=') + 3,
      instr(substr(password_hash, instr(password_hash, ',l=') + 3), '$') - 1) AS INTEGER) AS bytes
  FROM users
  WHERE password_hash LIKE '$pbkdf2-%'
),
costed AS (
  SELECT
    tenant_id, digest, iterations,
    (bytes + (CASE digest WHEN 'SHA-256' THEN 32 ELSE 64 END) - 1) / (CASE digest WHEN 'SHA-256' THEN 32 ELSE 64 END) AS blocks,
    CASE
      WHEN iterations <= 100000 THEN CASE digest WHEN 'SHA-256' THEN 153 ELSE 406 END
      ELSE CASE digest WHEN 'SHA-256' THEN 1881 ELSE 2430 END
    END AS ns
  FROM parsed
)
UPDATE tenants SET legacy_verify = (
  SELECT json_object('digest', digest, 'iterations', iterations, 'blocks', blocks, 'cost', iterations * blocks * ns)
  FROM costed WHERE costed.tenant_id = tenants.id
  ORDER BY iterations * blocks * ns DESC LIMIT 1
)
WHERE legacy_verify IS NULL AND EXISTS (SELECT 1 FROM costed WHERE costed.tenant_id = tenants.id);
