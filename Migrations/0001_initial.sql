-- pop3d's initial schema. Times are Unix seconds (REAL); read them with datetime(col, 'unixepoch').

-- POP3 users. password_hash is a PHC string ($scrypt$ln=..,r=8,p=1$salt$hash), never the password.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

-- Monitor admins. The token is stored as SHA-256(salt || token), never in clear.
CREATE TABLE monitor_tokens (
    id INTEGER PRIMARY KEY,
    admin TEXT NOT NULL UNIQUE,
    token_salt BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    created_at REAL NOT NULL
);

-- Settings changed at run time through the monitor (e.g. maildir).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
);

-- Deletion journal: DELE writes 'pending', QUIT turns the session's rows 'committing', each removed file 'done'.
CREATE TABLE deletion_journal (
    id INTEGER PRIMARY KEY,
    session TEXT NOT NULL,
    user TEXT NOT NULL,
    base_name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'committing', 'done')),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX deletion_journal_by_state ON deletion_journal (state, session);

-- One row per login attempt; user_name is as the client gave it.
CREATE TABLE auth_events (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    user_name TEXT NOT NULL,
    peer TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('ok', 'failed', 'in_use', 'error'))
);
CREATE INDEX auth_events_by_peer ON auth_events (peer, time);
CREATE INDEX auth_events_by_time ON auth_events (time);

-- One row per finished POP3 session.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    user TEXT,
    peer TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL NOT NULL,
    bytes_in INTEGER NOT NULL,
    bytes_out INTEGER NOT NULL,
    retr_count INTEGER NOT NULL,
    top_count INTEGER NOT NULL,
    dele_count INTEGER NOT NULL,
    end_reason TEXT NOT NULL
);
CREATE INDEX sessions_by_end ON sessions (ended_at);

-- Metric samples. 'raw' rows hold one sampled value (value = maximum = last); 'hourly' rows are the roll-up of
-- an hour of raw rows: value = average, maximum = maximum, last = the newest value (a counter's running total).
CREATE TABLE metric_samples (
    metric TEXT NOT NULL,
    resolution TEXT NOT NULL CHECK (resolution IN ('raw', 'hourly')),
    time REAL NOT NULL,
    value REAL NOT NULL,
    maximum REAL NOT NULL,
    last REAL NOT NULL,
    PRIMARY KEY (metric, resolution, time)
) WITHOUT ROWID;
CREATE INDEX metric_samples_by_time ON metric_samples (metric, time);

-- Wire sizes of maildir messages, so a later login does not re-read bodies.
CREATE TABLE message_index (
    user TEXT NOT NULL,
    base_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    wire_size INTEGER NOT NULL,
    PRIMARY KEY (user, base_name)
) WITHOUT ROWID;

-- Views for a person with the sqlite3 shell.
CREATE VIEW daily_stats AS
SELECT date(started_at, 'unixepoch') AS day,
       count(*) AS sessions,
       count(DISTINCT user) AS users,
       sum(bytes_out) AS bytes_out,
       sum(bytes_in) AS bytes_in,
       sum(retr_count) AS retrieved,
       sum(dele_count) AS deleted
FROM sessions GROUP BY day ORDER BY day;

CREATE VIEW logins_by_user AS
SELECT user_name AS user,
       sum(result = 'ok') AS ok,
       sum(result = 'failed') AS failed,
       datetime(max(time), 'unixepoch') AS last_attempt
FROM auth_events GROUP BY user_name ORDER BY user_name;

CREATE VIEW failed_logins_by_peer AS
SELECT peer, count(*) AS failed, datetime(max(time), 'unixepoch') AS last_failure
FROM auth_events WHERE result = 'failed' GROUP BY peer ORDER BY failed DESC;

CREATE VIEW deletions AS
SELECT datetime(updated_at, 'unixepoch') AS time, user, base_name, session, state
FROM deletion_journal ORDER BY updated_at;

CREATE VIEW deletions_per_day AS
SELECT date(updated_at, 'unixepoch') AS day, user, count(*) AS deleted
FROM deletion_journal WHERE state = 'done' GROUP BY day, user ORDER BY day, user;

CREATE VIEW top_users_by_bytes AS
SELECT user, count(*) AS sessions, sum(bytes_out) AS bytes_out, sum(retr_count) AS retrieved
FROM sessions WHERE user IS NOT NULL GROUP BY user ORDER BY bytes_out DESC;
