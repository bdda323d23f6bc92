-- The fleet's shared rate of each limit key the market scopes to our application or egress
-- IP, and the leases of it (shared/src/http/lease.rs). PostgreSQL only: a SQLite store is one
-- process, whose limiter paces every key in-process. Rows are small and few (one per key and
-- live container); expired leases are deleted by the next renewal of the same key.
CREATE TABLE rate_limits (
    limit_key    TEXT PRIMARY KEY,
    documented   DOUBLE PRECISION NOT NULL CHECK (documented > 0),
    rate         DOUBLE PRECISION NOT NULL CHECK (rate > 0),
    told         DOUBLE PRECISION,
    decreased_at TIMESTAMPTZ NOT NULL,
    increased_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE rate_leases (
    limit_key  TEXT NOT NULL REFERENCES rate_limits (limit_key) ON DELETE CASCADE,
    holder     TEXT NOT NULL,
    lease_id   TEXT NOT NULL,
    share      DOUBLE PRECISION NOT NULL CHECK (share >= 0),
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (limit_key, holder)
);
