-- motcua on PostgreSQL: schema version 1. Instants are whole seconds since the Unix epoch
-- (UTC); every number is BIGINT so that both backends decode rows the same way.

CREATE TABLE revision (id BIGINT PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
INSERT INTO revision (id, value) VALUES (1, 0);

CREATE FUNCTION motcua_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE revision SET value = value + 1;
    RETURN NULL;
END $$;

CREATE FUNCTION motcua_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dossier_events is append-only';
END $$;

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
    active BIGINT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    official TEXT NOT NULL REFERENCES accounts (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE procedures (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE processes (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE calendars (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    toml TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE rule_sets (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TRIGGER units_revision AFTER INSERT ON units FOR EACH ROW EXECUTE FUNCTION motcua_bump_revision();
CREATE TRIGGER accounts_revision AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION motcua_bump_revision();
CREATE TRIGGER procedures_revision_i AFTER INSERT ON procedures FOR EACH ROW EXECUTE FUNCTION motcua_bump_revision();
CREATE TRIGGER procedures_revision_u AFTER UPDATE OF body ON procedures FOR EACH ROW EXECUTE FUNCTION motcua_bump_revision();
CREATE TRIGGER processes_revision AFTER INSERT ON processes FOR EACH ROW EXECUTE FUNCTION motcua_bump_revision();
CREATE TRIGGER calendars_revision AFTER INSERT ON calendars FOR EACH ROW EXECUTE FUNCTION motcua_bump_revision();
CREATE TRIGGER rule_sets_revision AFTER INSERT ON rule_sets FOR EACH ROW EXECUTE FUNCTION motcua_bump_revision();

-- The dossier log. Append-only: no row is ever updated or deleted.
CREATE TABLE dossier_events (
    code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    type TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    unit TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (code, seq)
);
CREATE TRIGGER dossier_events_append_only BEFORE UPDATE OR DELETE ON dossier_events
    FOR EACH ROW EXECUTE FUNCTION motcua_append_only();
CREATE TRIGGER dossier_events_no_truncate BEFORE TRUNCATE ON dossier_events
    FOR EACH STATEMENT EXECUTE FUNCTION motcua_append_only();

-- The current state of each dossier, a projection of its events.
CREATE TABLE dossiers (
    code TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    status BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    procedure_code TEXT NOT NULL,
    procedure_version BIGINT NOT NULL,
    procedure_name TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    receiving_unit TEXT NOT NULL,
    competent_unit TEXT,
    current_unit TEXT,
    current_step TEXT,
    submitted_at BIGINT,
    received_at BIGINT,
    due_at BIGINT,
    appointment_at BIGINT,
    ended_at BIGINT,
    clock_paused BIGINT NOT NULL,
    timeliness TEXT,
    search_text TEXT NOT NULL,
    last_event_at BIGINT NOT NULL,
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
    last BIGINT NOT NULL,
    PRIMARY KEY (unit_code, day)
);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;

CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    response TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
