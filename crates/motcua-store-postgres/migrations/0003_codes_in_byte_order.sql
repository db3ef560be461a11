-- Dossier codes sort by their bytes, as in SQLite, whatever the database's collation: an
-- export lists dossiers in the same order from either store, and code ranges (paging,
-- cursors) use the primary-key indexes.
ALTER TABLE dossier_events ALTER COLUMN code TYPE TEXT COLLATE "C";
ALTER TABLE dossiers ALTER COLUMN code TYPE TEXT COLLATE "C";
