-- What a commit reads first (store/window.rs `hashes`): the stored content hash of every row
-- of the window, by id. The primary key's index finds the row, but the hash then had to be
-- read from the row's own page, and rows are mostly raw JSON (2.5 KB a Naver order), so a
-- window re-read in full read a page per row: 17% of a steady-state Naver run (perf).
-- These indexes hold the hash beside the key, so the read stays in the index.
CREATE INDEX orders_hash ON orders (market, seller_id, order_id, content_hash);
CREATE INDEX claims_hash ON claims (market, seller_id, claim_id, content_hash);
CREATE INDEX settlements_hash ON settlements (market, seller_id, settlement_id, content_hash);
CREATE INDEX reviews_hash ON reviews (market, seller_id, review_id, content_hash);
CREATE INDEX inquiries_hash ON inquiries (market, seller_id, inquiry_id, content_hash);
