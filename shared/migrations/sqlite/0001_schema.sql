-- The unified schema (SQLite twin of ../postgres/0001_schema.sql: keep them in step).
-- Every data table is keyed by (market, seller_id, <market's id>); key ids must not be empty
-- (an empty id is a normalizer bug, and the CHECK makes the whole window roll back).
-- SQLite types: times are RFC3339 UTC text with microseconds ("2025-01-01T00:00:00.000000Z"),
-- which sorts and compares like time; JSON is text; booleans are 0/1.

CREATE TABLE seller_accounts (
    market      TEXT NOT NULL,
    seller_id   TEXT NOT NULL CHECK (seller_id <> ''),
    secret_name TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    options     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (market, seller_id)
);

CREATE TABLE orders (
    market           TEXT NOT NULL,
    seller_id        TEXT NOT NULL,
    order_id         TEXT NOT NULL CHECK (order_id <> ''),
    ordered_at       TEXT NOT NULL,
    paid_at          TEXT,
    total_krw        INTEGER NOT NULL,
    shipping_fee_krw INTEGER NOT NULL,
    raw              TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, order_id)
);
CREATE INDEX orders_seller ON orders (seller_id);
CREATE INDEX orders_ordered_at ON orders (market, seller_id, ordered_at);

CREATE TABLE order_items (
    market            TEXT NOT NULL,
    seller_id         TEXT NOT NULL,
    order_id          TEXT NOT NULL,
    item_id           TEXT NOT NULL CHECK (item_id <> ''),
    product_id        TEXT NOT NULL,
    product_name      TEXT NOT NULL,
    option_name       TEXT,
    quantity          INTEGER NOT NULL,
    unit_price_krw    INTEGER NOT NULL,
    amount_krw        INTEGER NOT NULL,
    flow_status       TEXT NOT NULL,
    flow_raw_status   TEXT NOT NULL,
    claim_status      TEXT,
    claim_raw_status  TEXT,
    claim_id          TEXT,
    status            TEXT NOT NULL,
    status_unknown    INTEGER NOT NULL,
    status_changed_at TEXT,
    content_hash      TEXT NOT NULL,
    first_seen_at     TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, order_id, item_id),
    FOREIGN KEY (market, seller_id, order_id) REFERENCES orders (market, seller_id, order_id) ON DELETE CASCADE
);
CREATE INDEX order_items_unknown ON order_items (market) WHERE status_unknown = 1;

CREATE TABLE order_status_history (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    market            TEXT NOT NULL,
    seller_id         TEXT NOT NULL,
    order_id          TEXT NOT NULL,
    item_id           TEXT NOT NULL,
    from_status       TEXT,
    to_status         TEXT NOT NULL,
    raw_status        TEXT NOT NULL,
    observed_at       TEXT NOT NULL,
    market_changed_at TEXT
);
CREATE INDEX order_status_history_item
    ON order_status_history (market, seller_id, order_id, item_id, observed_at);

CREATE TABLE claims (
    market        TEXT NOT NULL,
    seller_id     TEXT NOT NULL,
    claim_id      TEXT NOT NULL CHECK (claim_id <> ''),
    claim_type    TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    item_ids      TEXT NOT NULL,
    status        TEXT,
    raw_status    TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    raw           TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, claim_id)
);
CREATE INDEX claims_order ON claims (market, seller_id, order_id);

CREATE TABLE settlements (
    market         TEXT NOT NULL,
    seller_id      TEXT NOT NULL,
    settlement_id  TEXT NOT NULL CHECK (settlement_id <> ''),
    order_id       TEXT,
    item_id        TEXT,
    line_type      TEXT NOT NULL,
    basis_date     TEXT NOT NULL,
    payout_date    TEXT,
    sale_krw       INTEGER NOT NULL,
    fee_krw        INTEGER NOT NULL,
    settlement_krw INTEGER NOT NULL,
    raw            TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, settlement_id)
);
CREATE INDEX settlements_seller ON settlements (seller_id);
CREATE INDEX settlements_basis ON settlements (market, seller_id, basis_date);

CREATE TABLE reviews (
    market        TEXT NOT NULL,
    seller_id     TEXT NOT NULL,
    review_id     TEXT NOT NULL CHECK (review_id <> ''),
    product_id    TEXT NOT NULL,
    order_id      TEXT,
    rating        INTEGER,
    content       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    raw           TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, review_id)
);
CREATE INDEX reviews_seller ON reviews (seller_id);

CREATE TABLE inquiries (
    market        TEXT NOT NULL,
    seller_id     TEXT NOT NULL,
    inquiry_id    TEXT NOT NULL CHECK (inquiry_id <> ''),
    channel       TEXT NOT NULL,
    product_id    TEXT,
    order_id      TEXT,
    title         TEXT,
    content       TEXT NOT NULL,
    asked_at      TEXT NOT NULL,
    answered      INTEGER NOT NULL,
    answered_at   TEXT,
    answer        TEXT,
    raw           TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, inquiry_id)
);
CREATE INDEX inquiries_seller ON inquiries (seller_id);
CREATE INDEX inquiries_unanswered ON inquiries (market, seller_id) WHERE answered = 0;

CREATE TABLE watermarks (
    market     TEXT NOT NULL,
    seller_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    watermark  TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (market, seller_id, kind)
);
CREATE INDEX watermarks_seller ON watermarks (seller_id);

-- One row per (seller, market, kind) run; run_id is the runner's id for it.
CREATE TABLE collection_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        TEXT NOT NULL,
    market        TEXT NOT NULL,
    seller_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    window_from   TEXT NOT NULL,
    window_to     TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    requests      INTEGER NOT NULL,
    pages         INTEGER NOT NULL,
    throttled     INTEGER NOT NULL,
    retries       INTEGER NOT NULL,
    inserted      INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL,
    history       INTEGER NOT NULL,
    outcome       TEXT NOT NULL,
    error_kind    TEXT,
    error_message TEXT
);
CREATE INDEX collection_runs_seller ON collection_runs (seller_id, market, kind, finished_at);
CREATE INDEX collection_runs_run_id ON collection_runs (run_id);

CREATE TABLE raw_pages (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    market    TEXT NOT NULL,
    seller_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    endpoint  TEXT NOT NULL,
    body      BLOB NOT NULL,
    kept_at   TEXT NOT NULL
);
