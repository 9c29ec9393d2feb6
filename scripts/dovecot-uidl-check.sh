#!/usr/bin/env bash
# Issue 8, item 6, against a real Dovecot: moving a maildir from Dovecot to pop3d loses neither UIDLs nor passwords.
#  1. Dovecot serves a maildrop once (a client lists UIDLs, downloads two messages, quits); its UIDL answer is kept.
#  2. pop3d --uidl-source dovecot serves the same maildir: its UIDL answer must match Dovecot's byte for byte, and
#     still after a new message arrives (the new one gets pop3d's own UIDL, the old ones keep Dovecot's).
#  3. The passwd-file Dovecot used ({PLAIN}, {SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT}, made with openssl and
#     htpasswd) is imported with `pop3ctl users import`; every user logs in to pop3d with its password, and after
#     that login the users table holds an scrypt hash for it.
# The system's Dovecot configuration is never read or changed: Dovecot runs from a config in a temporary directory
# with its own base_dir, on 127.0.0.1 and a free high port, and is stopped by PID. Exits 1 on any mismatch.
# Environment: CONFIG (debug|release, default debug), SKIP_BUILD=1, KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

TOKEN=123456789abcdef1
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- prerequisites, build, ports, work folder ----------------------------------------------------------------
DOVECOT_CHECK_PACKAGES="htpasswd:apache2-utils openssl:openssl sqlite3:sqlite3"
source scripts/lib/dovecot-check-setup.sh
source scripts/lib/server-processes.sh

# pop3 ACTION PORT USER PASSWORD: a POP3 client in Python. `uidl` prints the UIDL listing (one "n uidl" per line),
# `fetch` also downloads messages 1 and 2 like a client that leaves mail on the server, `login` only logs in.
pop3() {
    python3 - "$@" <<'PY'
import poplib, sys
action, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
client = poplib.POP3("127.0.0.1", port, timeout=10)
try:
    client.user(user)
    client.pass_(password)
except poplib.error_proto as error:
    print(f"login refused: {error}", file=sys.stderr)
    sys.exit(1)
if action in ("uidl", "fetch"):
    for line in client.uidl()[1]:
        sys.stdout.buffer.write(line + b"\n")
if action == "fetch":
    client.retr(1)
    client.retr(2)
client.quit()
PY
}

# --- the maildrop and the passwd-file, as an operator would have them under Dovecot -----------------------------
MAIL=$WORK/mail
mkdir -p "$MAIL/alice/cur" "$MAIL/alice/new" "$MAIL/alice/tmp"
message() { printf 'From: sender@example.org\nTo: %s@example.org\nSubject: %s\n\n%s\n' "$1" "$2" "$3"; }
message alice "first" "one" >"$MAIL/alice/cur/1700000001.M1P100.mx:2,S"
message alice "second" "two" >"$MAIL/alice/new/1700000002.M2P100.mx"
message alice "third" "three" >"$MAIL/alice/new/1700000003.M3P100.mx"
message alice "fourth" "four" >"$MAIL/alice/new/1700000004.M4P100.mx"
for user in sha512 sha256 blowfish plain; do mkdir -p "$MAIL/$user/cur" "$MAIL/$user/new" "$MAIL/$user/tmp"; done
chown -R mail:mail "$MAIL"
MAIL_UID=$(id -u mail)
MAIL_GID=$(id -g mail)

PASSWD=$WORK/dovecot-users
entry() { printf '%s:%s:%s:%s::%s/%s::\n' "$1" "$2" "$MAIL_UID" "$MAIL_GID" "$MAIL" "$1"; }
{
    entry alice "{PLAIN}alice-pw"
    entry sha512 "{SHA512-CRYPT}$(openssl passwd -6 'sha512 pw')"
    entry sha256 "{SHA256-CRYPT}$(openssl passwd -5 'sha256 pw')"
    entry blowfish "{BLF-CRYPT}$(htpasswd -bnBC 10 "" 'blowfish pw' | tr -d ':\n')"
    entry plain "{PLAIN}plain pw?"
} >"$PASSWD"
log "the Dovecot passwd-file:"
sed 's/^/    /' "$PASSWD" >&2
declare -A PASSWORDS=([alice]="alice-pw" [sha512]="sha512 pw" [sha256]="sha256 pw" [blowfish]="blowfish pw"
    [plain]="plain pw?")

# --- Dovecot, once ----------------------------------------------------------------------------------------------
write_dovecot_config pop3d-uidl-check "$PASSWD" "mail_location = maildir:$MAIL/%u"
# pop3_uidl_format is left at Dovecot's default (%08Xu%08Xv): that default is what pop3d reproduces.
start_dovecot
wait_for_dovecot
log "Dovecot's $(doveconf -c "$WORK/dovecot.conf" pop3_uidl_format)"
pop3 fetch "$DOVECOT_PORT" alice "${PASSWORDS[alice]}" >"$WORK/uidl-dovecot.txt"
failures=0
for user in sha512 sha256 blowfish plain; do
    if pop3 login "$DOVECOT_PORT" "$user" "${PASSWORDS[$user]}"; then
        log "Dovecot accepts $user's password (the passwd-file is a real Dovecot one)"
    else
        log "FAIL: Dovecot refuses $user's password"
        failures=$((failures + 1))
    fi
done
stop_pid "$DOVECOT_PID"
DOVECOT_PID=""
log "Dovecot stopped; $MAIL/alice/dovecot-uidlist:"
sed 's/^/    /' "$MAIL/alice/dovecot-uidlist" >&2

# --- pop3d on the same maildir ------------------------------------------------------------------------------------
source scripts/lib/pop3d-flags.sh
mapfile -t start_flags < <(pop3d_start_flags "$BIN")
log "starting pop3d --uidl-source dovecot on 127.0.0.1:$POP3_PORT"
"$BIN/pop3d" --port "$POP3_PORT" --listen 127.0.0.1 --maildir "$MAIL" --database "$WORK/pop3d.sqlite" \
    --monitor-port "$MONITOR_PORT" --auth-failure-delay 0 --password-cost 10 --uidl-source dovecot \
    "${start_flags[@]}" >>"$WORK/pop3d.log" 2>&1 &
POP3D_PID=$!
for _ in $(seq 1 100); do
    "$BIN/pop3ctl" users list --port "$MONITOR_PORT" --token "$TOKEN" >/dev/null 2>&1 && break
    sleep 0.1
done
kill -0 "$POP3D_PID" 2>/dev/null || { tail "$WORK/pop3d.log" >&2; echo "dovecot-uidl-check: pop3d did not start" >&2; exit 2; }

log "importing the Dovecot passwd-file with pop3ctl users import"
"$BIN/pop3ctl" users import "$PASSWD" --port "$MONITOR_PORT" --token "$TOKEN" --timeout 30 >&2 || {
    log "FAIL: the import reported a failure"
    failures=$((failures + 1))
}

compare() {  # compare TITLE EXPECTED-FILE ACTUAL-FILE
    echo "== $1"
    printf '  %-32s %-32s\n' "Dovecot $(dovecot --version | cut -d' ' -f1)" "pop3d --uidl-source dovecot"
    paste -d '|' "$2" "$3" | awk -F'|' '{ printf "  %-32s %-32s %s\n", $1, $2, ($1 == $2 ? "same" : "DIFFERENT") }'
    if cmp -s "$2" "$3"; then echo "  -> byte for byte identical"; else echo "  -> MISMATCH"; return 1; fi
}
echo
pop3 uidl "$POP3_PORT" alice "${PASSWORDS[alice]}" >"$WORK/uidl-pop3d.txt"
compare "UIDL after the switch" "$WORK/uidl-dovecot.txt" "$WORK/uidl-pop3d.txt" || failures=$((failures + 1))

# A message Dovecot never saw: the old ones keep Dovecot's UIDLs, the new one gets pop3d's own (its base name) and
# comes last, as in Dovecot, although its name's timestamp is older than every other (pop3d's own order would put
# it first).
NEW=1600000000.M5P200.mx
message alice "fifth" "five" >"$MAIL/alice/new/$NEW"
{ cat "$WORK/uidl-dovecot.txt"; echo "$(($(wc -l <"$WORK/uidl-dovecot.txt") + 1)) $NEW"; } >"$WORK/uidl-expected.txt"
pop3 uidl "$POP3_PORT" alice "${PASSWORDS[alice]}" >"$WORK/uidl-pop3d-new.txt"
compare "UIDL after a new delivery (expected: Dovecot's, then the new base name)" \
    "$WORK/uidl-expected.txt" "$WORK/uidl-pop3d-new.txt" || failures=$((failures + 1))

# --- the imported passwords -------------------------------------------------------------------------------------
stored() { sqlite3 "$WORK/pop3d.sqlite" "SELECT password_hash FROM users WHERE name = '$1'"; }
echo "== passwords imported from the Dovecot passwd-file"
for user in sha512 sha256 blowfish plain; do
    before=$(stored "$user")
    wrong=refused
    pop3 login "$POP3_PORT" "$user" "not ${PASSWORDS[$user]}" 2>/dev/null && wrong=ACCEPTED
    right=refused
    pop3 login "$POP3_PORT" "$user" "${PASSWORDS[$user]}" && right=accepted
    after=$(stored "$user")
    printf '  %-9s stored %-22s wrong password %-8s right password %-8s now %s\n' \
        "$user" "${before:0:20}…" "$wrong" "$right" "${after:0:22}…"
    if [[ $wrong != refused || $right != accepted || $after != '$scrypt$'* ]]; then
        echo "  -> FAIL for $user"
        failures=$((failures + 1))
    fi
    case $user in
        plain) [[ $before == '$scrypt$'* ]] || { echo "  -> FAIL: {PLAIN} was not hashed at import"; failures=$((failures + 1)); } ;;
        *) [[ $before == '{'* ]] || { echo "  -> FAIL: the crypt hash was not kept at import"; failures=$((failures + 1)); } ;;
    esac
done

# An unknown scheme is refused, naming the line; the rest of the file is still imported.
printf 'eve:{MD5-CRYPT}$1$abcdefgh$0123456789abcdefghijkl:::\nfay:{PLAIN}fay-pw:::\n' >"$WORK/bad-users"
if "$BIN/pop3ctl" users import "$WORK/bad-users" --port "$MONITOR_PORT" --token "$TOKEN" >"$WORK/bad-import.txt" 2>&1
then
    echo "  -> FAIL: an unknown scheme was accepted"
    failures=$((failures + 1))
fi
sed 's/^/  import of an unknown scheme: /' "$WORK/bad-import.txt"
grep -q "MD5-CRYPT" "$WORK/bad-import.txt" && [[ -n $(stored fay) && -z $(stored eve) ]] || {
    echo "  -> FAIL: the unknown scheme was not reported, or the good line was not imported"
    failures=$((failures + 1))
}

echo
if [[ $failures -gt 0 ]]; then
    echo "dovecot-uidl-check: $failures failure(s)"
    exit 1
fi
echo "dovecot-uidl-check: pop3d answers Dovecot's UIDLs and accepts every imported password"
