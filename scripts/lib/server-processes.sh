# Sourced by the scripts that start a private pop3d and Dovecot. Needs WORK (the work folder) and log() defined;
# the caller sets POP3D_PID and DOVECOT_PID when it starts them. On exit both are stopped by PID and WORK is
# removed (kept with KEEP=1).
DOVECOT_PID=""
POP3D_PID=""
stop_pid() {
    local pid=$1
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
}
cleanup() {
    stop_pid "$POP3D_PID"
    stop_pid "$DOVECOT_PID"
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
