-- Reviews come from the seller centers (SQLite twin of ../postgres/0003): their photos
-- and the seller's reply state. `replied` is NULL where a market does not say.
ALTER TABLE reviews ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';
ALTER TABLE reviews ADD COLUMN replied INTEGER;
ALTER TABLE reviews ADD COLUMN replied_at TEXT;
