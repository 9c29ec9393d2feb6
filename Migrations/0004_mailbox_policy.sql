-- Mailbox policy (RFC 2449 LOGIN-DELAY and EXPIRE). A user's own values override pop3d's --login-delay and
-- --expire; NULL means the server's value. expire_days -1 is NEVER. last_login (seconds since 1970) survives a
-- restart, so LOGIN-DELAY is kept across one. The row goes with its user.
CREATE TABLE user_policies (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    login_delay_seconds INTEGER CHECK (login_delay_seconds >= 0),
    expire_days INTEGER CHECK (expire_days >= -1),
    last_login REAL
);

-- When a message was first retrieved (RETR), for EXPIRE n: keyed by maildrop and UIDL, which every session of the
-- maildrop sees the same. Rows of messages that are gone are dropped by the next retention sweep of the maildrop.
CREATE TABLE message_retrievals (
    user_name TEXT NOT NULL,
    uidl TEXT NOT NULL,
    first_retrieved REAL NOT NULL,
    PRIMARY KEY (user_name, uidl)
) WITHOUT ROWID;
