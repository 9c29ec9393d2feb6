-- Mailbox policy (RFC 2449 LOGIN-DELAY and EXPIRE), shared by every node. A user's own values override pop3d's
-- --login-delay and --expire; NULL means the server's value. expire_days -1 is NEVER. last_login (seconds since
-- 1970) survives a restart, so LOGIN-DELAY is kept across one. The row goes with its user.
CREATE TABLE user_policies (
    user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    login_delay_seconds integer CHECK (login_delay_seconds >= 0),
    expire_days integer CHECK (expire_days >= -1),
    last_login double precision
);

-- When a message was first retrieved (RETR), for EXPIRE n: keyed by maildrop and UIDL. Rows of messages that are
-- gone are dropped by the next retention sweep of the maildrop.
CREATE TABLE message_retrievals (
    user_name text NOT NULL,
    uidl text NOT NULL,
    first_retrieved double precision NOT NULL,
    PRIMARY KEY (user_name, uidl)
);
