"""How fast the command starts: ``hashmigrate --help`` and ``hashmigrate exporters``, and what it imports.

    python benchmarks/startup.py              # 20 runs of each command, best and median
    python benchmarks/startup.py --runs 50 --top 25

Each command runs as a user would run it (the installed ``hashmigrate`` script, or
``python -m hashmigrate`` when it is not on PATH), its output thrown away. The import summary is
``python -X importtime -c "import hashmigrate.cli"``: the modules with the largest cumulative import
time, and the total.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMPORT_OF = "hashmigrate.cli"


@dataclass(slots=True)
class Import:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


def command() -> list[str]:
    # ``python -m`` run in this checkout imports this checkout's code; the ``hashmigrate`` script on
    # PATH imports whichever copy is installed (an editable install of another worktree, say).
    return [sys.executable, "-m", "hashmigrate"]


def time_command(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(args)} failed (exit {done.returncode}): {done.stderr.decode()[-300:]}"
            )
    return times


def import_times(statement: str) -> list[Import]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    imports = []
    for line in done.stderr.splitlines():
        # "import time:       self [us] |  cumulative | imported package"
        if not line.startswith("import time:") or "[us]" in line:
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) != 3:
            continue
        name = fields[2].rstrip()
        depth = (len(name) - len(name.lstrip())) // 2
        imports.append(Import(name.strip(), int(fields[0]), int(fields[1]), depth))
    return imports


def top_level_packages(imports: list[Import]) -> dict[str, int]:
    """Self time summed by top-level package (``yaml.scanner`` counts for ``yaml``)."""
    totals: dict[str, int] = {}
    for item in imports:
        root = item.module.split(".")[0]
        totals[root] = totals.get(root, 0) + item.self_us
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    base = command()
    print(f"command: {' '.join(base)}; {runs} runs each (first run included)\n")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("hashmigrate --help", [*base, "--help"]),
        ("hashmigrate exporters", [*base, "exporters"]),
    ]
    print(f"{'command':<24} {'best s':>8} {'median s':>9} {'worst s':>8}")
    for label, args_ in rows:
        times = time_command(args_, runs)
        print(f"{label:<24} {min(times):>8.3f} {statistics.median(times):>9.3f} {max(times):>8.3f}")

    # The median of several importtime runs per module would be steadier; one warm run is enough to rank.
    import_times(f"import {IMPORT_OF}")
    imports = import_times(f"import {IMPORT_OF}")
    total = sum(i.self_us for i in imports)
    print(
        f"\npython -X importtime -c 'import {IMPORT_OF}': "
        f"{len(imports)} modules, {total / 1000:.0f} ms in all"
    )
    print(f"top {args.top} by cumulative time:")
    print(f"  {'cumulative ms':>13} {'self ms':>8}  module")
    for item in sorted(imports, key=lambda i: i.cumulative_us, reverse=True)[: args.top]:
        print(
            f"  {item.cumulative_us / 1000:>13.1f} {item.self_us / 1000:>8.1f}  "
            f"{'  ' * item.depth}{item.module}"
        )
    print(f"top {min(args.top, 10)} packages by self time (all their modules):")
    packages = sorted(top_level_packages(imports).items(), key=lambda kv: kv[1], reverse=True)
    for name, self_us in packages[: min(args.top, 10)]:
        print(f"  {self_us / 1000:>8.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
