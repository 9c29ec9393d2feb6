#!/usr/bin/env python3
"""EXPIRE under SIGKILL: kills the real pop3d at random moments while clients retrieve mail from maildrops under an
EXPIRE policy, restarts it on the same maildir and database, and checks that no message was deleted before its
time and none was left after it.

Two policies, one after the other (--policy both, the default):
- EXPIRE 0: a message retrieved in a session that got +OK to its QUIT must be gone; one retrieved only in sessions
  that never sent QUIT must be there; a QUIT sent without an answer may have gone either way, but for the whole
  session at once (the deletion journal: all of its messages or none).
- EXPIRE 1: the harness moves the first-retrieval time of some retrieved messages two days back while pop3d is
  down; the next login of the maildrop must delete exactly those (even if a kill cuts that login short, the login
  after it finishes the job), and no other message may go.

Usage: expire_faults.py [--kills N] [--seed S] [--workers W] [--policy zero|days|both] [--keep]
                        [--postgres URL --postgres-password-file FILE]
Exit status: 0 when no violation was found, 1 otherwise, 2 when the harness itself failed.
"""

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pop3harness as h  # noqa: E402

USERS = ["exp%d" % index for index in range(1, 7)]
MESSAGES_PER_USER = 30
PRESENT, GONE, EITHER = "present", "gone", "either"


class Model:
    """Every message by base name (which is its UIDL) and what must be true of it."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.lock = threading.Lock()
        self.state = {}  # (user, base) -> PRESENT, GONE or EITHER
        self.uncertain = {}  # session -> set of (user, base): QUIT sent, no answer
        self.violations = []
        self.checks = 0
        self.count = 0

    def next_number(self):
        self.count += 1
        return self.count

    def violation(self, text):
        with self.lock:
            self.violations.append(text)
        print("VIOLATION: " + text)

    def deliver(self, rng, user, number):
        base = "%d.M%dP%d.expire" % (1_700_000_000 + number, number, rng.randrange(1 << 20))
        folder = os.path.join(self.maildir, user, "new")
        with open(os.path.join(folder, base), "wb") as message:
            message.write(b"From: a@example.org\r\nSubject: %s\r\n\r\nbody %d\r\n" % (base.encode(), number))
        self.state[(user, base)] = PRESENT

    def on_disk(self, user):
        """Base names of the user's files in new/ and cur/."""
        names = set()
        for sub in ("new", "cur"):
            for name in os.listdir(os.path.join(self.maildir, user, sub)):
                names.add(name.split(":", 1)[0])
        return names

    def check(self, label):
        """After recovery and a login of every maildrop: the states hold, and an unanswered QUIT went all or
        nothing; what is now known replaces EITHER."""
        disk = {user: self.on_disk(user) for user in USERS}
        for session, keys in sorted(self.uncertain.items()):
            present = [key for key in keys if key[1] in disk[key[0]]]
            if present and len(present) != len(keys):
                self.violation("%s: session %s sent QUIT unanswered; %d of its %d expiring messages are still there"
                               % (label, session, len(present), len(keys)))
        self.uncertain.clear()
        for (user, base), state in sorted(self.state.items()):
            self.checks += 1
            there = base in disk[user]
            if state == PRESENT and not there:
                self.violation("%s: %s/%s deleted before its time" % (label, user, base))
            elif state == GONE and there:
                self.violation("%s: %s/%s left after its time" % (label, user, base))
            elif state == EITHER:
                self.state[(user, base)] = PRESENT if there else GONE
        for user in USERS:
            for base in self.on_disk(user):
                self.state.setdefault((user, base), PRESENT)


def session(port, rng, user, model, policy, stats, name, phase):
    """Logs in, retrieves a few messages, then QUITs or drops the connection; records what EXPIRE 0 must do."""
    retrieved = set()
    try:
        client = h.Pop3Client(port)
        answer = client.login(user, h.password_for(user))
        if not answer.startswith(b"+OK"):
            client.drop()
            stats.add("in_use" if b"[IN-USE]" in answer else "refused")
            return
        stats.add("logins")
        listing = client.uidl() or {}
        for number in rng.sample(sorted(listing), min(len(listing), rng.randint(1, 3))):
            answer, lines = client.retr(number)
            if lines is not None:
                retrieved.add((user, listing[number]))
                stats.add("retr")
            if phase.is_set():
                break
        if rng.random() < 0.25:
            client.drop()
            stats.add("dropped")
            return
        if policy == "zero":
            with model.lock:
                for key in retrieved:
                    if model.state.get(key) == PRESENT:
                        model.state[key] = EITHER
                model.uncertain[name] = set(retrieved)
        answer = client.command("QUIT")
        if answer.startswith(b"+OK") and policy == "zero":
            with model.lock:
                for key in model.uncertain.pop(name, set()):
                    model.state[key] = GONE
        elif not answer.startswith(b"+OK"):
            model.violation("session %s: QUIT answered %r" % (name, answer))
        stats.add("quit_ok")
        client.drop()
    except h.ConnectionLost:
        # Cut by a kill: before QUIT nothing may go; after it the model holds the session as uncertain.
        stats.add("cut")


def worker(port, rng, model, policy, stats, stop, free, counter):
    while not stop.is_set():
        with counter["lock"]:
            if not free:
                user = None
            else:
                user = free.pop(rng.randrange(len(free)))
            counter["n"] += 1
            name = counter["n"]
        if user is None:
            time.sleep(0.01)
            continue
        try:
            session(port, rng, user, model, policy, stats, name, stop)
        except OSError:
            stats.add("connect_failed")
        finally:
            with counter["lock"]:
                free.append(user)


def login_everyone(port, model, label):
    """One login (and QUIT, nothing retrieved) per maildrop: recovers its journal (PostgreSQL) and runs its
    retention sweep; a maildrop [IN-USE] with no client left is a violation."""
    for user in USERS:
        deadline = time.monotonic() + 20
        while True:
            client = h.Pop3Client(port)
            answer = client.login(user, h.password_for(user))
            if answer.startswith(b"+OK"):
                client.command("QUIT")
                client.drop()
                break
            client.drop()
            if b"[IN-USE]" not in answer or time.monotonic() > deadline:
                model.violation("%s: login of %s answered %r" % (label, user, answer))
                break
            time.sleep(0.05)


def write(database, sql, args):
    """One committed write (the harness's query() leaves SQLite writes uncommitted; psql commits each)."""
    if database.kind != "sqlite":
        h.query(database, sql, args)
        return
    connection = sqlite3.connect(database.path, timeout=30)
    with connection:
        connection.execute(sql, args)
    connection.close()


def age_some(database, model, rng, stats):
    """EXPIRE 1: moves the first retrieval of some messages two days back (pop3d is down); they are now due."""
    rows = h.query(database, "SELECT user_name, uidl FROM message_retrievals")
    due = [(str(user), str(uidl)) for user, uidl in rows if rng.random() < 0.4]
    for user, uidl in due:
        write(database, "UPDATE message_retrievals SET first_retrieved = first_retrieved - 172800 "
                        "WHERE user_name = ? AND uidl = ?", (user, uidl))
        if model.state.get((user, uidl)) in (PRESENT, EITHER):
            model.state[(user, uidl)] = GONE
    stats.add("aged", len(due))


def run_policy(policy, args, rng, workdir, database, stats):
    maildir = os.path.join(workdir, "mail-" + policy)
    model = Model(maildir)
    for user in USERS:
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(maildir, user, sub))
        for _ in range(MESSAGES_PER_USER):
            model.deliver(rng, user, model.next_number())
    flag = "0" if policy == "zero" else "1"
    server = h.Pop3d(os.path.join(workdir, policy), maildir, database, extra=["--expire", flag],
                     node="expire-" + policy if args.postgres else None)
    server.start()
    h.add_users(database, {user: h.password_for(user) for user in USERS})
    for kill in range(args.kills):
        stop = threading.Event()
        free = list(USERS)
        counter = {"lock": threading.Lock(), "n": kill * 100_000}
        threads = [threading.Thread(target=worker, args=(server.port, random.Random(rng.random()), model, policy,
                                                         stats, stop, free, counter)) for _ in range(args.workers)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.05, 0.8))
        server.kill()
        stop.set()
        for thread in threads:
            thread.join()
        stats.add("kills")
        if policy == "days":
            age_some(database, model, rng, stats)
        server.start()
        label = "%s kill %d" % (policy, kill + 1)
        login_everyone(server.port, model, label)
        open_rows = h.query(database, "SELECT state, count(*) FROM deletion_journal WHERE state IN "
                                      "('pending', 'committing') GROUP BY state")
        if open_rows:
            model.violation("%s: journal rows left after recovery: %s" % (label, open_rows))
        model.check(label)
        # New mail keeps every maildrop with something to retrieve.
        for user in USERS:
            for _ in range(8):
                model.deliver(rng, user, model.next_number())
    server.terminate()
    gone = sum(1 for state in model.state.values() if state == GONE)
    print("EXPIRE %s: %d messages tracked, %d deleted by the policy, %d checks"
          % (flag, len(model.state), gone, model.checks))
    return model.violations


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--policy", choices=["zero", "days", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--postgres-password-file", metavar="FILE")
    args = parser.parse_args()
    if bool(args.postgres) != bool(args.postgres_password_file):
        parser.error("--postgres and --postgres-password-file go together")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = tempfile.mkdtemp(prefix="pop3d-expire-")
    policies = ["zero", "days"] if args.policy == "both" else [args.policy]
    stats = h.Stats()
    violations = []
    database = None
    try:
        h.build_pop3d(workdir)
        for policy in policies:
            if args.postgres:
                database = h.PostgresDatabase(args.postgres, args.postgres_password_file, node="expire-" + policy)
            else:
                database = h.SQLiteDatabase(os.path.join(workdir, "pop3d-%s.sqlite" % policy))
            print("expire faults: seed %d, EXPIRE %s, %d kills, %d workers, %s, work directory %s"
                  % (seed, "0" if policy == "zero" else "1", args.kills, args.workers, database.kind, workdir))
            violations += run_policy(policy, args, rng, workdir, database, stats)
            if args.postgres:
                database.drop()
                database = None
    except h.HarnessError as error:
        print("harness error: %s" % error)
        return 2
    finally:
        if database is not None and args.postgres:
            database.drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("sessions: logins %d, RETR %d, QUIT +OK %d, dropped %d, cut by a kill %d, IN-USE %d; kills %d; "
          "retrievals aged past EXPIRE 1: %d" % (stats.get("logins"), stats.get("retr"), stats.get("quit_ok"),
                                                 stats.get("dropped"), stats.get("cut"), stats.get("in_use"),
                                                 stats.get("kills"), stats.get("aged")))
    print("violations: %d" % len(violations))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
