#!/usr/bin/env python3
"""Kills the real pop3d with SIGKILL at random moments under concurrent client load, restarts it on the same
maildir and database, and checks after every restart that no message was lost and none was deleted unless its
session said QUIT.

Usage: fault_injection.py [--kills N] [--seed S] [--workers W] [--keep]
                          [--postgres URL --postgres-password-file FILE]
With --postgres, pop3d runs on a database of its own (created and dropped here) on that PostgreSQL server, as one
node, and the checks read PostgreSQL's journal through psql.
Exit status: 0 when no violation was found, 1 otherwise, 2 when the harness itself failed.
"""

import argparse
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pop3harness as h  # noqa: E402

USERS = [h.DEFAULT_USER] + ["user%d" % index for index in range(1, 8)]
MESSAGES_PER_USER = 40


class Phase:
    """One life of the server: workers run sessions until the server dies; one of them may be the killer."""

    def __init__(self, server, mode, quit_delay):
        self.server = server
        self.port = server.port
        self.stop = threading.Event()
        self.mode = mode  # "random", "after_quit" or "commit_window"
        self.kill_after_quit = mode == "after_quit"
        self.killed_after_quit = False
        self.quit_delay = quit_delay  # seconds: up to about one QUIT round trip
        self.free_users = list(USERS)
        self.lock = threading.Lock()

    def take_user(self, rng):
        with self.lock:
            if not self.free_users:
                return None
            return self.free_users.pop(rng.randrange(len(self.free_users)))

    def give_back(self, user):
        with self.lock:
            self.free_users.append(user)

    def quit_hook(self, rng):
        """Kills the server right after a QUIT carrying deletions left, a few hundred microseconds to a few ms
        later, to land between the journal's committing mark and the last unlink."""
        def hook(deletions):
            with self.lock:
                armed = self.kill_after_quit and not self.killed_after_quit and deletions >= 2
                if armed:
                    self.killed_after_quit = True
            if armed:
                deadline = time.perf_counter() + rng.uniform(0.0, self.quit_delay)
                while time.perf_counter() < deadline:
                    pass
                os.kill(self.server.pid, signal.SIGKILL)
                self.stop.set()
        return hook


def watch_commits(phase, database):
    """Kills the server the moment a session's journal rows turn committing (the unlinks have not all run)."""
    watcher = database.watcher()
    try:
        while not phase.stop.is_set():
            if watcher.first("SELECT 1 FROM deletion_journal WHERE state = 'committing' LIMIT 1"):
                os.kill(phase.server.pid, signal.SIGKILL)
                phase.killed_after_quit = True
                phase.stop.set()
    finally:
        watcher.close()


def worker(phase, model, stats, seed, counter):
    rng = random.Random(seed)
    while not phase.stop.is_set():
        user = phase.take_user(rng)
        if user is None:
            time.sleep(0.002)
            continue
        with counter["lock"]:
            counter["n"] += 1
            session = "c%d" % counter["n"]
        try:
            aggressive = phase.mode != "random" and rng.random() < 0.5
            outcome = h.mail_session(
                model, phase.port, rng, user, session, stats,
                ending="quit" if aggressive else None,
                operations=25 if aggressive else 12,
                dele_weight=0.6 if aggressive else 0.35,
                on_quit_sent=phase.quit_hook(rng))
        finally:
            phase.give_back(user)
        stats.add("sessions")
        if outcome == "refused":
            time.sleep(0.01)


def replenish(model, rng):
    for user in USERS:
        if model.live_count(user) < MESSAGES_PER_USER // 2:
            for _ in range(MESSAGES_PER_USER - model.live_count(user)):
                model.deliver(rng, user, large=rng.random() < 0.03, into="new" if rng.random() < 0.7 else "cur")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--postgres", metavar="URL",
                        help="run pop3d on PostgreSQL: the server's URL (postgresql://USER@HOST:PORT/postgres)")
    parser.add_argument("--postgres-password-file", metavar="FILE", help="the password for --postgres")
    parser.add_argument("--inject-loss", action="store_true",
                        help="self-test: remove one message that must be kept while the server is down; the run "
                             "must then report a violation")
    args = parser.parse_args()
    if bool(args.postgres) != bool(args.postgres_password_file):
        parser.error("--postgres and --postgres-password-file go together")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = tempfile.mkdtemp(prefix="pop3d-faults-")
    maildir = os.path.join(workdir, "mail")
    try:
        h.build_pop3d(workdir)
        if args.postgres:
            database = h.PostgresDatabase(args.postgres, args.postgres_password_file, node="faults")
        else:
            database = h.SQLiteDatabase(os.path.join(workdir, "pop3d.sqlite"))
    except h.HarnessError as error:
        print("harness error: %s" % error)
        return 2
    print("fault injection: seed %d, %d kills, %d workers, %s, work directory %s"
          % (seed, args.kills, args.workers, database.kind, workdir))
    model = h.MailModel(maildir)
    stats = h.Stats()
    for user in USERS:
        model.make_user(user)
        for _ in range(MESSAGES_PER_USER):
            model.deliver(rng, user, large=rng.random() < 0.03, into="new" if rng.random() < 0.6 else "cur")
    server = h.Pop3d(workdir, maildir, database)
    started = time.monotonic()
    counter = {"lock": threading.Lock(), "n": 0}
    window_hits = partial_commits = recovered_logged = 0
    previous_totals = {}
    try:
        server.start()
        h.add_users(database, {user: h.password_for(user) for user in USERS if user != h.DEFAULT_USER})
        for kill in range(1, args.kills + 1):
            phase_started = time.time()
            mode = rng.choices(["random", "after_quit", "commit_window"], [40, 30, 30])[0]
            phase = Phase(server, mode, quit_delay=rng.uniform(0.0, 0.003))
            threads = [threading.Thread(target=worker, args=(phase, model, stats, rng.randrange(1 << 30), counter))
                       for _ in range(args.workers)]
            if mode == "commit_window":
                threads.append(threading.Thread(target=watch_commits, args=(phase, database)))
            for thread in threads:
                thread.start()
            # Random moment; in after-QUIT phases a worker usually kills first, this is the fallback.
            phase.stop.wait(rng.uniform(0.2, 2.5) * (1 if mode == "random" else 2))
            phase.stop.set()
            server.kill()
            for thread in threads:
                thread.join()
            stats.add(("kills_" + mode) if phase.killed_after_quit else "kills_random")

            # The server is dead: look at what it left (read-only, as an operator would).
            committing = h.query(database, "SELECT %s, base_name FROM deletion_journal WHERE state = 'committing'"
                                 % database.user_column, read_only=True)
            if committing:
                window_hits += 1
                present = sum(1 for user, base in committing if base in model.scan(user))
                if 0 < present < len(committing):
                    partial_commits += 1
            for metric, total in h.counter_totals(database, since=phase_started).items():
                if metric in previous_totals and total < previous_totals[metric]:
                    model.violation("kill %d: %s went back from %s to %s after a restart"
                                    % (kill, metric, previous_totals[metric], total))
            totals = h.counter_totals(database)
            for metric, total in previous_totals.items():
                if totals.get(metric, 0) < total:
                    model.violation("kill %d: stored total of %s fell from %s to %s" % (kill, metric, total,
                                                                                         totals.get(metric)))
            previous_totals = totals

            replenish(model, rng)
            if args.inject_loss and kill == 1:
                inject_loss(model)
            server.start()
            finished = re.search(rb"finished=(\d+) .*deletion journal recovered", server.log())
            if finished and int(finished.group(1)) > 0:
                recovered_logged += 1
            check_restart(server, database, model, "restart %d" % kill)
        code, seconds = server.terminate()
        if code != 0:
            model.violation("SIGTERM at the end: exit code %s after %.1f s" % (code, seconds))
        model.check_files("final")
    except h.HarnessError as error:
        print("harness error: %s" % error)
        server.kill()
        return 2
    finally:
        server.kill()
        if isinstance(database, h.PostgresDatabase):
            if model.violations or args.keep:
                print("kept PostgreSQL database %s" % database.url)
            else:
                database.drop()
    elapsed = time.monotonic() - started
    report(args, stats, model, elapsed, window_hits, partial_commits, recovered_logged)
    if not model.violations and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if model.violations else 0


def inject_loss(model):
    for (user, base), message in sorted(model.messages.items()):
        paths = model.scan(user).get(base)
        if message.state == h.PRESENT and paths:
            os.unlink(paths[0])
            print("self-test: removed %s" % paths[0])
            return


def check_restart(server, database, model, label):
    """After start-up recovery (pop3d logged listening), before any client: the invariants."""
    problem = database.integrity_problem()
    if problem:
        model.violation("%s: integrity check says %s" % (label, problem))
    open_rows = h.query(database, "SELECT state, count(*) FROM deletion_journal WHERE state IN ('pending', "
                                  "'committing') GROUP BY state")
    if open_rows:
        model.violation("%s: journal rows left after recovery: %s" % (label, open_rows))
    model.check_files(label)


def report(args, stats, model, elapsed, window_hits, partial_commits, recovered_logged):
    tracked = len(model.messages)
    gone = sum(1 for message in model.messages.values() if message.state == h.GONE)
    print("kills: %d in %.1f s (%d a few ms after a QUIT with deletions, %d the moment journal rows turned "
          "committing, %d at random moments)" % (args.kills, elapsed, stats.get("kills_after_quit"),
                                                stats.get("kills_commit_window"), stats.get("kills_random")))
    print("kills that left journal rows committing: %d, with the session's files half removed: %d; restarts whose "
          "recovery finished deletions: %d" % (window_hits, partial_commits, recovered_logged))
    print("sessions: %d (logins %d, IN-USE %d, QUIT +OK %d, QUIT unanswered %d, cut by a kill %d, dropped by the "
          "client %d)" % (stats.get("sessions"), stats.get("logins"), stats.get("in_use"), stats.get("quit_ok"),
                          stats.get("quit_unanswered") + stats.get("cut_after_quit"), stats.get("cut"),
                          stats.get("dropped")))
    print("commands: RETR verified %d, DELE %d, RSET %d" % (stats.get("retr"), stats.get("dele"), stats.get("rset")))
    print("messages: %d tracked, %d deleted through QUIT, %d checks" % (tracked, gone, model.checks))
    model.print_verdict()


if __name__ == "__main__":
    sys.exit(main())
