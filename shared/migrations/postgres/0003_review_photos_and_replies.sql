-- Reviews come from the seller centers (issue 10): their photos and the seller's reply
-- state. `replied` is NULL where a market does not say (never read as "unanswered").
ALTER TABLE reviews ADD COLUMN photos JSONB NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE reviews ADD COLUMN replied BOOLEAN;
ALTER TABLE reviews ADD COLUMN replied_at TIMESTAMPTZ;
