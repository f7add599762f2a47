"""Print messages per second for trim_reply and for read_message + trim_reply on the corpora.

python bench/trimming.py [CORPUS_DIR]   (default: ../shared/corpus relative to the repo)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from mail.mime import read_message  # noqa: E402 - the repo must be on the path first
from mail.trim import trim_reply  # noqa: E402

# Run every measurement for at least this long, so one core's rate is stable.
MIN_SECONDS = 2.0

T = TypeVar("T")


def _rate(items: Sequence[T], work: Callable[[T], object]) -> float:
    done = 0
    start = time.perf_counter()
    while True:
        for item in items:
            work(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return done / elapsed


def main() -> None:
    """Measure and print the throughput of trimming and of reading + trimming."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(REPO.parent / "shared" / "corpus"))
    corpus = Path(parser.parse_args().corpus)
    raws = [p.read_bytes() for p in sorted((corpus / "replies").glob("*.eml"))]
    texts = [
        p.read_bytes().decode("utf-8", errors="replace")
        for p in sorted((corpus / "trimming").glob("*/cases/*.input.txt"))
    ]
    if not raws or not texts:
        sys.exit(f"no corpus under {corpus}")
    bodies = [read_message(raw).body_text for raw in raws]

    def read_and_trim(raw: bytes) -> str:
        return trim_reply(read_message(raw).body_text)

    rows = [
        (f"trim_reply, trimming corpus ({len(texts)} bodies)", _rate(texts, trim_reply)),
        (f"trim_reply, partner replies ({len(bodies)} bodies)", _rate(bodies, trim_reply)),
        (f"read_message + trim_reply ({len(raws)} .eml)", _rate(raws, read_and_trim)),
        (f"read_message alone ({len(raws)} .eml)", _rate(raws, read_message)),
    ]
    for label, rate in rows:
        print(f"{label:45} {rate:8.0f} msg/s")


if __name__ == "__main__":
    main()
