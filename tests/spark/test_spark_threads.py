"""``distillr.spark.threads.interleaved``: a partition's splits read a few at a time, each
item once, at most ``workers`` sources at once, errors raised, threads stopped when the
consumer stops early."""

from __future__ import annotations

import threading
import time
from contextlib import closing

import pytest

from distillr.spark.threads import interleaved


class Counting:
    """Sources whose items each take a moment, counting how many are being read at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.read: list[tuple[int, int]] = []

    def source(self, name: int, pages: int = 3, fail_at: int | None = None):
        def items():
            for page in range(pages):
                with self.lock:
                    self.now += 1
                    self.peak = max(self.peak, self.now)
                time.sleep(0.02)
                with self.lock:
                    self.now -= 1
                    self.read.append((name, page))
                if page == fail_at:
                    raise ValueError(f"source {name} failed")
                yield (name, page)

        return items


def test_every_item_once_and_at_most_workers_at_once():
    c = Counting()
    got = list(interleaved([c.source(i) for i in range(7)], workers=3))
    assert sorted(got) == [(i, p) for i in range(7) for p in range(3)]
    assert 1 < c.peak <= 3
    # each source's own items keep their order
    for i in range(7):
        assert [p for n, p in got if n == i] == [0, 1, 2]


def test_one_worker_reads_in_order_in_this_thread():
    c = Counting()
    assert list(interleaved([c.source(i, 2) for i in range(3)], workers=1)) == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 0),
        (2, 1),
    ]
    assert c.peak == 1


def test_an_error_in_a_thread_reaches_the_consumer_and_stops_the_rest():
    c = Counting()
    sources = [c.source(0, pages=2, fail_at=0)] + [c.source(i, pages=50) for i in range(1, 4)]
    with pytest.raises(ValueError, match="source 0 failed"):
        list(interleaved(sources, workers=4))
    assert len(c.read) < 1 + 3 * 50
    assert c.now == 0 and not _split_threads()


def test_stopping_early_stops_the_threads():
    c = Counting()
    with closing(interleaved([c.source(i, pages=50) for i in range(4)], workers=4, depth=2)) as it:
        first = [next(it) for _ in range(3)]
    assert len(first) == 3
    read = len(c.read)
    time.sleep(0.1)
    # nothing is read once the iterator is closed: each thread stopped after its page
    assert len(c.read) == read < 20 and c.now == 0
    assert not _split_threads()


def _split_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("distillr-split")]
