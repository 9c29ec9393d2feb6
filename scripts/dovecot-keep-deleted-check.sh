#!/usr/bin/env bash
# Keep-on-delete against a real Dovecot: pop3d --keep-deleted-keyword and Dovecot's pop3_deleted_flag, set to the
# same keyword, hide the same messages, whichever of the two deleted them.
#  1. pop3d serves a maildrop of four messages; a client deletes two (DELE, QUIT). Their files stay, marked with the
#     keyword's letter in the maildrop's dovecot-keywords; pop3d lists the other two, with unchanged UIDLs.
#  2. Dovecot (pop3_deleted_flag = the same keyword) serves the same maildir: it lists the same two messages (by
#     subject; its UIDLs have their own format). A client deletes one more there.
#  3. pop3d again: it hides the message Dovecot deleted too, and all four files are still on disk.
# Dovecot runs from a config in a temporary directory (never the system's), on 127.0.0.1 and a free port, and is
# stopped by PID. Exits 1 on any mismatch. Environment: CONFIG (debug|release, default debug), SKIP_BUILD=1, KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

KEYWORD='$POP3Deleted'
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

source scripts/lib/dovecot-check-setup.sh
source scripts/lib/server-processes.sh

# pop3 PORT USER PASSWORD [DELE NUMBERS…]: prints "n subject" for every listed message, then deletes the numbers
# given and QUITs.
pop3() {
    python3 - "$@" <<'PY'
import poplib, sys
port, user, password, deletions = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
client = poplib.POP3("127.0.0.1", port, timeout=10)
client.user(user)
client.pass_(password)
for line in client.uidl()[1]:
    number = int(line.split()[0])
    subject = next(h for h in client.top(number, 0)[1] if h.startswith(b"Subject: "))[9:].decode()
    print(number, subject)
for number in deletions:
    client.dele(int(number))
client.quit()
PY
}

MAIL=$WORK/mail
mkdir -p "$MAIL/alice/cur" "$MAIL/alice/new" "$MAIL/alice/tmp"
message() { printf 'From: sender@example.org\nTo: alice@example.org\nSubject: %s\n\n%s\n' "$1" "$2"; }
message first one >"$MAIL/alice/new/1700000001.M1P100.mx"
message second two >"$MAIL/alice/new/1700000002.M2P100.mx"
message third three >"$MAIL/alice/new/1700000003.M3P100.mx"
message fourth four >"$MAIL/alice/new/1700000004.M4P100.mx"
PASSWD=$WORK/dovecot-users
printf 'alice:{PLAIN}alice-pw:%s:%s::%s/alice::\n' "$(id -u mail)" "$(id -g mail)" "$MAIL" >"$PASSWD"

source scripts/lib/pop3d-flags.sh
mapfile -t start_flags < <(pop3d_start_flags "$BIN")
start_pop3d() {
    "$BIN/pop3d" --port "$POP3_PORT" --listen 127.0.0.1 --maildir "$MAIL" --database "$WORK/pop3d.sqlite" \
        --monitor-port "$MONITOR_PORT" --auth-failure-delay 0 --password-cost 10 \
        --keep-deleted-keyword "$KEYWORD" "${start_flags[@]}" >>"$WORK/pop3d.log" 2>&1 &
    POP3D_PID=$!
    for _ in $(seq 1 100); do
        grep -q ' serving$' "$WORK/pop3d.log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$POP3_PORT") 2>/dev/null &&
            return 0
        sleep 0.1
    done
    tail "$WORK/pop3d.log" >&2
    echo "dovecot-keep-deleted-check: pop3d did not start" >&2
    exit 2
}
stop_pop3d() {
    stop_pid "$POP3D_PID"
    POP3D_PID=""
    : >"$WORK/pop3d.log"
}
failures=0
expect() {  # expect TITLE EXPECTED ACTUAL
    if [[ "$2" == "$3" ]]; then
        echo "  ok: $1"
    else
        printf '  FAIL: %s\n    expected: %s\n    actual:   %s\n' "$1" "$2" "$3"
        failures=$((failures + 1))
    fi
}
subjects() { awk '{ print $2 }' "$1" | paste -sd ' '; }
files() { (cd "$MAIL/alice" && ls new cur | grep -v ':$' | grep -v '^$' | sort | paste -sd ' '); }

log "pop3d --keep-deleted-keyword $KEYWORD on 127.0.0.1:$POP3_PORT"
start_pop3d
"$BIN/pop3ctl" users add alice --password alice-pw --port "$MONITOR_PORT" --token 123456789abcdef1 >/dev/null
echo "== 1. pop3d: DELE 1 and 3, QUIT"
pop3 "$POP3_PORT" alice alice-pw 1 3 >"$WORK/pop3d-before.txt"
expect "pop3d listed four messages" "first second third fourth" "$(subjects "$WORK/pop3d-before.txt")"
pop3 "$POP3_PORT" alice alice-pw >"$WORK/pop3d-after.txt"
expect "pop3d lists the other two" "second fourth" "$(subjects "$WORK/pop3d-after.txt")"
stop_pop3d
echo "  files: $(files)"
echo "  dovecot-keywords: $(paste -sd ' ' "$MAIL/alice/dovecot-keywords")"
expect "the files stay, the deleted ones with the keyword's letter (a), none with T" \
    "1700000001.M1P100.mx:2,a 1700000002.M2P100.mx:2, 1700000003.M3P100.mx:2,a 1700000004.M4P100.mx:2," \
    "$(cd "$MAIL/alice/cur" && ls | sort | paste -sd ' ')"
expect "dovecot-keywords maps a to the keyword" "0 $KEYWORD" "$(cat "$MAIL/alice/dovecot-keywords")"

echo "== 2. Dovecot $(dovecot --version | cut -d' ' -f1), pop3_deleted_flag = $KEYWORD, on the same maildir"
chown -R mail:mail "$MAIL"
write_dovecot_config pop3d-keep-deleted-check "$PASSWD" "mail_location = maildir:$MAIL/%u
pop3_deleted_flag = \"$KEYWORD\""
start_dovecot
wait_for_dovecot
pop3 "$DOVECOT_PORT" alice alice-pw 2 >"$WORK/dovecot.txt"
expect "Dovecot hides the messages pop3d deleted" "second fourth" "$(subjects "$WORK/dovecot.txt")"
pop3 "$DOVECOT_PORT" alice alice-pw >"$WORK/dovecot-after.txt"
expect "Dovecot hid the message it deleted (fourth)" "second" "$(subjects "$WORK/dovecot-after.txt")"
stop_pid "$DOVECOT_PID"
DOVECOT_PID=""
echo "  files: $(files)"

echo "== 3. pop3d again"
start_pop3d
pop3 "$POP3_PORT" alice alice-pw >"$WORK/pop3d-last.txt"
expect "pop3d hides the message Dovecot deleted too" "second" "$(subjects "$WORK/pop3d-last.txt")"
expect "all four files are still on disk" 4 "$(ls "$MAIL/alice/cur" | wc -l | tr -d ' ')"
flagged_t=$(ls "$MAIL/alice/cur" | grep -c ':2,[A-Z]*T' || true)
if [[ $flagged_t != 0 ]]; then
    echo "  FAIL: a file carries the T flag"
    failures=$((failures + 1))
fi
stop_pop3d

echo
if [[ $failures -gt 0 ]]; then
    echo "dovecot-keep-deleted-check: $failures failure(s)"
    exit 1
fi
echo "dovecot-keep-deleted-check: pop3d and Dovecot hide the same messages behind $KEYWORD"
