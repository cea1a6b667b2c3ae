-- Portable across SQLite and PostgreSQL (see docs/architecture.md): ids are uuid
-- text, times are BIGINT milliseconds since the Unix epoch.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- Lower-cased e-mail: sign-in and uniqueness ignore case.
    email_normalized TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    room_type TEXT NOT NULL CHECK (room_type IN ('game', 'business', 'coding', 'learning', 'language')),
    status TEXT NOT NULL CHECK (status IN ('public', 'private')),
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

CREATE INDEX rooms_by_status_and_age ON rooms (status, created_at);
CREATE INDEX rooms_by_creator ON rooms (created_by);

-- Who may enter a private room besides its creator (granted by POST /api/join-room).
CREATE TABLE room_access (
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
