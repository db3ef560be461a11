-- How far the import of an interchange file got: the line after its last committed batch,
-- written in the same transaction as the batch, so that an interrupted import resumes there.
CREATE TABLE import_progress (
    file_id TEXT PRIMARY KEY,
    next_line BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
