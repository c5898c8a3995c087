-- Full-text search over titles, descriptions and details. The 'simple' configuration (no stemming, no stop words)
-- matches SQLite's unicode61 tokenizer: words in any language, compared lower-case. The query side repeats this
-- expression exactly so the planner can use the index.
CREATE INDEX tasks_search ON tasks USING GIN (
    to_tsvector('simple'::regconfig, title || ' ' || coalesce(description, '') || ' ' || coalesce(details, ''))
);
