-- Files given with dossiers (scans, uploads, results), stored once by the SHA-256 of their
-- bytes. Documents in the events name them by that hash; a stored file never changes.
CREATE TABLE files (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
