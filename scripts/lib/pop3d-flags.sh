# Sourced by the scripts that start a private pop3d. pop3d_start_flags BIN prints, one a line, the flags such a
# pop3d needs that BIN knows (an older build, a baseline, may lack some): --allow-root when run as root (containers),
# and --quick-start-credentials, since these scripts log in as foo/bar and use the seed admin token.
pop3d_start_flags() {
    local help
    help=$("$1/pop3d" --help 2>&1)
    if [[ $(id -u) == 0 && $help == *--allow-root* ]]; then echo --allow-root; fi
    if [[ $help == *--quick-start-credentials* ]]; then echo --quick-start-credentials; fi
}
