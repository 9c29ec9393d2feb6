#!/usr/bin/env python3
"""Hundreds of concurrent POP3 sessions against the real pop3d for a bounded time, then checks that it is still
well: running, no unprovoked errors, memory and file descriptors back to their level, every message accounted
for; then SIGTERM under load: exit 0 in time, nothing deleted without QUIT, metrics and session rows flushed.

Usage: soak.py [--duration S] [--sessions N] [--seed S] [--keep]
Exit status: 0 when no violation was found, 1 otherwise, 2 when the harness itself failed.
"""

import argparse
import os
import random
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pop3harness as h  # noqa: E402

USER_COUNT = 120
MESSAGES_PER_USER = 12
SLOW_DRIP_CLIENTS = 4
WARM_UP_SECONDS = 5
SIGTERM_LOAD_SECONDS = 2.0
SIGTERM_BOUND_SECONDS = 10.0
RSS_SLACK_KIB = 32 * 1024


class Load:
    """Client threads that run sessions until stop is set."""

    def __init__(self, server, model, stats, users, sessions, seed):
        self.server, self.model, self.stats, self.users = server, model, stats, users
        self.sessions, self.seed = sessions, seed
        self.stop = threading.Event()
        self.stopping = threading.Event()  # set before SIGTERM: refused connections are expected from then on
        self.threads = []
        self.counter_lock = threading.Lock()
        self.counter = 0

    def session_id(self):
        with self.counter_lock:
            self.counter += 1
            return "s%d" % self.counter

    def start(self, label):
        self.stop.clear()
        rng = random.Random("%s-%s" % (self.seed, label))
        for index in range(self.sessions):
            target = self.slow_drip if index < SLOW_DRIP_CLIENTS else self.mixed
            self.threads.append(threading.Thread(target=target, args=(rng.randrange(1 << 30),), daemon=True))
        self.threads.append(threading.Thread(target=self.deliver, args=(rng.randrange(1 << 30),), daemon=True))
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
            if thread.is_alive():
                self.model.violation("a client thread still waits after 60 s (server stopped answering?)")
        self.threads = []

    # Client kinds ----------------------------------------------------------------------------------------------

    def mixed(self, seed):
        rng = random.Random(seed)
        while not self.stop.is_set():
            kind = rng.choices(["mail", "bad_input", "abrupt", "wrong_password", "idle"], [77, 8, 7, 3, 5])[0]
            self.stats.add("sessions")
            self.stats.add("kind_" + kind)
            try:
                if kind == "mail":
                    outcome = h.mail_session(self.model, self.server.port, rng, rng.choice(self.users),
                                             self.session_id(), self.stats, operations=8, dele_weight=0.15)
                    if outcome == "refused" and not self.stopping.is_set():
                        self.model.violation("a connection was refused while the server should be serving")
                        time.sleep(0.1)
                else:
                    getattr(self, kind)(rng)
            except h.ShutdownNotice:
                self.stats.add("shutdown_notice")
            except (h.ConnectionLost, OSError):
                self.stats.add("cut")

    def bad_input(self, rng):
        """Junk the server must answer with -ERR while the session goes on."""
        client = h.Pop3Client(self.server.port)
        probes = [b"\x00\xff\xfe junk", b"X" * 2000, b"RETR 1", b"STAT", b"LIST abc", b"\xc3\x28 DELE -1"]
        for probe in rng.sample(probes, 4):
            client.send(probe + b"\r\n")
            answer = client.line()
            if not answer.startswith(b"-ERR"):
                self.model.violation("bad input %r answered %r" % (probe[:20], answer))
        self.stats.add("bad_input_answered")
        answer = client.command("QUIT")
        if not answer.startswith(b"+OK"):
            self.model.violation("QUIT after bad input answered %r" % answer)
        client.close()

    def abrupt(self, rng):
        """Connect and vanish: before the greeting, after it, or in the middle of a login."""
        if rng.random() < 0.3:
            sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()
            return
        client = h.Pop3Client(self.server.port)
        if rng.random() < 0.5:
            client.send(b"USER " + rng.choice(self.users).encode() + b"\r\nPASS ")
        client.drop(reset=rng.random() < 0.5)

    def wrong_password(self, rng):
        client = h.Pop3Client(self.server.port)
        answer = client.login(rng.choice(self.users), "not-the-password")
        if b"[SYS/TEMP]" in answer:
            self.stats.add("busy")  # the bounded hashing queue shedding load, as designed
        elif b"[IN-USE]" not in answer and b"[AUTH]" not in answer:
            self.model.violation("a wrong password answered %r" % answer)
        client.command("QUIT")
        client.close()

    def idle(self, rng):
        client = h.Pop3Client(self.server.port)
        self.stop.wait(rng.uniform(0.5, 3.0))
        client.command("CAPA")
        client.multiline()
        client.command("QUIT")
        client.close()

    def slow_drip(self, seed):
        """One byte every ~100 ms: a complete session takes several seconds and must be served normally."""
        rng = random.Random(seed)
        while not self.stop.is_set():
            user = rng.choice(self.users)
            script = ("CAPA\r\nUSER %s\r\nPASS %s\r\nSTAT\r\nNOOP\r\nQUIT\r\n" % (user, h.password_for(user))).encode()
            try:
                sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=15)
                for index in range(len(script)):
                    sock.sendall(script[index:index + 1])
                    time.sleep(0.1)
                sock.settimeout(15)
                received = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                sock.close()
                self.stats.add("slow_drip_sessions")
                if b"shutting down" in received:
                    continue
                if not received.rstrip().endswith(b"+OK Logging out, messages deleted.") and \
                        b"[IN-USE]" not in received:
                    if not received.rstrip().split(b"\r\n")[-1].startswith(b"+OK"):
                        self.model.violation("slow-drip session ended with %r" % received[-200:])
            except OSError:
                self.stats.add("cut")

    def deliver(self, seed):
        """An MDA delivering into new/ while sessions run, keeping maildrops from running empty."""
        rng = random.Random(seed)
        while not self.stop.wait(0.01):
            user = rng.choice(self.users)
            if self.model.live_count(user) < MESSAGES_PER_USER:
                self.model.deliver(rng, user, large=rng.random() < 0.01)
                self.stats.add("delivered")


class Sampler:
    """Samples VmRSS every 250 ms and keeps the peak."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.wait(0.25):
            try:
                self.peak = max(self.peak, h.rss_kib(self.pid))
            except OSError:
                return


def wait_for_fds(pid, target, timeout=15.0):
    deadline = time.monotonic() + timeout
    count = h.fd_count(pid)
    while count > target and time.monotonic() < deadline:
        time.sleep(0.25)
        count = h.fd_count(pid)
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = tempfile.mkdtemp(prefix="pop3d-soak-")
    h.build_pop3d(workdir)
    maildir, database = os.path.join(workdir, "mail"), os.path.join(workdir, "pop3d.sqlite")
    print("soak: seed %d, %.0f s, %d concurrent clients, work directory %s" % (seed, args.duration, args.sessions,
                                                                             workdir))
    users = ["user%03d" % index for index in range(USER_COUNT)]
    model, stats = h.MailModel(maildir), h.Stats()
    for user in users:
        model.make_user(user)
        for _ in range(MESSAGES_PER_USER):
            model.deliver(rng, user, large=rng.random() < 0.01, into="new" if rng.random() < 0.5 else "cur")
    server = h.Pop3d(workdir, maildir, database)
    numbers = {}
    try:
        server.start()
        if h.Pop3d.notes:
            model.violation("pop3d exits at start-up with --monitor-port -1 (the monitor disabled); ran with 0")
        h.add_users(database, {user: h.password_for(user) for user in users})
        fds_at_start = h.fd_count(server.pid)
        sampler = Sampler(server.pid)
        load = Load(server, model, stats, users, args.sessions, seed)

        load.start("warm-up")
        time.sleep(WARM_UP_SECONDS)
        load.finish()
        # The maildir root's .pop3d.lock is opened at the first login and kept for the process's life (every
        # maildrop lock is a byte of it), so the level to come back to is the one after the warm-up.
        numbers["fds_before"] = wait_for_fds(server.pid, fds_at_start + 1)
        time.sleep(1)
        numbers["rss_warm"] = h.rss_kib(server.pid)

        started = time.monotonic()
        load.start("load")
        time.sleep(args.duration)
        load.finish()
        numbers["load_seconds"] = time.monotonic() - started
        numbers["sessions"] = stats.get("sessions") + stats.get("slow_drip_sessions")
        if not server.alive():
            model.violation("pop3d died under load (exit %s)" % server.process.returncode)
            raise h.HarnessError("pop3d is gone:\n" + h.tail(server.log()))
        numbers["fds_after"] = wait_for_fds(server.pid, numbers["fds_before"])
        time.sleep(2)
        numbers["rss_final"] = h.rss_kib(server.pid)
        numbers["rss_peak"] = max(sampler.peak, numbers["rss_final"])
        check_steady_state(server, database, model, numbers)
        numbers["steady_counters"] = dict(stats.values)

        load.start("sigterm")
        time.sleep(SIGTERM_LOAD_SECONDS)
        greetings_before_stop = stats.get("logins")
        sigterm_at = time.time()
        load.stopping.set()
        code, seconds = server.terminate(SIGTERM_BOUND_SECONDS)
        load.finish()
        sampler.stop.set()
        numbers["sigterm_exit"], numbers["sigterm_seconds"] = code, seconds
        check_after_sigterm(server, database, model, stats, code, seconds, sigterm_at, greetings_before_stop)
    except h.HarnessError as error:
        print("harness error: %s" % error)
        server.kill()
        return 2
    finally:
        server.kill()
    report(args, stats, model, numbers)
    if not model.violations and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if model.violations else 0


def check_steady_state(server, database, model, numbers):
    errors = server.error_lines()
    for line in errors[:10]:
        model.violation("server logged: %s" % line)
    if numbers["fds_after"] > numbers["fds_before"]:
        model.violation("open file descriptors: %d after the warm-up, %d after the clients left"
                        % (numbers["fds_before"], numbers["fds_after"]))
    allowed = numbers["rss_warm"] + max(numbers["rss_warm"] // 5, RSS_SLACK_KIB)
    if numbers["rss_final"] > allowed:
        model.violation("RSS %d KiB after the load, more than %d KiB (warm-up level %d KiB + max(20%%, 32 MiB))"
                        % (numbers["rss_final"], allowed, numbers["rss_warm"]))
    committing = h.query(database, "SELECT count(*) FROM deletion_journal WHERE state = 'committing'")[0][0]
    if committing:
        model.violation("%d journal rows committing while no session is open" % committing)
    model.check_files("after the load")


def check_after_sigterm(server, database, model, stats, code, seconds, sigterm_at, greetings):
    if code is None:
        model.violation("pop3d did not exit within %.0f s of SIGTERM" % SIGTERM_BOUND_SECONDS)
        server.kill()
    elif code != 0:
        model.violation("pop3d exited %s after SIGTERM:\n%s" % (code, h.tail(server.log())))
    model.check_files("after SIGTERM", all_or_nothing=True)
    integrity = h.query(database, "PRAGMA integrity_check")
    if integrity != [("ok",)]:
        model.violation("integrity_check after SIGTERM: %s" % integrity)
    committing = h.query(database, "SELECT count(*) FROM deletion_journal WHERE state = 'committing'")[0][0]
    if committing:
        model.violation("%d journal rows left committing by a graceful stop" % committing)
    rows = h.query(database, "SELECT count(*), sum(end_reason = 'shutdown') FROM sessions")[0]
    if not rows[0]:
        model.violation("the sessions table is empty after the stop")
    if stats.get("shutdown_notice") and not rows[1]:
        model.violation("clients were told 'shutting down' but no session row says end_reason shutdown")
    newest = h.query(database, "SELECT max(time) FROM metric_samples")[0][0]
    if newest is None or newest < sigterm_at:
        model.violation("newest metric sample at %s, before the SIGTERM at %.3f: metrics not flushed"
                        % (newest, sigterm_at))
    totals = h.counter_totals(database)
    if totals.get("logins_ok", 0) < greetings:
        model.violation("logins_ok total %s is below the %d logins the clients saw" % (totals.get("logins_ok"),
                                                                                    greetings))


def report(args, stats, model, numbers):
    print("duration: %.1f s of load (plus %d s warm-up and %.0f s under SIGTERM), %d concurrent clients"
          % (numbers.get("load_seconds", 0), WARM_UP_SECONDS, SIGTERM_LOAD_SECONDS, args.sessions))
    print("sessions: %d (mail %d, logins %d, IN-USE %d, QUIT +OK %d, dropped %d, slow-drip %d, bad input %d, "
          "abrupt %d, wrong password %d, idle %d, told 'shutting down' %d)"
          % (stats.get("sessions") + stats.get("slow_drip_sessions"), stats.get("kind_mail"), stats.get("logins"),
             stats.get("in_use"), stats.get("quit_ok"), stats.get("dropped"), stats.get("slow_drip_sessions"),
             stats.get("kind_bad_input"), stats.get("kind_abrupt"), stats.get("kind_wrong_password"),
             stats.get("kind_idle"), stats.get("shutdown_notice")))
    print("logins refused [SYS/TEMP] by the bounded hashing queue (load shedding): %d; other login errors: %d"
          % (stats.get("busy") + stats.get("login_busy"), stats.get("login_err") - stats.get("login_busy")))
    print("commands: RETR verified %d, DELE %d, RSET %d; messages delivered during the load %d"
          % (stats.get("retr"), stats.get("dele"), stats.get("rset"), stats.get("delivered")))
    print("memory: RSS after warm-up %s KiB, peak %s KiB, after the load %s KiB"
          % (numbers.get("rss_warm"), numbers.get("rss_peak"), numbers.get("rss_final")))
    print("file descriptors: %s after the warm-up, %s after the load" % (numbers.get("fds_before"), numbers.get("fds_after")))
    print("SIGTERM under load: exit %s after %.2f s" % (numbers.get("sigterm_exit"), numbers.get("sigterm_seconds", 0)))
    print("messages: %d tracked, %d deleted through QUIT, %d checks"
          % (len(model.messages), sum(1 for m in model.messages.values() if m.state == h.GONE), model.checks))
    steady = numbers.get("steady_counters", {})
    print("client counters before the SIGTERM wave: %s" % ", ".join(
        "%s=%d" % item for item in sorted(steady.items()) if not item[0].startswith("quit_err:")))
    model.print_verdict()


if __name__ == "__main__":
    sys.exit(main())
