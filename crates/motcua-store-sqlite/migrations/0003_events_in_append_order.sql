-- The dossier log in append order: rows go to the end of the table, and a small index on
-- (code, seq) finds a dossier's events, instead of every event row being placed in code
-- order inside one large B-tree.
CREATE TABLE dossier_events_appended (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    unit TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO dossier_events_appended (code, seq, type, at, actor, unit, recorded_at, body)
    SELECT code, seq, type, at, actor, unit, recorded_at, body FROM dossier_events
    ORDER BY recorded_at, code, seq;
DROP TRIGGER dossier_events_no_update;
DROP TRIGGER dossier_events_no_delete;
DROP TABLE dossier_events;
ALTER TABLE dossier_events_appended RENAME TO dossier_events;
CREATE UNIQUE INDEX dossier_events_by_dossier ON dossier_events (code, seq);
CREATE TRIGGER dossier_events_no_update BEFORE UPDATE ON dossier_events
BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;
CREATE TRIGGER dossier_events_no_delete BEFORE DELETE ON dossier_events
BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;
