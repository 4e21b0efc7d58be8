-- 008: two-factor sign-in with TOTP (RFC 6238) for hub accounts (hub/src/auth/totp.ts).
--
-- The secret is the authenticator's shared key, so it cannot be hashed; recovery codes are
-- random and stored as SHA-256 like every other credential. last_time_step is the RFC 6238 §5.2
-- replay guard: a code is accepted once, and never one older than the last accepted.
CREATE TABLE user_totp (
  user_id         uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret          text NOT NULL,
  confirmed_at    timestamptz,               -- null while enrolment waits for the first code
  last_time_step  bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_recovery_codes (
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_sha256  text NOT NULL,
  used_at      timestamptz,
  PRIMARY KEY (user_id, code_sha256)
);

-- A session whose password was right but whose code is still due (pending), and when it last
-- proved the second factor (sensitive console actions need that within minutes).
ALTER TABLE web_sessions ADD COLUMN pending boolean NOT NULL DEFAULT false;
ALTER TABLE web_sessions ADD COLUMN second_factor_at timestamptz;

-- A tenant admin can require two-factor sign-in of every member (enforced by the console).
ALTER TABLE tenants ADD COLUMN require_totp boolean NOT NULL DEFAULT false;
