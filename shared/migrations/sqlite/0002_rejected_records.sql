-- Records a normalizer could not read, kept as sent (SQLite twin of ../postgres/0002).
-- One row per record (its endpoint and its own id there); a record rejected again refreshes
-- its row, a record that later reads is marked resolved. Every run reads the open ones again.
CREATE TABLE rejected_records (
    market        TEXT NOT NULL,
    seller_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    record_key    TEXT NOT NULL CHECK (record_key <> ''),
    reason        TEXT NOT NULL,
    raw           TEXT NOT NULL,
    resolved_at   TEXT,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, kind, endpoint, record_key)
);
CREATE INDEX rejected_records_open ON rejected_records (market, seller_id, kind, first_seen_at)
    WHERE resolved_at IS NULL;

ALTER TABLE collection_runs ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
