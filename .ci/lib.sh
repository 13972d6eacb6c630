# Sourced by the .ci scripts: the one place that decides whether Debian packages are installed.

# Print, one per line, the packages among the arguments that dpkg does not have installed.
missing_packages() {
    local p status
    for p in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [[ "$status" == installed ]] || echo "$p"
    done
}
