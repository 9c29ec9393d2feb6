#!/usr/bin/env bash
# Builds pop3d and pop3ctl, and runs pop3d on its embedded defaults: POP3 on port 1100, maildir ./directories/,
# database ./pop3d.sqlite, monitor on 127.0.0.1:1081, and for a quick try the seed's user foo / password bar and
# admin token 123456789abcdef1 (--quick-start-credentials, applied when the database is new). Extra arguments go to
# pop3d (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh
# pop3ctl too, to watch the server (README, "Watch it"); SwiftPM builds only the last of several --product options.
swift build -c release --product pop3d
swift build -c release --product pop3ctl
# As root (a container, a quick try) pop3d refuses to start without --user or --allow-root: this script is for
# trying pop3d out, so it passes --allow-root then. A real installation runs it with --user (packaging/).
extra=()
if [ "$(id -u)" = 0 ]; then extra=(--allow-root); fi
exec "$(swift build -c release --show-bin-path)/pop3d" --quick-start-credentials "${extra[@]}" "$@"
