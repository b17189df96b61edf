"""asyncio over the blocking event iterator: :class:`AsyncEvents`."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

T = TypeVar("T")

_END = object()
"""Put after the last item."""


class _Failure:
    """What the blocking iterator raised, handed to the consumer to raise."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class AsyncEvents(Generic[T]):
    """An async iterator over ``events()``, a blocking iterator that a daemon thread
    (``gspnp-aevents``) runs. Items wait in a queue of ``buffer`` places on the event
    loop; when it is full the thread waits, so a slow consumer is never buried and
    the loop never blocks. The thread ends with the iterator (the server stopped), or
    when the loop is closed."""

    def __init__(self, events: Callable[[], Iterator[T]], buffer: int) -> None:
        self._events = events
        self._buffer = buffer
        self._queue: Optional["asyncio.Queue[Any]"] = None

    def __aiter__(self) -> AsyncEvents[T]:
        return self

    async def __anext__(self) -> T:
        if self._queue is None:
            self._queue = asyncio.Queue(self._buffer)
            loop = asyncio.get_running_loop()
            threading.Thread(target=self._pump, args=(loop, self._queue), name="gspnp-aevents", daemon=True).start()
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)  # stays ended
            raise StopAsyncIteration
        if isinstance(item, _Failure):
            raise item.error
        return item  # type: ignore[no-any-return]

    def _pump(self, loop: asyncio.AbstractEventLoop, queue: "asyncio.Queue[Any]") -> None:
        try:
            for item in self._events():
                if not _put(loop, queue, item):
                    return
        except BaseException as error:  # handed to the consumer
            _put(loop, queue, _Failure(error))
            return
        _put(loop, queue, _END)


def _put(loop: asyncio.AbstractEventLoop, queue: "asyncio.Queue[Any]", item: Any) -> bool:
    """Puts ``item`` into ``queue`` on ``loop``, waiting for room; False once the loop
    is closed."""
    try:
        future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
    except RuntimeError:  # the loop is closed
        return False
    while True:
        try:
            future.result(timeout=0.5)
            return True
        except concurrent.futures.TimeoutError:
            if loop.is_closed():
                future.cancel()
                return False
        except concurrent.futures.CancelledError:
            return False
