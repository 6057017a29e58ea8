-- +goose Up
-- Service times and the satisfaction survey, kept with the case: when an officer first
-- acted, first told the resident something, and closed it; when the survey was asked
-- and reminded, its score (1-4, 0 unanswered) and comment (sealed). Times are unix
-- milliseconds, 0 for never.
ALTER TABLE cases ADD COLUMN acted_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN responded_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN closed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN survey_asked_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN survey_reminded_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN survey_score INTEGER NOT NULL DEFAULT 0 CHECK (survey_score BETWEEN 0 AND 4);
ALTER TABLE cases ADD COLUMN survey_answered_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN survey_comment TEXT NOT NULL DEFAULT '';

-- Cases filed before: the marks from their audit trail (the same events the service
-- counts: store.Service).
UPDATE cases SET
    acted_at = COALESCE((SELECT min(at) FROM case_events e WHERE e.case_id = cases.id
                AND e.kind IN ('assign', 'status', 'reply', 'note')), 0),
    responded_at = COALESCE((SELECT min(at) FROM case_events e WHERE e.case_id = cases.id
                AND e.kind IN ('status', 'reply')), 0),
    closed_at = COALESCE((SELECT min(at) FROM case_events e WHERE e.case_id = cases.id
                AND e.kind = 'status' AND e.to_status IN ('selesai', 'ditolak')), 0);

-- Reports select a period of filing; the survey reminder, surveys still open.
CREATE INDEX cases_filed ON cases (filed_at);
CREATE INDEX cases_survey_open ON cases (survey_asked_at) WHERE survey_score = 0 AND survey_reminded_at = 0;

-- Supervisors who asked for the monthly summary; and jobs that run once across every
-- instance (the summary of a month), claimed in the transaction that queues their
-- messages.
ALTER TABLE officers ADD COLUMN monthly_summary INTEGER NOT NULL DEFAULT 0;
CREATE TABLE jobs_done (
    name TEXT PRIMARY KEY,
    at   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE jobs_done;
ALTER TABLE officers DROP COLUMN monthly_summary;
DROP INDEX cases_survey_open;
DROP INDEX cases_filed;
ALTER TABLE cases DROP COLUMN survey_comment;
ALTER TABLE cases DROP COLUMN survey_answered_at;
ALTER TABLE cases DROP COLUMN survey_score;
ALTER TABLE cases DROP COLUMN survey_reminded_at;
ALTER TABLE cases DROP COLUMN survey_asked_at;
ALTER TABLE cases DROP COLUMN closed_at;
ALTER TABLE cases DROP COLUMN responded_at;
ALTER TABLE cases DROP COLUMN acted_at;
