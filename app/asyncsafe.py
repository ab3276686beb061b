"""pyHanko's synchronous API runs its own event loop (``asyncio.run``), which fails inside
a thread that already runs one (an async worker, or a test driving a browser). These
helpers move such calls to a short-lived worker thread when needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)``, in a worker thread if this thread runs an event loop."""
    if not _loop_running():
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, in a worker thread if this thread runs an event loop."""
    return call(asyncio.run, coroutine)
