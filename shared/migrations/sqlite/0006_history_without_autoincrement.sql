-- order_status_history without AUTOINCREMENT: AUTOINCREMENT updates sqlite_sequence after
-- each insert, a second b-tree write per history row, and a first run writes a history row
-- per order item. Ids still grow with each row (the largest id plus one; history rows are
-- never deleted).

CREATE TABLE order_status_history_rebuilt (
    id                INTEGER PRIMARY KEY,
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
INSERT INTO order_status_history_rebuilt
SELECT id, market, seller_id, order_id, item_id, from_status, to_status, raw_status,
       observed_at, market_changed_at
FROM order_status_history;
DROP TABLE order_status_history;
ALTER TABLE order_status_history_rebuilt RENAME TO order_status_history;
CREATE INDEX order_status_history_item
    ON order_status_history (market, seller_id, order_id, item_id, observed_at);
