#!/usr/bin/env bash
# Installs the Debian packages pop3d builds and tests with, when any is missing. Needs root (or sudo).
set -euo pipefail
packages=(libsqlite3-dev libcrypt-dev sqlite3 python3 python3-cryptography curl mpop fetchmail openssl util-linux procps apache2-utils systemd postgresql haproxy)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
