-- Cluster mode recovers the deletion journal per maildrop: every login asks, in the same round trip that takes the
-- maildrop's lock, whether the user has unfinished rows. `done` rows stay as the audit trail and outnumber the rest,
-- so the question is answered from an index of the unfinished ones only.
CREATE INDEX deletion_journal_unfinished ON deletion_journal (user_name) WHERE state <> 'done';
