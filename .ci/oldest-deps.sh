#!/usr/bin/env bash
# The HTTP layer once more at the bottom of the declared range of requests and urllib3 (the README's test
# command has just run it against the newest pip chose). The floors are read from pyproject.toml, so they
# cannot drift from what is declared; the two are put first on the path, everything else is as installed.
# About 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t floors < <(python3 - <<'PY'
import re
import tomllib

with open("pyproject.toml", "rb") as file:
    dependencies = tomllib.load(file)["project"]["dependencies"]
for dependency in dependencies:
    if found := re.fullmatch(r"(requests|urllib3)>=([0-9.]+),<[0-9.]+", dependency):
        print(f"{found[1]}=={found[2]}")
PY
)
[ ${#floors[@]} -eq 2 ] || { echo ".ci/oldest-deps.sh: no floor for requests and urllib3 in pyproject.toml" >&2; exit 1; }

target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
python3 -m pip install -q --no-deps --target "$target" "${floors[@]}"
PYTHONPATH="$target" python3 -c 'import requests, urllib3; print(f"oldest: requests {requests.__version__}, urllib3 {urllib3.__version__}")'
PYTHONPATH="$target" python3 -m pytest -q -p no:cacheprovider tests/test_http.py
