#!/usr/bin/env bash
# Installs Debian's WordPress, MariaDB and the PHP CLI that tests/support/wordpress.py runs.
# Idempotent: when every package is already installed it does nothing (no network, no apt lock).
# Run as root on Debian 12. No service is started or enabled for use: the tests start their own
# MariaDB and `php -S` under a temporary directory.
set -euo pipefail

# php-cli: `php -S` and the set-up scripts (the `php` dependency of wordpress alone is satisfied by
#   libapache2-mod-php, which has no CLI binary).
# php-mysql: WordPress cannot run without mysqli.
# php-gd: a hard dependency of wordpress anyway; media uploads make thumbnails with it.
# php-xml: DOM/SimpleXML/XMLReader; the WordPress importer parses WXR with them.
# php-mbstring, php-curl: WordPress has fallbacks, but without them it runs code paths no real
#   host uses (and Site Health flags them).
# wordpress-theme-twentytwentythree: only Recommended by wordpress, so --no-install-recommends drops
#   it, and then the site has no theme at all: the REST API works but every front-end page is blank.
packages=(wordpress wordpress-theme-twentytwentythree mariadb-server
    php-cli php-mysql php-xml php-mbstring php-curl php-gd)

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mapfile -t missing < <(missing_packages "${packages[@]}")
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-wordpress: already installed: ${packages[*]}"
    exit 0
fi
echo "install-wordpress: missing: ${missing[*]}"

if [[ $(id -u) -ne 0 ]]; then
    echo "install-wordpress: must run as root to apt-get install" >&2
    exit 1
fi

# mariadb-server and apache2 (pulled in by wordpress) would start system daemons in their postinst,
# e.g. apache on port 80. The tests never use them, so keep invoke-rc.d from starting anything,
# unless the machine already has a policy (Docker images ship one that does the same).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
fi
cleanup() {
    if [[ $created_policy -eq 1 ]]; then
        rm -f "$policy"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"

# Fail here, not in the middle of a test session, if something is still missing.
# mariadbd lives in /usr/sbin, which a CI environment's PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
for cmd in php mariadbd mariadb-install-db mariadb; do
    command -v "$cmd" >/dev/null || { echo "install-wordpress: $cmd not found after install" >&2; exit 1; }
done
test -f /usr/share/wordpress/wp-load.php
php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' || { echo "install-wordpress: php has no mysqli" >&2; exit 1; }
echo "install-wordpress: installed: ${packages[*]}"
