"""Shared pieces of the reliability scripts: run the real pop3d, make users and mail, talk POP3, and keep the
model of which message must be where.

Standard library only. Every script imports this module from its own folder.
"""

import base64
import hashlib
import math
import shutil
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# The debug build by default; POP3D_BINARY names another (say, a release build).
BINARY = os.environ.get("POP3D_BINARY") or os.path.join(REPO, ".build", "debug", "pop3d")
LISTENING = re.compile(rb"address=\S*:(\d+) \[Server\] POP3 listening")
# Logged once the deletion journal is recovered and logins are let in (a pop3d that predates it logs no such line).
SERVING = re.compile(rb"\] serving$", re.MULTILINE)
# Every metric that is a gauge (MetricID.isCounter == false); the rest only grow, across restarts too.
COUNTER_GAUGES = {"connections_current", "uptime_seconds", "event_loop_lag_max_ms", "database_bytes"}
DEFAULT_USER, DEFAULT_PASSWORD = "foo", "bar"


class HarnessError(Exception):
    """The harness itself could not do its job (build, start, set-up): not a finding about pop3d."""


# --------------------------------------------------------------------------------------------------------------
# Building and running pop3d


def build_pop3d(workdir):
    """Builds the debug pop3d when the binary is missing and copies it into workdir, so a rebuild of the shared
    tree during a long run neither changes the binary under test nor fails on a busy executable. Returns the copy."""
    if not os.path.exists(BINARY):
        result = subprocess.run(["swift", "build", "--product", "pop3d"], cwd=REPO)
        if result.returncode != 0 or not os.path.exists(BINARY):
            raise HarnessError("swift build --product pop3d failed")
    os.chmod(workdir, 0o755)  # a pop3d started as another user must reach the copy
    copy = os.path.join(workdir, "pop3d")
    for _ in range(50):
        try:
            shutil.copy2(BINARY, copy)
            break
        except OSError:
            time.sleep(0.2)  # being relinked right now
    else:
        raise HarnessError("cannot copy %s" % BINARY)
    os.chmod(copy, 0o755)
    Pop3d.binary = copy
    help_text = subprocess.run([copy, "--help"], capture_output=True).stdout
    Pop3d.root_flags = ["--allow-root"] if os.geteuid() == 0 and b"--allow-root" in help_text else []
    # The harness logs in as the quick-start user foo/bar; builds with that flag also log `serving`.
    Pop3d.logs_serving = b"--quick-start-credentials" in help_text
    Pop3d.seed_flags = ["--quick-start-credentials"] if Pop3d.logs_serving else []
    return copy


class Pop3d:
    """One pop3d process on a maildir and database; restartable on the same files."""

    binary = BINARY
    root_flags = []  # --allow-root when the tests run as root and this pop3d knows the flag
    seed_flags = []  # --quick-start-credentials when this pop3d knows it (older ones always seed foo/bar)
    logs_serving = False
    notes = []  # harness notes printed once by the scripts (for example a flag that had to be worked around)
    monitor_port = "-1"

    def __init__(self, workdir, maildir, database, extra=(), wrapper=(), sample_interval=1, node=None):
        """workdir holds the logs (logs/pop3d-NNNN.log, one per start); database is a SQLite file's path or a
        PostgresDatabase; node is the node name on PostgreSQL (the database's own by default)."""
        self.workdir, self.maildir, self.database, self.node = workdir, maildir, database, node
        self.extra, self.wrapper = list(extra), list(wrapper)
        self.sample_interval = sample_interval
        self.process = None
        self.port = None
        self.starts = 0
        self.log_path = None
        self.log_cursor = {}  # log path -> bytes read by new_log_lines()
        os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)

    def command(self):
        return self.wrapper + [
            Pop3d.binary, "-p", "0", "--listen", "127.0.0.1", "--monitor-port", Pop3d.monitor_port,
            "-m", self.maildir] + as_database(self.database).pop3d_flags(self.node) + ["--password-cost", "10",
            "--auth-failure-delay", "0", "--sample-interval", str(self.sample_interval),
        ] + ([] if self.wrapper else Pop3d.root_flags) + Pop3d.seed_flags + self.extra

    def start(self, timeout=30.0):
        """Starts pop3d and waits for its `POP3 listening` line, then its `serving` line (start-up recovery is done
        by then) when this pop3d logs one."""
        self.starts += 1
        self.log_path = os.path.join(self.workdir, "logs", "pop3d-%04d.log" % self.starts)
        with open(self.log_path, "wb") as log:
            # In workdir: files pop3d places in its working directory (on PostgreSQL, the message index and the
            # admin token file) stay in the run's own folder.
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            match = LISTENING.search(text)
            if match and (SERVING.search(text) or not Pop3d.logs_serving):
                self.port = int(match.group(1))
                return self.port
            if self.process.poll() is not None:
                if Pop3d.monitor_port == "-1" and b"Service failed(Server.MonitorListener)" in text:
                    # pop3d exits at once with --monitor-port -1 (reported bug); keep testing with a free port.
                    Pop3d.monitor_port = "0"
                    Pop3d.notes.append("--monitor-port -1 makes pop3d exit at start-up; using --monitor-port 0")
                    self.starts -= 1
                    return self.start(timeout)
                raise HarnessError(
                    "pop3d exited with %s before listening:\n%s" % (self.process.returncode, tail(text)))
            time.sleep(0.02)
        raise HarnessError("pop3d did not log 'POP3 listening' within %.0f s:\n%s" % (timeout, tail(self.log())))

    def log(self):
        with open(self.log_path, "rb") as log:
            return log.read()

    def new_log_lines(self):
        """The complete log lines written since the last call, across restarts (one log file per start)."""
        folder = os.path.join(self.workdir, "logs")
        lines = []
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            offset = self.log_cursor.get(path, 0)
            with open(path, "rb") as log:
                log.seek(offset)
                chunk = log.read()
            end = chunk.rfind(b"\n") + 1  # a line being written stays for the next call
            self.log_cursor[path] = offset + end
            lines.extend(chunk[:end].decode("utf-8", "replace").splitlines())
        return lines

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL, as a crash or the OOM killer would, and reap the process."""
        if self.alive():
            try:
                os.kill(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process is not None:
            self.process.wait()

    def terminate(self, timeout=10.0):
        """SIGTERM and wait; returns (exit code or None when it did not stop in time, seconds taken)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, time.monotonic() - started

    def all_logs(self):
        folder = os.path.join(self.workdir, "logs")
        text = b""
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as log:
                text += log.read()
        return text

    def error_lines(self, logs=None):
        """Log lines at level error or critical."""
        text = self.log() if logs is None else logs
        return [line for line in text.decode("utf-8", "replace").splitlines()
                if re.search(r"\+\d{4} (error|critical) ", line)]


def tail(text, lines=20):
    return "\n".join(text.decode("utf-8", "replace").splitlines()[-lines:])


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# --------------------------------------------------------------------------------------------------------------
# Users


def scrypt_phc(password, ln=10):
    """A PHC string pop3d verifies: $scrypt$ln=..,r=8,p=1$salt$hash, base64 without padding."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=1 << ln, r=8, p=1, dklen=32)
    encode = lambda raw: base64.b64encode(raw).decode().rstrip("=")
    return "$scrypt$ln=%d,r=8,p=1$%s$%s" % (ln, encode(salt), encode(digest))


def add_users(database, passwords):
    """Inserts users (name -> password) into pop3d's users table; the database must exist."""
    as_database(database).add_users({name: scrypt_phc(password) for name, password in passwords.items()})


def password_for(user):
    return DEFAULT_PASSWORD if user == DEFAULT_USER else "pw-" + user


def query(database, sql, args=(), read_only=False):
    """One query on pop3d's database from outside, as an operator's shell (sqlite3 or psql) would."""
    return as_database(database).query(sql, args, read_only)


def counter_totals(database, since=None, node=None):
    """Per counter metric: the largest stored running total (or, with since, the smallest total stored since); with
    node (PostgreSQL), that node's samples only."""
    where, args = ["1 = 1"], []
    if since is not None:
        where.append("time >= ?")
        args.append(since)
    if node is not None:
        where.append("node = ?")
        args.append(node)
    rows = query(database, "SELECT metric, %s(last) FROM metric_samples WHERE %s GROUP BY metric"
                 % ("max" if since is None else "min", " AND ".join(where)), tuple(args), read_only=True)
    # psql answers in text; sqlite3 in numbers.
    return {metric: float(value) if isinstance(value, str) else value for metric, value in rows
            if metric not in COUNTER_GAUGES}


# --------------------------------------------------------------------------------------------------------------
# The database pop3d runs on: a SQLite file, or a database of its own on a PostgreSQL server (read through psql)


def as_database(database):
    """A SQLite file's path becomes a SQLiteDatabase; a database object stays as it is."""
    return SQLiteDatabase(database) if isinstance(database, str) else database


class SQLiteDatabase:
    kind = "sqlite"
    user_column = "user"  # the deletion journal's user column

    def __init__(self, path):
        self.path = path

    def pop3d_flags(self, node=None):
        return ["--database", self.path]

    def query(self, sql, args=(), read_only=False):
        if read_only:
            connection = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=30)
        else:
            connection = sqlite3.connect(self.path, timeout=30)
        try:
            return connection.execute(sql, args).fetchall()
        finally:
            connection.close()

    def add_users(self, hashes):
        connection = sqlite3.connect(self.path, timeout=30)
        now = time.time()
        with connection:
            for name, password_hash in hashes.items():
                connection.execute(
                    "INSERT OR REPLACE INTO users (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    (name, password_hash, now, now))
        connection.close()

    def integrity_problem(self):
        """None when `PRAGMA integrity_check` says ok, else what it says."""
        result = self.query("PRAGMA integrity_check")
        return None if result == [("ok",)] else result

    def watcher(self):
        """A connection for polling in a tight loop: .first(sql) returns the first row or None."""
        return SQLiteWatcher(self.path)


class SQLiteWatcher:
    def __init__(self, path):
        self.connection = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)

    def first(self, sql):
        try:
            return self.connection.execute(sql).fetchone()
        except sqlite3.Error:
            return None

    def close(self):
        self.connection.close()


def sql_literal(value):
    """A value as a PostgreSQL literal (standard_conforming_strings is on by default)."""
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class Psql:
    """One psql session kept open: queries go in on its standard input, rows (tab-separated) come back on its
    output, each answer closed by a marker line. Errors come back as text and raise HarnessError."""

    MARKER = "--pop3harness-end--"

    def __init__(self, url, password_file):
        environment = dict(os.environ, PGPASSWORD=read_first_line(password_file))
        self.process = subprocess.Popen(
            ["psql", url, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=0"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment, text=True, bufsize=1)
        self.lock = threading.Lock()

    def rows(self, sql):
        with self.lock:
            self.process.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo " + self.MARKER + "\n")
            self.process.stdin.flush()
            lines, errors = [], []
            while True:
                line = self.process.stdout.readline()
                if not line:
                    raise HarnessError("psql ended: %s" % " ".join(errors + lines[-3:]))
                line = line.rstrip("\n")
                if line == self.MARKER:
                    break
                if line.startswith(("ERROR:", "psql:", "FATAL:")):
                    errors.append(line)
                elif line.startswith(("NOTICE:", "WARNING:", "DETAIL:", "HINT:")):
                    continue  # the server's remarks (say, "already exists, skipping"), not rows
                elif line:
                    lines.append(line)
        if errors:
            raise HarnessError("psql: %s (for %s)" % (" ".join(errors), sql))
        return [tuple(line.split("\t")) for line in lines]

    def close(self):
        try:
            self.process.stdin.close()
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


def read_first_line(path):
    with open(path) as handle:
        return handle.readline().rstrip("\n")


class PostgresDatabase:
    """A database of its own on a PostgreSQL server (created here, dropped by drop()); pop3d runs on it as one
    node. Checks read it through psql, as an operator would; values come back as text."""

    kind = "postgresql"
    user_column = "user_name"

    def __init__(self, server_url, password_file, node):
        """server_url names any database of the server (postgresql://USER@HOST:PORT/postgres)."""
        if shutil.which("psql") is None:
            raise HarnessError("psql is needed for a run on PostgreSQL (Debian package postgresql-client)")
        self.password_file, self.node = password_file, node
        self.name = "pop3d_reliability_%s" % os.urandom(6).hex()
        self.server_url = server_url
        self.url = server_url.rsplit("/", 1)[0] + "/" + self.name
        admin = Psql(server_url, password_file)
        try:
            admin.rows("CREATE DATABASE %s" % self.name)
        finally:
            admin.close()
        self.session = Psql(self.url, password_file)

    def pop3d_flags(self, node=None):
        return ["--database", self.url, "--database-password-file", self.password_file, "--node-name",
                node or self.node]

    def query(self, sql, args=(), read_only=False):
        pieces = sql.split("?")
        if len(pieces) != len(args) + 1:
            raise HarnessError("%d arguments for %s" % (len(args), sql))
        text = pieces[0] + "".join(sql_literal(value) + piece for value, piece in zip(args, pieces[1:]))
        return self.session.rows(text)

    def add_users(self, hashes):
        now = time.time()
        values = ", ".join("(%s, %s, %r, %r)" % (sql_literal(name), sql_literal(password_hash), now, now)
                           for name, password_hash in hashes.items())
        self.query("INSERT INTO users (name, password_hash, created_at, updated_at) VALUES %s ON CONFLICT (name) "
                   "DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at" % values)

    def integrity_problem(self):
        """PostgreSQL's own crash safety covers its files (a killed client cannot touch them); what can be checked
        from outside is that every B-tree index of pop3d's tables agrees with its table (amcheck, when installed)."""
        if not self.query("SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'"):
            return None
        self.query("CREATE EXTENSION IF NOT EXISTS amcheck")
        self.query("SELECT bt_index_check(index => c.oid, heapallindexed => true) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                   "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = 'public'")
        return None

    def watcher(self):
        return PostgresWatcher(Psql(self.url, self.password_file))

    def drop(self):
        self.session.close()
        admin = Psql(self.server_url, self.password_file)
        try:
            admin.rows("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
        except HarnessError as error:
            print("note: could not drop %s: %s" % (self.name, error))
        finally:
            admin.close()


class PostgresWatcher:
    def __init__(self, session):
        self.session = session

    def first(self, sql):
        try:
            rows = self.session.rows(sql)
        except HarnessError:
            return None
        return rows[0] if rows else None

    def close(self):
        self.session.close()


# --------------------------------------------------------------------------------------------------------------
# Mail


def make_content(rng, number, large=False):
    """A message with the shapes that matter on the wire: CRLF and bare LF, dot lines, no final line end."""
    lines = [b"From: sender%d@example.org" % number, b"Subject: message %d" % number, b""]
    body_lines = rng.randint(2000, 4000) if large else rng.randint(1, 60)
    for index in range(body_lines):
        choice = rng.random()
        if choice < 0.05:
            lines.append(b".")
        elif choice < 0.12:
            lines.append(b"." * rng.randint(1, 3) + b"dotted line %d" % index)
        elif choice < 0.15:
            lines.append(b"")
        else:
            lines.append(bytes(rng.choice(b"abcdefghij klmnopqrstuvwxyz0123456789") for _ in range(rng.randint(1, 90))))
    ending = b"\r\n" if rng.random() < 0.6 else b"\n"
    content = b""
    for index, line in enumerate(lines):
        content += line + (ending if rng.random() < 0.9 else b"\n" if ending == b"\r\n" else b"\r\n")
    if rng.random() < 0.1:
        content = content.rstrip(b"\r\n")  # a last line without a line end
    return content


def wire_lines(content):
    """The lines RETR sends for a file (before dot-stuffing): split at LF, a CR before the LF dropped."""
    if not content:
        return []
    pieces = content.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    return [piece[:-1] if piece.endswith(b"\r") else piece for piece in pieces]


def wire_digest(lines):
    hasher = hashlib.sha256()
    for line in lines:
        hasher.update(line)
        hasher.update(b"\r\n")
    return hasher.hexdigest()


PRESENT, GONE, UNCERTAIN = "present", "gone", "uncertain"


class Message:
    """What the model knows of one message."""

    __slots__ = ("user", "base", "sha256", "size", "wire_size", "wire_digest", "state", "delivered", "quit_by")

    def __init__(self, user, base, content, delivered):
        lines = wire_lines(content)
        self.user, self.base = user, base
        self.sha256, self.size = hashlib.sha256(content).hexdigest(), len(content)
        self.wire_size = sum(len(line) + 2 for line in lines)
        self.wire_digest = wire_digest(lines)
        self.state = PRESENT
        self.delivered = delivered  # monotonic time the file became visible (infinity until then)
        self.quit_by = None  # the session whose unanswered QUIT may have deleted it


class MailModel:
    """Every message ever delivered and what must be true of it: present (must keep, byte for byte), gone (a
    session got +OK to QUIT after DELE), uncertain (a QUIT was sent but its answer never arrived)."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.lock = threading.Lock()
        self.messages = {}  # (user, base) -> Message
        self.by_user = {}
        self.counter = 0
        self.violations = []
        self.uncertain_sessions = {}  # session id -> set of (user, base)
        self.checks = 0

    def violation(self, text):
        with self.lock:
            self.violations.append(text)

    def print_verdict(self):
        """The last lines of a script's report: harness notes, then the violations (at most 40 listed)."""
        for note in Pop3d.notes:
            print("note: %s" % note)
        print("violations: %d" % len(self.violations))
        for text in self.violations[:40]:
            print("  VIOLATION %s" % text)

    # Delivery ---------------------------------------------------------------------------------------------------

    def make_user(self, user):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.maildir, user, sub), exist_ok=True)
        self.by_user.setdefault(user, {})

    def deliver(self, rng, user, large=False, into="new"):
        """Writes a message as an MDA does (tmp/ then rename) into new/, or into cur/ with flags."""
        with self.lock:
            self.counter += 1
            number = self.counter
        content = make_content(rng, number, large)
        base = "%d.M%dP%d.reliability" % (1700000000 + number, number, os.getpid())
        temporary = os.path.join(self.maildir, user, "tmp", base)
        with open(temporary, "wb") as handle:
            handle.write(content)
        final = os.path.join(self.maildir, user, into, base + (":2,S" if into == "cur" else ""))
        # Known before it becomes visible (a session may list it the moment the rename lands), but not yet
        # required in listings: `delivered` is set only once the rename has happened.
        message = Message(user, base, content, math.inf)
        with self.lock:
            self.messages[(user, base)] = message
            self.by_user[user][base] = message
        os.rename(temporary, final)
        visible = time.monotonic()
        with self.lock:
            message.delivered = visible
        return message

    def live_count(self, user):
        with self.lock:
            return sum(1 for message in self.by_user[user].values() if message.state != GONE)

    # Session events ---------------------------------------------------------------------------------------------

    def get(self, user, base):
        with self.lock:
            return self.by_user[user].get(base)

    def check_listing(self, session, user, listing, login_sent):
        """A fresh session's UIDL list: every message that must be kept is listed, none that is gone, nothing
        unknown. Messages delivered after the login was sent may or may not be listed."""
        with self.lock:
            known = self.by_user[user]
            for base in listing:
                message = known.get(base)
                if message is None:
                    self.violations.append("%s: %s lists unknown message %s" % (session, user, base))
                elif message.state == GONE:
                    self.violations.append(
                        "%s: %s lists %s, deleted by an earlier session that got +OK to QUIT" % (session, user, base))
            listed = set(listing)
            for base, message in known.items():
                self.checks += 1
                if message.state == PRESENT and message.delivered < login_sent and base not in listed:
                    self.violations.append("%s: %s does not list %s, which must be kept" % (session, user, base))

    def quit_sending(self, session, keys):
        """Before QUIT goes out: its DELE'd messages may vanish from now on."""
        with self.lock:
            for key in keys:
                message = self.messages[key]
                if message.state == GONE:
                    continue
                if message.quit_by is not None:
                    self.uncertain_sessions.get(message.quit_by, set()).discard(key)
                message.state, message.quit_by = UNCERTAIN, session
            self.uncertain_sessions[session] = set(keys)

    def quit_answered(self, session, keys, ok, must_keep=False):
        """+OK: the messages are gone. -ERR for a shutdown: nothing may be gone. Other -ERR: stay uncertain."""
        with self.lock:
            if not ok and not must_keep:
                return
            self.uncertain_sessions.pop(session, None)
            for key in keys:
                message = self.messages[key]
                if message.quit_by == session or message.state == PRESENT:
                    message.state = GONE if ok else PRESENT
                    message.quit_by = None

    # Checking the files -----------------------------------------------------------------------------------------

    def scan(self, user):
        """Base name -> list of paths in cur/ and new/."""
        found = {}
        for sub in ("cur", "new"):
            folder = os.path.join(self.maildir, user, sub)
            try:
                names = os.listdir(folder)
            except OSError as error:
                self.violation("cannot list %s: %s" % (folder, error))
                continue
            for name in names:
                found.setdefault(name.split(":", 1)[0], []).append(os.path.join(folder, name))
        return found

    def check_files(self, label, all_or_nothing=True):
        """With pop3d stopped or idle and recovered: every message where it must be, byte for byte; uncertain
        messages are settled to what the files say (and a session's unanswered QUIT is all or nothing)."""
        settled = {}
        for user in list(self.by_user):
            found = self.scan(user)
            with self.lock:
                known = self.by_user[user]
                for base, paths in found.items():
                    if base not in known:
                        self.violations.append("%s: unknown file %s" % (label, paths))
                    elif len(paths) > 1:
                        self.violations.append("%s: %s exists %d times: %s" % (label, base, len(paths), paths))
                for base, message in known.items():
                    self.checks += 1
                    paths = found.get(base)
                    if paths:
                        with open(paths[0], "rb") as handle:
                            data = handle.read()
                        if hashlib.sha256(data).hexdigest() != message.sha256:
                            self.violations.append("%s: %s changed: %d bytes, expected %d (truncated or altered)"
                                                   % (label, paths[0], len(data), message.size))
                    if message.state == PRESENT and not paths:
                        self.violations.append("%s: LOST %s/%s (no session QUIT after DELE of it)" % (label, user, base))
                    elif message.state == GONE and paths:
                        self.violations.append("%s: %s/%s still exists after +OK to QUIT" % (label, user, base))
                    elif message.state == UNCERTAIN:
                        settled.setdefault(message.quit_by, []).append(bool(paths))
                        message.state, message.quit_by = (PRESENT if paths else GONE), None
        with self.lock:
            for session, outcomes in settled.items():
                if all_or_nothing and session in self.uncertain_sessions and len(set(outcomes)) > 1:
                    self.violations.append("%s: session %s's interrupted QUIT half-applied: %d kept, %d removed"
                                           % (label, session, outcomes.count(True), outcomes.count(False)))
            self.uncertain_sessions.clear()
        return settled


# --------------------------------------------------------------------------------------------------------------
# A small POP3 client that says exactly what happened on the wire


class ConnectionLost(Exception):
    """EOF, reset or timeout: the answer never (fully) arrived."""


class ShutdownNotice(ConnectionLost):
    """The server said `-ERR ... shutting down` and closes."""


class Pop3Client:
    def __init__(self, port, timeout=15.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""
        self.greeting = self.line()

    def line(self):
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except (OSError, socket.timeout) as error:
                raise ConnectionLost(str(error))
            if not chunk:
                raise ConnectionLost("EOF")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line[:-1] if line.endswith(b"\r") else line

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as error:
            raise ConnectionLost(str(error))

    def command(self, text):
        """Sends one command; returns the first line of the answer."""
        self.send(text.encode() + b"\r\n")
        answer = self.line()
        if answer.startswith(b"-ERR") and b"shutting down" in answer:
            raise ShutdownNotice(answer.decode("utf-8", "replace"))
        return answer

    def multiline(self):
        lines = []
        while True:
            line = self.line()
            if line == b".":
                return lines
            lines.append(line[1:] if line.startswith(b".") else line)

    def login(self, user, password, plain=False):
        if plain:
            token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
            return self.command("AUTH PLAIN " + token)
        answer = self.command("USER " + user)
        if not answer.startswith(b"+OK"):
            return answer
        return self.command("PASS " + password)

    def uidl(self):
        answer = self.command("UIDL")
        if not answer.startswith(b"+OK"):
            return None
        return dict((int(number), uid.decode()) for number, uid in (line.split() for line in self.multiline()))

    def sizes(self):
        answer = self.command("LIST")
        if not answer.startswith(b"+OK"):
            return None
        return dict((int(number), int(size)) for number, size in (line.split() for line in self.multiline()))

    def retr(self, number):
        """(first line, lines or None)."""
        answer = self.command("RETR %d" % number)
        if not answer.startswith(b"+OK"):
            return answer, None
        return answer, self.multiline()

    def drop(self, reset=False):
        """Abrupt close; with reset, an RST instead of a FIN."""
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.sock.close()
        except OSError:
            pass

    close = drop


# --------------------------------------------------------------------------------------------------------------
# One client session with a random mix of commands, checked against the model


class Stats:
    """Thread-safe counters for the summary."""

    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, name, amount=1):
        with self.lock:
            self.values[name] = self.values.get(name, 0) + amount

    def get(self, name):
        with self.lock:
            return self.values.get(name, 0)


def mail_session(model, port, rng, user, session, stats, ending=None, operations=12, dele_weight=0.35,
                 on_quit_sent=None, on_login=None, on_leave=None):
    """Logs in as user, checks the listing, runs RETR (content verified) / DELE / RSET / NOOP / STAT / TOP, then
    ends with QUIT, QUIT followed at once by a close (FIN: quit_close) or a reset (RST: quit_drop) without waiting for
    the answer, or a dropped connection. Returns how it ended.
    on_login() runs once the login got +OK; on_leave() right before QUIT or the drop goes out (or once the
    connection was lost), so that between the two the session holds the maildrop."""
    try:
        return _mail_session(model, port, rng, user, session, stats, ending, operations, dele_weight, on_quit_sent,
                             on_login, on_leave)
    finally:
        if on_leave is not None:
            on_leave()


def _mail_session(model, port, rng, user, session, stats, ending, operations, dele_weight, on_quit_sent, on_login,
                  on_leave):
    try:
        client = Pop3Client(port)
    except (OSError, ConnectionLost):
        stats.add("connect_failed")
        return "refused"
    quit_keys, quit_sent = [], False
    try:
        if not client.greeting.startswith(b"+OK"):
            stats.add("greeting_err")
            client.drop()
            return "greeting"
        login_sent = time.monotonic()
        answer = client.login(user, password_for(user), plain=rng.random() < 0.3)
        if b"[IN-USE]" in answer:
            stats.add("in_use")
            client.drop()
            return "in_use"
        if not answer.startswith(b"+OK"):
            stats.add("login_err")
            if b"[SYS/TEMP]" in answer:
                stats.add("login_busy")
            if b"[AUTH]" in answer:
                model.violation("%s: login %s with the right password refused: %r" % (session, user, answer))
            client.drop()
            return "login_err"
        stats.add("logins")
        if on_login is not None:
            on_login()
        listing = client.uidl()
        if listing is None:
            model.violation("%s: UIDL refused after login" % session)
            client.drop()
            return "error"
        model.check_listing(session, user, list(listing.values()), login_sent)
        sizes = client.sizes() or {}
        for number, uid in listing.items():
            message = model.get(user, uid)
            if message is not None and sizes.get(number) != message.wire_size:
                model.violation("%s: LIST %d says %s octets, RETR sends %d" % (session, number, sizes.get(number),
                                                                                message.wire_size))
        deleted = set()
        numbers = sorted(listing)
        for _ in range(rng.randint(1, operations)):
            if not numbers:
                client.command("STAT")
                break
            number = rng.choice(numbers)
            message = model.get(user, listing[number])
            if message is None:
                continue
            choice = rng.random()
            if choice < dele_weight:
                answer = client.command("DELE %d" % number)
                if answer.startswith(b"+OK"):
                    deleted.add(number)
                    stats.add("dele")
                elif number not in deleted:
                    model.violation("%s: DELE %d (%s) refused: %r" % (session, number, listing[number], answer))
            elif choice < dele_weight + 0.35:
                first, lines = client.retr(number)
                if lines is None:
                    if number not in deleted and message.state == PRESENT:
                        model.violation("%s: RETR %d (%s), a message that must be there: %r"
                                        % (session, number, listing[number], first))
                    continue
                stats.add("retr")
                if wire_digest(lines) != message.wire_digest:
                    model.violation("%s: RETR %d (%s) content differs from the file" % (session, number, listing[number]))
                if first.split()[1:2] != [b"%d" % message.wire_size]:
                    model.violation("%s: RETR %d first line %r, expected %d octets" % (session, number, first,
                                                                                    message.wire_size))
            elif choice < dele_weight + 0.45:
                if client.command("RSET").startswith(b"+OK"):
                    deleted.clear()
                    stats.add("rset")
            elif choice < dele_weight + 0.52:
                answer = client.command("TOP %d 0" % number)
                if answer.startswith(b"+OK"):
                    client.multiline()
            else:
                client.command(rng.choice(["NOOP", "STAT"]))
        if ending is None:
            ending = rng.choices(["quit", "quit_drop", "quit_close", "drop", "reset"], [45, 5, 5, 30, 15])[0]
        if on_leave is not None:
            on_leave()
        if ending in ("drop", "reset"):
            client.drop(reset=ending == "reset")
            stats.add("dropped")
            return ending
        quit_keys = [(user, listing[number]) for number in deleted]
        model.quit_sending(session, quit_keys)
        client.send(b"QUIT\r\n")
        quit_sent = True
        if on_quit_sent is not None:
            on_quit_sent(len(quit_keys))
        if ending in ("quit_drop", "quit_close"):
            # quit_close: a FIN right behind the QUIT, as a client that does not wait for the answer sends; the
            # server reads the QUIT first. quit_drop: an RST, which may discard the QUIT before the server reads it.
            client.drop(reset=ending == "quit_drop")
            stats.add("quit_unanswered")
            return ending
        answer = client.line()
        ok = answer.startswith(b"+OK")
        model.quit_answered(session, quit_keys, ok, must_keep=b"shutting down" in answer)
        stats.add("quit_ok" if ok else "quit_err")
        if not ok:
            stats.add("quit_err:" + answer.decode("utf-8", "replace"))
        client.drop()
        return "quit"
    except ShutdownNotice:
        stats.add("shutdown_notice")
        client.drop()
        return "shutdown"
    except ConnectionLost:
        stats.add("cut_after_quit" if quit_sent else "cut")
        client.drop()
        return "cut"
