# Shared set-up of the checks that run pop3d beside a private Dovecot (dovecot-uidl-check.sh,
# dovecot-keep-deleted-check.sh). The caller defines log(). Sourcing it installs the Debian packages named in
# DOVECOT_CHECK_PACKAGES that are missing (dovecot-core and dovecot-pop3d always), builds pop3d and pop3ctl (CONFIG,
# default debug; SKIP_BUILD=1 skips), and sets BIN, DOVECOT_PORT, POP3_PORT, MONITOR_PORT (free ports) and WORK (a
# temporary folder Dovecot's mail processes, which run as user mail, can reach).

missing=()
dpkg -s dovecot-pop3d >/dev/null 2>&1 || missing+=(dovecot-core dovecot-pop3d)
for package in ${DOVECOT_CHECK_PACKAGES:-}; do
    # Each extra package is named by the command it provides: "command:package".
    command -v "${package%%:*}" >/dev/null || missing+=("${package##*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing ${missing[*]}"
    sudo_cmd=()
    [[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq  # a fresh machine may have no package lists yet
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null || { echo "$(basename "$0"): python3 is needed" >&2; exit 2; }

CONFIG=${CONFIG:-debug}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building pop3d and pop3ctl ($CONFIG)"
    swift build -c "$CONFIG" --product pop3d >/dev/null
    swift build -c "$CONFIG" --product pop3ctl >/dev/null
fi
BIN=$(swift build -c "$CONFIG" --show-bin-path)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
DOVECOT_PORT=$(free_port)
POP3_PORT=$(free_port)
MONITOR_PORT=$(free_port)

WORK=$(mktemp -d)
chmod 755 "$WORK"  # Dovecot's mail processes run as user mail and must reach the maildir
