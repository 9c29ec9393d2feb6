#!/usr/bin/env python3
"""A short, known POP3 load for the observability check: logins ok (USER/PASS and AUTH PLAIN, repeated so the auth
cache answers some), one failed login, RETRs, a DELE committed at QUIT, a session dropped without QUIT, and one
connection over the per-address cap. Prints what it did as JSON."""
import base64
import json
import poplib
import socket
import sys
import time

host, port, user, password, cap = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
done = {"logins_ok": 0, "logins_failed": 0, "retr": 0, "dele": 0, "refused": 0}


def session(plain=False, retr=2, dele=False):
    pop = poplib.POP3(host, port, timeout=30)
    if plain:
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        answer = pop._shortcmd("AUTH PLAIN " + token)
        assert answer.startswith(b"+OK"), answer
    else:
        pop.user(user)
        pop.pass_(password)
    done["logins_ok"] += 1
    count = len(pop.list()[1])
    for number in range(1, min(retr, count) + 1):
        pop.retr(number)
        done["retr"] += 1
    if dele and count > 0:
        pop.dele(count)
        done["dele"] += 1
    pop.quit()


for round_ in range(3):
    session(plain=False)
    session(plain=True)
session(dele=True)

bad = poplib.POP3(host, port, timeout=30)
bad.user(user)
try:
    bad.pass_("not-the-password")
    raise SystemExit("a wrong password was accepted")
except poplib.error_proto:
    done["logins_failed"] += 1
bad.quit()

# A session that goes away without QUIT.
dropped = socket.create_connection((host, port), timeout=30)
dropped.recv(512)
dropped.close()



def hold():
    """A connection within the cap: the earlier sessions' ends may reach the server a moment after their close."""
    for _ in range(300):
        try:
            return poplib.POP3(host, port, timeout=30)
        except poplib.error_proto:
            time.sleep(0.1)
    raise SystemExit("no connection admitted under the cap")


# cap connections held open (the server's total cap), then one more: it is refused.
held = [hold() for _ in range(cap)]
extra = socket.create_connection((host, port), timeout=30)
extra.settimeout(30)
greeting = extra.recv(512)
if not greeting.startswith(b"-ERR"):
    raise SystemExit("the connection over the cap was not refused: %r" % greeting)
done["refused"] += 1
extra.close()
for pop in held:
    pop.quit()
print(json.dumps(done))
