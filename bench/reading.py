"""Messages per second for the whole reading of a message, beside an anchor and the peers.

    python bench/reading.py [CORPUS_DIR] [--peers-python PATH]

Ours: MIME + trimming + understanding (`partnerdesk.parsing.parse_message`) over the partner
e-mails of both folders (replies, replies-2), our MIME reading alone, and `mail.trim_reply`
over the trimming corpus. The anchor is the standard library's own MIME parser
(`email.message_from_bytes`) over the same e-mails. Rows are timed in processor time, pass by
pass in turn with the anchor, and each row's ratio to the anchor is the median over those
rounds: on a shared, loaded machine the messages per second swing with the load, the ratio
to the anchor holds still. The peers (talon, email-reply-parser,
mail-parser-reply) are timed on the same trimming corpus in the same run, in their own
virtualenv (see ../shared/corpus/trimming/run_peers.sh), when it exists.
"""

from __future__ import annotations

import argparse
import email
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from agenda.groupfile import load_group  # noqa: E402 - the repo must be on the path first
from agenda.reader import clear_caches  # noqa: E402
from agenda.reading import Channel  # noqa: E402
from mail.mime import read_message  # noqa: E402
from mail.trim import trim_reply  # noqa: E402
from partnerdesk.parsing import parse_message  # noqa: E402

MIN_SECONDS = 2.0

# Timed inside the peers' virtualenv; prints one JSON object of rates.
_PEER_SCRIPT = r"""
import json, sys, time, logging
logging.disable(logging.CRITICAL)
sys.path.insert(0, sys.argv[1])
import peers
texts = [open(p, encoding="utf-8", errors="replace", newline="").read() for p in sys.argv[2:]]
out = {}
for name in ("talon_quotes_sig", "zapier", "mpr_body_all"):
    fn = getattr(peers, name)
    for t in texts[:5]:
        fn(t)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2.0:
        for t in texts:
            fn(t)
        done += len(texts)
    out[name] = done / (time.perf_counter() - start)
print(json.dumps(out))
"""


@dataclass
class _Work:
    """One measured row: what it reads, how, and the processor time its passes took."""

    label: str
    items: Sequence[Any]
    work: Callable[[Any], object]
    before_pass: Callable[[], None] | None = None
    seconds: list[float] = field(default_factory=list)

    def run_pass(self) -> None:
        if self.before_pass is not None:
            self.before_pass()
        start = time.process_time()
        for item in self.items:
            self.work(item)
        self.seconds.append(time.process_time() - start)

    @property
    def rate(self) -> float:
        """Messages per second of processor time, over all passes."""
        return len(self.items) * len(self.seconds) / sum(self.seconds)


def _measure(rows: list[_Work]) -> None:
    """Passes of every row in turn, round after round, until each has run MIN_SECONDS.

    Processor time, not wall time: on a shared machine another process may hold the core
    for a while, which wall time would count as ours. Taking the rows in turn, pass by
    pass, lets every row see the same machine.
    """
    for row in rows:
        row.run_pass()  # warm: imports, compiled patterns
        row.seconds.clear()
    while min(sum(row.seconds) for row in rows) < MIN_SECONDS:
        for row in rows:
            row.run_pass()


def _ratios(row: _Work, anchor: _Work) -> float:
    """The row's rate over the anchor's, round by round; the median of the rounds."""
    per_round = [
        (len(row.items) / mine) / (len(anchor.items) / theirs)
        for mine, theirs in zip(row.seconds, anchor.seconds, strict=False)
    ]
    return statistics.median(per_round)


def _peers(python: Path, trimming: Path, files: list[Path]) -> dict[str, float]:
    if not python.exists():
        return {}
    proc = subprocess.run(
        [str(python), "-c", _PEER_SCRIPT, str(trimming), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        print(f"peers failed: {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return {}
    rates: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return rates


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument(
        "--peers-python",
        type=Path,
        default=Path.home() / ".cache" / "trimming-peers" / "bin" / "python",
    )
    ns = parser.parse_args()
    corpus = Path(ns.corpus)
    group = load_group(corpus / "group.toml")
    emails = [
        p.read_bytes()
        for folder in ("replies", "replies-2")
        for p in sorted((corpus / folder).glob("*.eml"))
    ]
    trim_files = sorted((corpus / "trimming").glob("*/cases/*.input.txt"))
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in trim_files]
    if not emails or not texts:
        sys.exit(f"no corpus under {corpus}")

    def read(raw: bytes) -> object:
        return parse_message(group, raw, channel=Channel.EMAIL, sender=None)

    anchor = _Work("anchor: standard library email.message_from_bytes, same .eml", emails,
                   email.message_from_bytes)  # fmt: skip
    rows = [
        anchor,
        _Work(f"partnerdesk: whole reading, partner replies ({len(emails)} .eml)", emails, read),
        # The same replies read as new texts: nothing remembered from the pass before.
        _Work("partnerdesk: whole reading, every text new", emails, read, clear_caches),
        _Work("partnerdesk: MIME reading alone (read_message)", emails, read_message),
        _Work(f"partnerdesk: trim_reply, trimming corpus ({len(texts)})", texts, trim_reply),
    ]
    _measure(rows)
    print(f"{'msg/s of processor time, one core':62} {'msg/s':>9}  {'x anchor':>8}")
    for row in rows:
        print(f"{row.label:62} {row.rate:9.0f}  {_ratios(row, anchor):8.2f}")
    for name, rate in _peers(ns.peers_python, corpus / "trimming", trim_files).items():
        label = f"peer {name}: trimming corpus ({len(texts)}), wall time"
        print(f"{label:62} {rate:9.0f}  {rate / anchor.rate:8.2f}")


if __name__ == "__main__":
    main()
