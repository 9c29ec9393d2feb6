#!/usr/bin/env python3
"""Kills the real pop3d with SIGKILL at random moments under concurrent client load, restarts it on the same
maildir and database, and checks after every restart that no message was lost and none was deleted unless its
session said QUIT.

Usage: fault_injection.py [--kills N] [--seed S] [--workers W] [--keep]
                          [--postgres URL --postgres-password-file FILE [--nodes N]]
With --postgres, pop3d runs on a database of its own (created and dropped here) on that PostgreSQL server, and the
checks read PostgreSQL's journal through psql. With --nodes 2, two pop3d nodes (different --node-name) serve that
database and one maildir folder: each session goes to either node, each kill hits one of them, and the killed node
is restarted while the other keeps serving.
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
NODE_NAMES = ["faults-a", "faults-b", "faults-c", "faults-d"]
RECOVERED = re.compile(r"deletion journal recovered")
FINISHED = re.compile(r"\bfinished=(\d+)")
RECOVERED_USER = re.compile(r"\buser=(\S+)")
# A QUIT followed at once by a FIN is applied within this time, unless its node dies first.
QUIT_GRACE_SECONDS = 2.0


class Phase:
    """One life of the victim node: workers run sessions on every node until the victim is killed (and, with
    several nodes, restarted); one of them, or the commit watcher, may be the killer."""

    def __init__(self, nodes, victim, mode, quit_delay):
        self.nodes = nodes
        self.victim = victim
        self.single = len(nodes) == 1
        self.stop = threading.Event()  # workers finish their session and stop
        self.killed = threading.Event()
        self.killed_at = None
        self.in_use_times = []  # when sessions got [IN-USE] (monotonic)
        self.quit_closes = []  # (session, node, the node's epoch at the session's start, when the FIN went out)
        self.kill_cause = None  # "after_quit", "commit_window" or "random"
        self.mode = mode  # "random", "after_quit" or "commit_window"
        self.quit_delay = quit_delay  # seconds: up to about one QUIT round trip
        self.free_users = list(USERS)
        self.lock = threading.Lock()
        # user -> (session, node, the node's epoch before the login was sent): logged in, neither QUIT nor the
        # drop sent yet. The node's epoch counts its kills, so a lock freed by a kill is told from a leak.
        self.held = {}

    def take_user(self, rng):
        with self.lock:
            if not self.free_users:
                return None
            return self.free_users.pop(rng.randrange(len(self.free_users)))

    def give_back(self, user):
        with self.lock:
            self.free_users.append(user)

    def kill_victim(self, cause):
        """SIGKILL to the victim, once per phase; the epoch moves first, before PostgreSQL can free its locks."""
        with self.lock:
            if self.killed.is_set():
                return
            self.victim.epoch += 1
            self.kill_cause = cause
            self.killed_at = time.monotonic()
            try:
                os.kill(self.victim.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.killed.set()
            if self.single:
                self.stop.set()  # every session dies with the only node

    def note_in_use(self):
        with self.lock:
            self.in_use_times.append(time.monotonic())

    def note_quit_close(self, session, node, epoch):
        with self.lock:
            self.quit_closes.append((session, node, epoch, time.monotonic()))

    def quit_hook(self, rng, node):
        """Kills the victim right after a QUIT carrying deletions left for it, a few hundred microseconds to a few
        ms later, to land between the journal's committing mark and the last unlink."""
        def hook(deletions):
            if self.mode != "after_quit" or node is not self.victim or deletions < 2 or self.killed.is_set():
                return
            deadline = time.perf_counter() + rng.uniform(0.0, self.quit_delay)
            while time.perf_counter() < deadline:
                pass
            self.kill_victim("after_quit")
        return hook

    def holding(self, user, session, node, epoch):
        """(on_login, on_leave) for mail_session: the user's maildrop counts as held by session in between."""
        def on_login():
            with self.lock:
                self.held[user] = (session, node, epoch)

        def on_leave():
            with self.lock:
                if self.held.get(user, (None,))[0] == session:
                    del self.held[user]
        return on_login, on_leave


def watch_commits(phase, database):
    """Kills the victim the moment one of its sessions' journal rows turn committing (the unlinks have not all
    run)."""
    watcher = database.watcher()
    sql = "SELECT 1 FROM deletion_journal WHERE state = 'committing'"
    if phase.victim.node is not None:
        sql += " AND node = %s" % h.sql_literal(phase.victim.node)
    try:
        while not phase.stop.is_set() and not phase.killed.is_set():
            if watcher.first(sql + " LIMIT 1"):
                phase.kill_victim("commit_window")
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
        node = rng.choice(phase.nodes)
        epoch = node.epoch
        on_login, on_leave = phase.holding(user, session, node, epoch)
        try:
            aggressive = phase.mode != "random" and rng.random() < 0.5
            outcome = h.mail_session(
                model, node.port, rng, user, session, stats,
                ending="quit" if aggressive else None,
                operations=25 if aggressive else 12,
                dele_weight=0.6 if aggressive else 0.35,
                on_quit_sent=phase.quit_hook(rng, node), on_login=on_login, on_leave=on_leave)
        finally:
            phase.give_back(user)
        stats.add("sessions")
        if not phase.single:
            stats.add("sessions " + node.node)
        if outcome == "in_use":
            phase.note_in_use()
        elif outcome == "quit_close":
            phase.note_quit_close(session, node, epoch)
        if outcome == "refused":
            time.sleep(0.01)


def probe(phase, model, stats, seed):
    """Second logins: a user whose maildrop a worker's session holds, on any node, must get [IN-USE]. +OK while that
    session is still between its login and its QUIT or drop, and its node was not killed since, is a violation."""
    rng = random.Random(seed)
    while not phase.stop.is_set():
        time.sleep(rng.uniform(0.01, 0.04))
        with phase.lock:
            if not phase.held:
                continue
            user, (session, node, epoch) = rng.choice(list(phase.held.items()))
        target = rng.choice(phase.nodes)
        try:
            client = h.Pop3Client(target.port, timeout=10)
        except (OSError, h.ConnectionLost):
            continue  # that node is down right now
        try:
            if not client.greeting.startswith(b"+OK"):
                continue
            stats.add("probes")
            answer = client.login(user, h.password_for(user), plain=rng.random() < 0.3)
            if b"[IN-USE]" in answer:
                stats.add("probe_in_use")
            elif answer.startswith(b"+OK"):
                with phase.lock:
                    still = phase.held.get(user, (None,))[0] == session and node.epoch == epoch
                if still and not lock_lost(node):
                    model.violation("%s logged in on %s while session %s on %s held the maildrop (second login "
                                    "not refused with [IN-USE])" % (user, target.node, session, node.node))
                else:
                    stats.add("probe_after_release")
                client.command("QUIT")
            else:
                stats.add("probe_refused")
        except h.ConnectionLost:
            stats.add("probe_cut")
        finally:
            client.drop()


def lock_lost(node):
    """Whether the node logged that its lock connection broke (it then ends the sessions holding maildrops)."""
    return b"lost the lock connection" in node.log()


def replenish(model, rng):
    for user in USERS:
        if model.live_count(user) < MESSAGES_PER_USER // 2:
            for _ in range(MESSAGES_PER_USER - model.live_count(user)):
                model.deliver(rng, user, large=rng.random() < 0.03, into="new" if rng.random() < 0.6 else "cur")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--postgres", metavar="URL",
                        help="run pop3d on PostgreSQL: the server's URL (postgresql://USER@HOST:PORT/postgres)")
    parser.add_argument("--postgres-password-file", metavar="FILE", help="the password for --postgres")
    parser.add_argument("--nodes", type=int, default=1,
                        help="pop3d nodes on the one database and maildir (more than 1 only with --postgres)")
    parser.add_argument("--inject-loss", action="store_true",
                        help="self-test: remove one message that must be kept while the server is down; the run "
                             "must then report a violation")
    args = parser.parse_args()
    if bool(args.postgres) != bool(args.postgres_password_file):
        parser.error("--postgres and --postgres-password-file go together")
    if not 1 <= args.nodes <= len(NODE_NAMES):
        parser.error("--nodes is 1 to %d" % len(NODE_NAMES))
    if args.nodes > 1 and not args.postgres:
        parser.error("--nodes above 1 needs --postgres (nodes share a PostgreSQL database)")
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
    print("fault injection: seed %d, %d kills, %d workers, %s%s, work directory %s"
          % (seed, args.kills, args.workers, database.kind,
             ", %d nodes on one database and maildir" % args.nodes if args.nodes > 1 else "", workdir))
    model = h.MailModel(maildir)
    stats = h.Stats()
    for user in USERS:
        model.make_user(user)
        for _ in range(MESSAGES_PER_USER):
            model.deliver(rng, user, large=rng.random() < 0.03, into="new" if rng.random() < 0.6 else "cur")
    if args.nodes == 1:
        nodes = [h.Pop3d(workdir, maildir, database)]
        nodes[0].node = "faults" if args.postgres else None
    else:
        # Each node in a folder of its own, as on its own machine: its logs, message index file and token file.
        nodes = [h.Pop3d(os.path.join(workdir, name), maildir, database, node=name)
                 for name in NODE_NAMES[:args.nodes]]
    for node in nodes:
        node.epoch = 0
    started = time.monotonic()
    counter = {"lock": threading.Lock(), "n": 0}
    tally = {"window_hits": 0, "partial_commits": 0, "recovered_kills": 0, "recoveries_load": 0,
             "recoveries_sweep": 0, "recoveries_start": 0, "lock_release": []}
    previous_totals = {}
    try:
        for node in nodes:
            node.start()
        h.add_users(database, {user: h.password_for(user) for user in USERS if user != h.DEFAULT_USER})
        for kill in range(1, args.kills + 1):
            run_phase(kill, args, rng, nodes, database, model, stats, counter, tally, previous_totals)
        for node in nodes:
            code, seconds = node.terminate()
            if code != 0:
                model.violation("SIGTERM of %s at the end: exit code %s after %.1f s" % (node.node, code, seconds))
        model.check_files("final")
    except h.HarnessError as error:
        print("harness error: %s" % error)
        for node in nodes:
            node.kill()
        return 2
    finally:
        for node in nodes:
            node.kill()
        if isinstance(database, h.PostgresDatabase):
            if model.violations or args.keep:
                print("kept PostgreSQL database %s" % database.url)
            else:
                database.drop()
    elapsed = time.monotonic() - started
    report(args, stats, model, elapsed, tally, nodes)
    if not model.violations and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if model.violations else 0


def run_phase(kill, args, rng, nodes, database, model, stats, counter, tally, previous_totals):
    """One kill: load on every node, SIGKILL to one, its restart (with several nodes, under load on the others), then
    the checks once every client has left."""
    victim = nodes[rng.randrange(len(nodes))]
    mode = rng.choices(["random", "after_quit", "commit_window"], [40, 30, 30])[0]
    phase = Phase(nodes, victim, mode, quit_delay=rng.uniform(0.0, 0.003))
    lock_backends = []
    if victim.node is not None:
        lock_backends = [pid for (pid,) in h.query(
            database, "SELECT pid FROM pg_stat_activity WHERE application_name = ?", ("pop3d %s locks" % victim.node,))]
    threads = [threading.Thread(target=worker, args=(phase, model, stats, rng.randrange(1 << 30), counter))
               for _ in range(args.workers)]
    if mode == "commit_window":
        threads.append(threading.Thread(target=watch_commits, args=(phase, database)))
    if not phase.single:
        threads.append(threading.Thread(target=probe, args=(phase, model, stats, rng.randrange(1 << 30))))
    for thread in threads:
        thread.start()
    try:
        # Random moment; in after-QUIT and commit-window phases a worker or the watcher usually kills first.
        if not phase.killed.wait(rng.uniform(0.2, 2.5) * (1 if mode == "random" else 2)):
            phase.kill_victim("random")
        victim.kill()  # reaps it
        stats.add("kills_" + phase.kill_cause)
        stats.add("kills on " + str(victim.node))
        # What the dead node left (read-only, as an operator would), before PostgreSQL frees its locks and
        # another node's logins finish it.
        sql = "SELECT %s, base_name FROM deletion_journal WHERE state = 'committing'" % database.user_column
        if victim.node is not None:
            sql += " AND node = %s" % h.sql_literal(victim.node)
        committing = h.query(database, sql, read_only=True)
        if committing:
            tally["window_hits"] += 1
            present = sum(1 for user, base in committing if base in model.scan(user))
            if 0 < present < len(committing):
                tally["partial_commits"] += 1

        if lock_backends:
            # PostgreSQL frees the dead node's advisory locks when the backend of its lock connection exits.
            while h.query(database, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s" % lock_backends[0]) \
                    != [("0",)]:
                if time.monotonic() - phase.killed_at > 30:
                    model.violation("kill %d: the lock connection of %s still open 30 s after its SIGKILL"
                                    % (kill, victim.node))
                    break
                time.sleep(0.002)
            released = time.monotonic()
            tally["lock_release"].append(released - phase.killed_at)

        if phase.single:
            for thread in threads:
                thread.join()
        else:
            time.sleep(rng.uniform(0.2, 1.0))  # the other nodes serve alone for a while
        replenish(model, rng)
        if args.inject_loss and kill == 1:
            inject_loss(model)
        restarted = time.time()
        victim.start()
        if not phase.single:
            time.sleep(rng.uniform(0.3, 1.5))  # every node serves for a while before the clients leave
    finally:
        phase.stop.set()
        for thread in threads:
            thread.join()
    if lock_backends:
        stats.add("in_use_dead_locks", sum(1 for moment in phase.in_use_times
                                           if phase.killed_at <= moment <= released))

    label = "kill %d (%s)" % (kill, victim.node) if not phase.single else "restart %d" % kill
    recovered_users = set()
    if isinstance(database, h.SQLiteDatabase):
        # Start-up recovery is done once pop3d listens: the checks come before any client.
        recovered_users |= recoveries(nodes, tally, "recoveries_start")
        settled = check_journal_and_files(database, model, label)
    else:
        # On PostgreSQL a maildrop's journal is recovered when its lock is taken, at a login on any node: open each
        # maildrop once, so every killed session's rows are finished or dropped, then check.
        recovered_users |= recoveries(nodes, tally, "recoveries_load")
        sweep(nodes, model, stats, rng, label)
        recovered_users |= recoveries(nodes, tally, "recoveries_sweep")
        settled = check_journal_and_files(database, model, label)
    if recovered_users:
        tally["recovered_kills"] += 1
    check_quit_closes(phase, settled, model, stats, label)
    check_counters(database, nodes, victim, restarted, model, previous_totals, label)


def recoveries(nodes, tally, key):
    """Reads the nodes' new log lines: counts 'deletion journal recovered' lines that finished deletions under key,
    and returns their users."""
    users = set()
    for node in nodes:
        for line in node.new_log_lines():
            if RECOVERED.search(line):
                finished = FINISHED.search(line)
                if finished and int(finished.group(1)) > 0:
                    tally[key] += 1
                    user = RECOVERED_USER.search(line)
                    users.add(user.group(1) if user else "?")
    return users


def sweep(nodes, model, stats, rng, label):
    """Every client has left: logs each user in once (on a node picked at random), checks the listing and QUITs
    without deletions. The login takes the maildrop's lock, and with it recovers what killed sessions left. A
    maildrop still [IN-USE] after 20 s is a violation: no session is left to hold it."""
    for user in USERS:
        node = rng.choice(nodes)
        deadline = time.monotonic() + 20
        while True:
            try:
                client = h.Pop3Client(node.port)
                login_sent = time.monotonic()
                answer = client.login(user, h.password_for(user))
                if b"[IN-USE]" in answer:
                    client.drop()
                    stats.add("sweep_in_use")
                    if time.monotonic() > deadline:
                        model.violation("%s: %s still [IN-USE] on %s 20 s after every client left"
                                        % (label, user, node.node))
                        break
                    time.sleep(0.05)
                    continue
                if not answer.startswith(b"+OK"):
                    model.violation("%s: sweep login of %s on %s refused: %r" % (label, user, node.node, answer))
                    client.drop()
                    break
                listing = client.uidl()
                if listing is None:
                    model.violation("%s: sweep UIDL of %s refused" % (label, user))
                else:
                    model.check_listing("%s sweep" % label, user, list(listing.values()), login_sent)
                answer = client.command("QUIT")
                if not answer.startswith(b"+OK"):
                    model.violation("%s: sweep QUIT of %s answered %r" % (label, user, answer))
                client.drop()
                break
            except h.ConnectionLost as error:
                raise h.HarnessError("%s: sweep session of %s on %s lost: %s" % (label, user, node.node, error))


def inject_loss(model):
    for (user, base), message in sorted(model.messages.items()):
        paths = model.scan(user).get(base)
        if message.state == h.PRESENT and paths:
            os.unlink(paths[0])
            print("self-test: removed %s" % paths[0])
            return


def check_journal_and_files(database, model, label):
    """Every maildrop recovered (at start-up on SQLite, by the sweep on PostgreSQL) and no client left: the
    invariants."""
    problem = database.integrity_problem()
    if problem:
        model.violation("%s: integrity check says %s" % (label, problem))
    open_rows = h.query(database, "SELECT state, count(*) FROM deletion_journal WHERE state IN ('pending', "
                                  "'committing') GROUP BY state")
    if open_rows:
        model.violation("%s: journal rows left after recovery: %s" % (label, open_rows))
    return model.check_files(label)


def check_quit_closes(phase, settled, model, stats, label):
    """A client that sends QUIT and closes its connection (FIN) without waiting for the answer still has its
    deletions applied: the server read the QUIT before the end of the stream. Only sessions whose node lived on for
    QUIT_GRACE_SECONDS after the FIN are judged."""
    for session, node, epoch, closed_at in phase.quit_closes:
        outcomes = settled.get(session)
        if not outcomes:
            continue  # nothing deleted (or its messages were deleted again by a later session)
        lived = node.epoch == epoch or (node is phase.victim and node.epoch == epoch + 1
                                        and phase.killed_at - closed_at >= QUIT_GRACE_SECONDS)
        if not lived:
            stats.add("quit_close_killed")
        elif any(outcomes):
            model.violation("%s: session %s on %s sent QUIT and closed its connection; the node lived on, yet %d "
                            "of its %d deleted messages are still there" % (label, session, node.node,
                                                                            outcomes.count(True), len(outcomes)))
        else:
            stats.add("quit_close_applied")


def check_counters(database, nodes, victim, restarted, model, previous_totals, label):
    """Per node: the totals the restarted node stored are not below those stored before the kill, and no stored
    total fell."""
    for node in nodes:
        key = node.node
        before = previous_totals.get(key, {})
        if node is victim:
            for metric, total in h.counter_totals(database, since=restarted, node=node.node).items():
                if metric in before and total < before[metric]:
                    model.violation("%s: %s of %s went back from %s to %s after the restart"
                                    % (label, metric, key, before[metric], total))
        totals = h.counter_totals(database, node=node.node)
        for metric, total in before.items():
            if totals.get(metric, 0) < total:
                model.violation("%s: stored total of %s of %s fell from %s to %s"
                                % (label, metric, key, total, totals.get(metric)))
        previous_totals[key] = totals


def report(args, stats, model, elapsed, tally, nodes):
    tracked = len(model.messages)
    gone = sum(1 for message in model.messages.values() if message.state == h.GONE)
    print("kills: %d in %.1f s (%d a few ms after a QUIT with deletions, %d the moment journal rows turned "
          "committing, %d at random moments)" % (args.kills, elapsed, stats.get("kills_after_quit"),
                                                stats.get("kills_commit_window"), stats.get("kills_random")))
    if len(nodes) > 1:
        print("kills per node: %s; sessions per node: %s; connections refused by a node that was down: %d" % (
            ", ".join("%s %d" % (node.node, stats.get("kills on " + node.node)) for node in nodes),
            ", ".join("%s %d" % (node.node, stats.get("sessions " + node.node)) for node in nodes),
            stats.get("connect_failed")))
    if args.postgres:
        print("kills that left journal rows committing: %d, with the session's files half removed: %d; kills whose "
              "deletions recovery at a login finished: %d (recoveries that finished deletions: %d under load, %d "
              "at the sweep)" % (tally["window_hits"], tally["partial_commits"], tally["recovered_kills"],
                                 tally["recoveries_load"], tally["recoveries_sweep"]))
    else:
        print("kills that left journal rows committing: %d, with the session's files half removed: %d; restarts "
              "whose recovery finished deletions: %d" % (tally["window_hits"], tally["partial_commits"],
                                                         tally["recovered_kills"]))
    if tally["lock_release"]:
        waits = sorted(tally["lock_release"])
        print("a killed node's lock connection left PostgreSQL (and with it its maildrop locks) %.0f ms after the "
              "SIGKILL (median; longest %.0f ms); IN-USE answers in that time: %d"
              % (waits[len(waits) // 2] * 1000, waits[-1] * 1000, stats.get("in_use_dead_locks")))
    print("sessions: %d (logins %d, IN-USE %d, QUIT +OK %d, QUIT unanswered %d, cut by a kill %d, dropped by the "
          "client %d)" % (stats.get("sessions"), stats.get("logins"), stats.get("in_use"), stats.get("quit_ok"),
                          stats.get("quit_unanswered") + stats.get("cut_after_quit"), stats.get("cut"),
                          stats.get("dropped")))
    if len(nodes) > 1:
        print("second logins while a session held the maildrop: %d (IN-USE %d, in after the holder had left %d, "
              "other answers %d, cut %d); sweep logins that waited for a lock: %d"
              % (stats.get("probes"), stats.get("probe_in_use"), stats.get("probe_after_release"),
                 stats.get("probe_refused"), stats.get("probe_cut"), stats.get("sweep_in_use")))
    print("QUITs followed at once by a FIN, with deletions, on a node that lived on: %d applied; %d not judged "
          "(their node was killed within %.0f s)" % (stats.get("quit_close_applied"), stats.get("quit_close_killed"),
                                                     QUIT_GRACE_SECONDS))
    print("commands: RETR verified %d, DELE %d, RSET %d" % (stats.get("retr"), stats.get("dele"), stats.get("rset")))
    print("messages: %d tracked, %d deleted through QUIT, %d checks" % (tracked, gone, model.checks))
    model.print_verdict()


if __name__ == "__main__":
    sys.exit(main())
