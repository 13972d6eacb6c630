#!/usr/bin/env bash
# Installs Debian's Jekyll and the plugins tests/test_jekyll.py builds sites with.
# Idempotent: when every package is already installed it does nothing (no network, no apt lock).
# Run as root on Debian 12.
set -euo pipefail

# jekyll: Jekyll 4.3 with kramdown, its GFM parser, rouge and Liquid (all hard dependencies).
# jekyll-theme-minima: only Recommended by jekyll, so --no-install-recommends drops it; the test
#   sites use it, and it pulls in ruby-jekyll-seo-tag and ruby-jekyll-feed, which it needs.
# ruby-jekyll-seo-tag, ruby-jekyll-feed: named anyway, because the converted posts rely on them
#   (description, image, canonical_url) whatever the theme.
# ruby-jekyll-redirect-from: redirect_from, which keeps the old Hashnode addresses working.
# ruby-jekyll-gist: the gist=jekyll-gist option writes {% gist %} tags; the test builds them.
packages=(jekyll jekyll-theme-minima ruby-jekyll-seo-tag ruby-jekyll-feed
    ruby-jekyll-redirect-from ruby-jekyll-gist)

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mapfile -t missing < <(missing_packages "${packages[@]}")
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-jekyll: already installed: ${packages[*]}"
    exit 0
fi
echo "install-jekyll: missing: ${missing[*]}"

if [[ $(id -u) -ne 0 ]]; then
    echo "install-jekyll: must run as root to apt-get install" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"

# Fail here, not in the middle of a test session, if Jekyll cannot start or a plugin is missing.
command -v jekyll >/dev/null || { echo "install-jekyll: jekyll not found after install" >&2; exit 1; }
ruby -e 'require "jekyll"; %w[jekyll-seo-tag jekyll-feed jekyll-redirect-from jekyll-gist].each { |p| require p }' \
    || { echo "install-jekyll: a Jekyll plugin cannot be loaded" >&2; exit 1; }
echo "install-jekyll: installed: ${packages[*]} ($(jekyll --version))"
