-- motcua on SQLite: schema version 1. Instants are whole seconds since the Unix epoch (UTC).

CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT INTO revision (id, value) VALUES (1, 0);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    parent TEXT REFERENCES units (id),
    body TEXT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    official TEXT NOT NULL REFERENCES accounts (id),
    expires_at INTEGER NOT NULL
);

CREATE TABLE procedures (
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE processes (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE calendars (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    toml TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE rule_sets (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

-- Any change to the rules or the organisation moves the revision, so nodes reload them.
CREATE TRIGGER units_revision AFTER INSERT ON units BEGIN UPDATE revision SET value = value + 1; END;
CREATE TRIGGER accounts_revision AFTER INSERT ON accounts BEGIN UPDATE revision SET value = value + 1; END;
CREATE TRIGGER procedures_revision_i AFTER INSERT ON procedures BEGIN UPDATE revision SET value = value + 1; END;
CREATE TRIGGER procedures_revision_u AFTER UPDATE OF body ON procedures BEGIN UPDATE revision SET value = value + 1; END;
CREATE TRIGGER processes_revision AFTER INSERT ON processes BEGIN UPDATE revision SET value = value + 1; END;
CREATE TRIGGER calendars_revision AFTER INSERT ON calendars BEGIN UPDATE revision SET value = value + 1; END;
CREATE TRIGGER rule_sets_revision AFTER INSERT ON rule_sets BEGIN UPDATE revision SET value = value + 1; END;

-- The dossier log. Append-only: no row is ever updated or deleted.
CREATE TABLE dossier_events (
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    unit TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (code, seq)
) WITHOUT ROWID;
CREATE TRIGGER dossier_events_no_update BEFORE UPDATE ON dossier_events
BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;
CREATE TRIGGER dossier_events_no_delete BEFORE DELETE ON dossier_events
BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;

-- The current state of each dossier, a projection of its events.
CREATE TABLE dossiers (
    code TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    status INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    procedure_code TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    procedure_name TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    receiving_unit TEXT NOT NULL,
    competent_unit TEXT,
    current_unit TEXT,
    current_step TEXT,
    submitted_at INTEGER,
    received_at INTEGER,
    due_at INTEGER,
    appointment_at INTEGER,
    ended_at INTEGER,
    clock_paused INTEGER NOT NULL,
    timeliness TEXT,
    search_text TEXT NOT NULL,
    last_event_at INTEGER NOT NULL,
    applicant_key_hash TEXT
);
CREATE INDEX dossiers_by_change ON dossiers (last_event_at DESC, code DESC);
CREATE INDEX dossiers_by_current_unit ON dossiers (current_unit, last_event_at DESC, code DESC);
CREATE INDEX dossiers_by_receiving_unit ON dossiers (receiving_unit, last_event_at DESC, code DESC);
CREATE INDEX dossiers_by_competent_unit ON dossiers (competent_unit, last_event_at DESC, code DESC);
CREATE INDEX dossiers_by_status ON dossiers (status, last_event_at DESC, code DESC);
CREATE INDEX dossiers_by_due ON dossiers (due_at) WHERE ended_at IS NULL;

CREATE TABLE dossier_sequences (
    unit_code TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (unit_code, day)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;

CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
