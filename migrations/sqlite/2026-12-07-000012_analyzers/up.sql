-- The analyser journal: every message an analyser sent (an HL7 message, an
-- ASTM transfer's records), as it sent it, committed before kentai
-- acknowledges it, so an acknowledged message is never lost. The digest
-- makes a message sent again (its acknowledgement lost on the way) the
-- same row. `processed_at` is set in the same transaction as the
-- message's results, so a row found unprocessed after a restart has had no
-- effect yet and is processed then, once.
CREATE TABLE analyzer_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_code TEXT NOT NULL,
    analyzer TEXT NOT NULL,
    protocol TEXT NOT NULL CHECK (protocol IN ('astm', 'hl7')),
    raw BLOB NOT NULL,
    digest TEXT NOT NULL,
    -- HL7 MSH-10, for the acknowledgement and the log.
    control_id TEXT,
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP,
    -- What became of the message (JSON): its specimens, or why it could
    -- not be read.
    outcome TEXT,
    UNIQUE (facility_code, analyzer, digest)
);
CREATE INDEX analyzer_messages_unprocessed ON analyzer_messages (id) WHERE processed_at IS NULL;
CREATE INDEX analyzer_messages_log ON analyzer_messages (facility_code, analyzer, id);

-- What a message said of each specimen and what became of it: recorded
-- as a result, or waiting for a person (a specimen kentai does not know,
-- words it cannot read, a result the rules refuse) until they link it to
-- a specimen or discard it with a reason.
CREATE TABLE analyzer_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BIGINT NOT NULL REFERENCES analyzer_messages (id),
    facility_code TEXT NOT NULL,
    analyzer TEXT NOT NULL,
    -- The specimen id as the analyser sent it.
    specimen_id TEXT NOT NULL,
    -- The observations as sent, and what kentai read in them (JSON).
    observations TEXT NOT NULL,
    reading TEXT NOT NULL,
    completed_at TIMESTAMP,
    state TEXT NOT NULL CHECK (state IN ('recorded', 'unmatched', 'unread', 'refused', 'linked', 'discarded')),
    -- The result version recorded from it.
    result_id BIGINT REFERENCES results (id),
    -- Why it waits (a refusal's message).
    note TEXT,
    resolved_by BIGINT REFERENCES users (id),
    resolved_at TIMESTAMP,
    -- Why a person discarded it, or which specimen they linked it to.
    reason TEXT
);
CREATE INDEX analyzer_results_state ON analyzer_results (facility_code, state, id);
CREATE INDEX analyzer_results_message ON analyzer_results (message_id);
