"""A partition's splits read a few at a time, in threads of the Python worker that reads it.

:func:`interleaved` yields the items of several iterables (a connector's ``read(split)``, each
a page chase) as they come, with up to ``workers`` of them read at once: each in its own
order, all of them mixed. Between the threads and the consumer at most ``depth`` items wait,
so memory stays bounded; the first error a thread meets is raised to the consumer; and when
the consumer stops early (a LIMIT met) or fails, the threads stop after the page they are
reading, before the iterator is closed.

>>> sorted(interleaved([lambda: iter([1, 2]), lambda: iter([3])], workers=2))
[1, 2, 3]
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["QUEUE_ITEMS", "interleaved"]

T = TypeVar("T")

#: items (pages) that may wait between the threads and the consumer
QUEUE_ITEMS = 8
_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def interleaved(
    sources: Sequence[Callable[[], Iterable[T]]], workers: int, depth: int = QUEUE_ITEMS
) -> Iterator[T]:
    """The items of every ``source()``, with up to ``workers`` sources read at once, each by
    one thread from start to end (so at most ``workers`` requests in flight when each item is
    one request). With one worker or one source, read in this thread, one after another."""
    if workers <= 1 or len(sources) <= 1:
        for source in sources:
            yield from source()
        return
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for source in sources:
        todo.put(source)
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    source = todo.get_nowait()
                except queue.Empty:
                    break
                items = iter(source())
                try:
                    for item in items:
                        if not put(item):
                            break
                finally:
                    close = getattr(items, "close", None)
                    if close is not None:
                        close()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the consumer
            put(_Failure(exc))
        finally:
            put(_DONE)

    threads = [
        threading.Thread(target=work, name=f"distillr-split-{i}", daemon=True)
        for i in range(min(workers, len(sources)))
    ]
    for thread in threads:
        thread.start()
    try:
        running = len(threads)
        while running:
            item = out.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, _Failure):
                raise item.exc
            else:
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join()
