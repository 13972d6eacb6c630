#!/usr/bin/env bash
# Installs Astro 5 from the npm registry into a cache outside the repository, where the astro-exporter
# example's build test (examples/astro-exporter/tests/test_astro_build.py) looks for it:
# $HASHMIGRATE_ASTRO_DIR, or ~/.cache/hashmigrate-astro. Idempotent: when Astro 5 is there already it
# does nothing (no network).
# Astro is pinned to 5: Astro 5 runs on Node 18.20.8, 20.3+ and 22+; Astro 6 and later need Node 22.
set -euo pipefail

dir="${HASHMIGRATE_ASTRO_DIR:-$HOME/.cache/hashmigrate-astro}"
major=5

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

installed_version() {
    [[ -x "$dir/node_modules/.bin/astro" ]] || return 0
    node -p "require('$dir/node_modules/astro/package.json').version" 2>/dev/null || true
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    mapfile -t missing < <(missing_packages nodejs npm)
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-astro: Node.js and npm are needed; install them (as root: apt-get install ${missing[*]})" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_version=$(node -p 'process.versions.node')
IFS=. read -r nmaj nmin npatch <<<"$node_version"
if ! (( nmaj >= 22 || (nmaj == 20 && nmin >= 3) || (nmaj == 18 && (nmin > 20 || (nmin == 20 && npatch >= 8))) )); then
    echo "install-astro: Node $node_version is too old for Astro $major (needs 18.20.8, 20.3+ or 22+)" >&2
    exit 1
fi

version=$(installed_version)
if [[ "${version%%.*}" == "$major" ]]; then
    echo "install-astro: already installed: astro $version in $dir"
    exit 0
fi

mkdir -p "$dir"
echo "install-astro: installing astro@$major into $dir (Node $node_version)"
started=$SECONDS
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error "astro@$major")
version=$(installed_version)
[[ "${version%%.*}" == "$major" ]] || { echo "install-astro: astro $major not found in $dir after install" >&2; exit 1; }
"$dir/node_modules/.bin/astro" --version >/dev/null \
    || { echo "install-astro: astro does not start" >&2; exit 1; }
echo "install-astro: installed astro $version in $dir in $((SECONDS - started)) s"
