-- The print queue: one row a document sent to a `[[printer]]`, kept until
-- it is sent and after (the admin page lists it). A worker per printer
-- takes due rows (`queued`, next_attempt_at passed), marks them
-- `sending`, and ends them `sent`, or back to `queued` with the error and
-- a later next_attempt_at, or `failed` after the last attempt. A row left
-- `sending` by a process that stopped is queued again at start-up.
-- payload is the document as the printer gets it (ZPL or PNG), rendered
-- when the job is made or, for jobs an event made, at its first attempt;
-- retries send the same bytes. dedupe_key makes an event's job once only
-- (`register:<printer>:tube_label:<id>`); NULL for jobs people ask for.
-- Working state like the scan journal: not in the audit chain, whose
-- entries record who asked for what.
CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_code TEXT NOT NULL,
    printer TEXT NOT NULL,
    document TEXT NOT NULL
        CHECK (document IN ('tube_label', 'location_label', 'package_label', 'slip', 'command_sheet')),
    target TEXT NOT NULL,
    cause TEXT NOT NULL CHECK (cause IN ('request', 'register', 'package')),
    dedupe_key TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    media_type TEXT,
    payload BLOB,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX print_jobs_due ON print_jobs (facility_code, printer, state, next_attempt_at);
