-- The parts of a scheduled cycle that have been taken (shared/src/lambda/shards.rs): the
-- plan (how many shards this firing of the schedule has), the start of each shard, and
-- each shard's collection. EventBridge and Lambda's asynchronous invocations deliver at
-- least once: the first to insert a part does it, a duplicate finds the row and does
-- nothing. Rows older than a few days are pruned by the planner.
CREATE TABLE cycle_claims (
    market       TEXT NOT NULL,
    schedule     TEXT NOT NULL,
    scheduled_at TIMESTAMPTZ NOT NULL,
    part         TEXT NOT NULL,
    shards       BIGINT NOT NULL CHECK (shards >= 0),
    claimed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (market, schedule, scheduled_at, part)
);

-- The planner reads the recent runs of its own market at every firing of a schedule.
CREATE INDEX collection_runs_market_started ON collection_runs (market, started_at);
