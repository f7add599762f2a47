"""How long `partnerdesk --help` and `partnerdesk parse` take to start, beside Python itself.

    python bench/startup.py [--runs N] [--instructions]

Each command is run N times as a new process (as a person types it); the medians are printed
beside the median of `python -c pass`, the interpreter's own start, measured in the same run.
With --instructions, each command is also run once under valgrind's callgrind, and the
instructions it executed are printed: a count that does not move with the machine's load or
speed, to compare two versions of the code where times swing by a third from minute to minute.
The project's bytecode is compiled first, as an installed package has it: where
PYTHONDONTWRITEBYTECODE is set, every run would otherwise compile the sources again.
"""

from __future__ import annotations

import argparse
import compileall
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SCRIPT = Path(sys.executable).with_name("partnerdesk")


PACKAGES = ("agenda", "mail", "partnerdesk", "storage", "bot", "templates")


def _once(command: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run of the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _instructions(command: list[str]) -> int:
    """Instructions one run of the command executes, counted by callgrind."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit("valgrind printed no count of instructions")
    return int(found.group(1))


def main() -> None:
    """Print the medians and each command's cost over the interpreter's start."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    message = CORPUS / "replies" / "dev-09-businessdjursland-tre-punkter.eml"
    commands = {
        "python -c pass (anchor)": [sys.executable, "-c", "pass"],
        "partnerdesk --help": [str(SCRIPT), "--help"],
        "partnerdesk parse": [
            str(SCRIPT),
            "parse",
            "--group",
            str(CORPUS / "group.toml"),
            str(message),
        ],
    }
    for package in PACKAGES:
        compileall.compile_dir(REPO / package, quiet=1)
    # Interleaved rounds, so a busy moment of the machine falls on every command alike.
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            results[name].append(_once(command))
    anchor = results["python -c pass (anchor)"]
    anchor_wall = statistics.median(w for w, _ in anchor)
    anchor_cpu = statistics.median(c for _, c in anchor)
    # CPU time is given too: on a busy machine it moves less than the wall clock does.
    print(f"{'':26} {'wall ms':>8} {'over python':>12} {'cpu ms':>8} {'over python':>12}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(
            f"{name:26} {wall * 1000:8.1f} {(wall - anchor_wall) * 1000:12.1f}"
            f" {cpu * 1000:8.1f} {(cpu - anchor_cpu) * 1000:12.1f}"
        )
    if args.instructions:
        counts = {name: _instructions(command) for name, command in commands.items()}
        base = counts["python -c pass (anchor)"]
        print(f"\n{'':26} {'million instructions':>21} {'over python':>12}")
        for name, count in counts.items():
            print(f"{name:26} {count / 1e6:21.1f} {(count - base) / 1e6:12.1f}")


if __name__ == "__main__":
    main()
