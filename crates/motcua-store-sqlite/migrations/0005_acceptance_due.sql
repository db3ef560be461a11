-- When the desk must decide on an online submission (8 working hours from submission, on the
-- receiving desk's calendar), as of the last event: the intake queue shows and sorts by it
-- without folding every dossier. Rows written before this migration have it empty until
-- their next event; the queue then works it out from the events.
ALTER TABLE dossiers ADD COLUMN acceptance_due_at BIGINT;
