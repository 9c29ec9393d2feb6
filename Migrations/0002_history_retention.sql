-- History retention: auth_events and sessions rows older than pop3d's --history-retention-days are folded into
-- the daily totals below and deleted (one transaction per batch), so a login flood cannot fill the disk. The views
-- add the totals to the rows still kept, so they answer for old days as before. A day is a UTC date, as in the
-- views ('YYYY-MM-DD').

-- Login attempts per day, user name (as given) and result: what logins_by_user reads. A day keeps at most a fixed
-- number of names (and the names of existing users); attempts with further names are counted under user_name ''
-- (shown as NULL by the views), so a flood of made-up names adds one row a day, not one per name.
CREATE TABLE auth_events_daily_by_user (
    day TEXT NOT NULL,
    user_name TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('ok', 'failed', 'in_use', 'error')),
    attempts INTEGER NOT NULL,
    last_time REAL NOT NULL,
    PRIMARY KEY (day, user_name, result)
) WITHOUT ROWID;

-- Login attempts per day, peer and result: what failed_logins_by_peer reads. Peers beyond a day's limit are
-- counted under peer '' (NULL in the views).
CREATE TABLE auth_events_daily_by_peer (
    day TEXT NOT NULL,
    peer TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('ok', 'failed', 'in_use', 'error')),
    attempts INTEGER NOT NULL,
    last_time REAL NOT NULL,
    PRIMARY KEY (day, peer, result)
) WITHOUT ROWID;

-- Finished sessions per day (of started_at), user and end reason: what daily_stats and top_users_by_bytes read.
-- user is '' for sessions that never logged in (NULL in the raw table); users are accounts, so their number is
-- bounded by the operator.
CREATE TABLE sessions_daily (
    day TEXT NOT NULL,
    user TEXT NOT NULL,
    end_reason TEXT NOT NULL,
    sessions INTEGER NOT NULL,
    bytes_in INTEGER NOT NULL,
    bytes_out INTEGER NOT NULL,
    retr_count INTEGER NOT NULL,
    top_count INTEGER NOT NULL,
    dele_count INTEGER NOT NULL,
    PRIMARY KEY (day, user, end_reason)
) WITHOUT ROWID;

-- The views of 0001, now over the kept rows and the daily totals together.
DROP VIEW daily_stats;
CREATE VIEW daily_stats AS
SELECT day,
       sum(sessions) AS sessions,
       count(DISTINCT user) AS users,
       sum(bytes_out) AS bytes_out,
       sum(bytes_in) AS bytes_in,
       sum(retr_count) AS retrieved,
       sum(dele_count) AS deleted
FROM (
    SELECT date(started_at, 'unixepoch') AS day, user, 1 AS sessions, bytes_out, bytes_in, retr_count, dele_count
    FROM sessions
    UNION ALL
    SELECT day, nullif(user, ''), sessions, bytes_out, bytes_in, retr_count, dele_count
    FROM sessions_daily
)
GROUP BY day ORDER BY day;

DROP VIEW logins_by_user;
CREATE VIEW logins_by_user AS
SELECT user_name AS user,
       sum(ok) AS ok,
       sum(failed) AS failed,
       datetime(max(time), 'unixepoch') AS last_attempt
FROM (
    SELECT user_name, result = 'ok' AS ok, result = 'failed' AS failed, time
    FROM auth_events
    UNION ALL
    SELECT nullif(user_name, ''), (result = 'ok') * attempts, (result = 'failed') * attempts, last_time
    FROM auth_events_daily_by_user
)
GROUP BY user_name ORDER BY user_name;

DROP VIEW failed_logins_by_peer;
CREATE VIEW failed_logins_by_peer AS
SELECT peer, sum(failed) AS failed, datetime(max(time), 'unixepoch') AS last_failure
FROM (
    SELECT peer, 1 AS failed, time FROM auth_events WHERE result = 'failed'
    UNION ALL
    SELECT nullif(peer, ''), attempts, last_time FROM auth_events_daily_by_peer WHERE result = 'failed'
)
GROUP BY peer ORDER BY failed DESC;

DROP VIEW top_users_by_bytes;
CREATE VIEW top_users_by_bytes AS
SELECT user, sum(sessions) AS sessions, sum(bytes_out) AS bytes_out, sum(retr_count) AS retrieved
FROM (
    SELECT user, 1 AS sessions, bytes_out, retr_count FROM sessions WHERE user IS NOT NULL
    UNION ALL
    SELECT user, sessions, bytes_out, retr_count FROM sessions_daily WHERE user <> ''
)
GROUP BY user ORDER BY bytes_out DESC;
