# Sourced by the scripts that start a private pop3d and Dovecot. Needs WORK (the work folder) and log() defined;
# the caller sets POP3D_PID and DOVECOT_PID when it starts them. On exit both are stopped by PID and WORK is
# removed (kept with KEEP=1).
DOVECOT_PID=""
POP3D_PID=""
source scripts/lib/bench-common.sh
cleanup() {
    stop_pid "$POP3D_PID"
    stop_pid "$DOVECOT_PID"
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# write_dovecot_config INSTANCE PASSWD_FILE SETTINGS [LOGIN_SETTINGS] [MORE]: writes $WORK/dovecot.conf, a private
# Dovecot (its own base_dir and state_dir under WORK, never the system's configuration) on 127.0.0.1:$DOVECOT_PORT,
# no TLS, plain-text logins, users and passwords from the passwd-file. SETTINGS go at the top level, LOGIN_SETTINGS
# into the pop3-login service, MORE after it.
write_dovecot_config() {
    local instance=$1 passwd=$2 settings=$3 login_settings=${4:-} more=${5:-}
    mkdir -p "$WORK/dovecot-run" "$WORK/dovecot-state"
    cat >"$WORK/dovecot.conf" <<CONF
base_dir = $WORK/dovecot-run
state_dir = $WORK/dovecot-state
instance_name = $instance
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = $WORK/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 0
$settings
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $passwd
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DOVECOT_PORT
  }
$login_settings
}
$more
CONF
}

# start_dovecot: runs Dovecot from $WORK/dovecot.conf as a background job (DOVECOT_PID); wait_for_dovecot then waits
# (up to 10 s) until its POP3 port answers, so a caller can do other set-up in between.
start_dovecot() {
    log "starting Dovecot $(dovecot --version) on 127.0.0.1:$DOVECOT_PORT"
    dovecot -F -c "$WORK/dovecot.conf" >>"$WORK/dovecot.stdout" 2>&1 &
    DOVECOT_PID=$!
}

wait_for_dovecot() {
    for _ in $(seq 1 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$DOVECOT_PORT") 2>/dev/null && return 0
        sleep 0.2
    done
}
