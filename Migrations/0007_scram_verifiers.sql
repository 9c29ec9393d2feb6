-- SCRAM-SHA-256 verifiers (RFC 7677), kept only while pop3d runs with --sasl-scram. One salt and iteration count
-- per user; one verifier (StoredKey, ServerKey, base64) for the password (app_password_id NULL) and one per app
-- password that has been used or added since. `scram_secret` derives the stable fake salt of unknown users.
CREATE TABLE scram_salts (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    salt TEXT NOT NULL,
    iterations INTEGER NOT NULL
);
CREATE TABLE scram_verifiers (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_password_id INTEGER REFERENCES app_passwords (id) ON DELETE CASCADE,
    stored_key TEXT NOT NULL,
    server_key TEXT NOT NULL,
    UNIQUE (user_id, stored_key)
);
CREATE TABLE scram_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);
