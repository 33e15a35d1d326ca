"""The micro-batcher: texts of concurrent requests gathered into one engine call off the event loop.

A request puts its texts on a queue with a key (model, taxonomy, explain) and awaits a future.
One task takes the first job, gathers more for up to ``max_wait_s`` or until ``max_batch`` texts
wait, runs one :meth:`Analyzer.analyze <affectlab.Analyzer.analyze>` per key in an engine
thread, and resolves each job's future with its own records, in order. Up to ``concurrency``
engine calls run at once: while one batch is scored, the event loop answers the last one's
requests and gathers the next, so the cores are not idle in turn. Under load each call carries
as many texts as arrived meanwhile. A job larger than ``max_batch`` runs alone (the analyzer
splits it as the Python API does).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from affectlab.core.records import Affect

__all__ = ["MicroBatcher"]

#: ``score(key, texts, ids) -> records``: one engine call for texts sharing a key.
Score = Callable[[Hashable, list[str], list[str | None]], list[Affect]]


@dataclass
class _Job:
    key: Hashable
    texts: Sequence[str]
    ids: Sequence[str | None]
    future: asyncio.Future[list[Affect]] = field(repr=False)


class MicroBatcher:
    """Coalesce the texts of concurrent requests into engine calls.

    Parameters
    ----------
    score : callable
        ``score(key, texts, ids)`` returning one record per text, run in the engine thread.
    max_batch : int, default=256
        Texts per engine call at most (>= 1); a larger job runs alone.
    max_wait_s : float, default=0.005
        Seconds to wait for more texts after the first one arrives (0: take only what is queued).
    concurrency : int, default=2
        Engine calls running at once (>= 1), each in its own thread.
    on_batch : callable, optional
        Called with the number of texts of every engine call (for metrics).
    """

    def __init__(
        self,
        score: Score,
        *,
        max_batch: int = 256,
        max_wait_s: float = 0.005,
        concurrency: int = 2,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.score = score
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.concurrency = concurrency
        self.on_batch = on_batch
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(concurrency, thread_name_prefix="affectlab-engine")
        self._task: asyncio.Task[None] | None = None
        self._calls: set[asyncio.Task[None]] = set()
        self._pending: _Job | None = None  # taken from the queue, too large for the batch being gathered

    @property
    def queued(self) -> int:
        """Jobs waiting for the engine."""
        return self._queue.qsize() + (self._pending is not None)

    def start(self) -> None:
        """Start gathering (call from the running event loop)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="affectlab-batcher")

    async def stop(self) -> None:
        """Stop gathering; jobs still queued fail with :class:`asyncio.CancelledError`."""
        for task in (self._task, *self._calls):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        while not self._queue.empty():
            self._queue.get_nowait().future.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def submit(self, key: Hashable, texts: Sequence[str], ids: Sequence[str | None]) -> list[Affect]:
        """The records of ``texts`` (one per text, in order), scored with the others of the same moment."""
        future: asyncio.Future[list[Affect]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(key, texts, ids, future))
        return await future

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self.concurrency)
        while True:
            await slots.acquire()  # gather only once a call can start: the batch takes all that arrives meanwhile
            jobs = await self._gather()
            call = asyncio.get_running_loop().create_task(self._score_jobs(jobs))
            self._calls.add(call)
            call.add_done_callback(lambda done: (self._calls.discard(done), slots.release()))

    async def _score_jobs(self, jobs: list[_Job]) -> None:
        """Score ``jobs`` (one engine call per key) and resolve each future with its own records."""
        loop = asyncio.get_running_loop()
        groups: dict[Hashable, list[_Job]] = {}
        for job in jobs:
            if not job.future.done():  # a caller that timed out or went away needs nothing
                groups.setdefault(job.key, []).append(job)
        for key, group in groups.items():
            texts = [t for job in group for t in job.texts]
            ids = [i for job in group for i in job.ids]
            try:
                records = await loop.run_in_executor(self._executor, self.score, key, texts, ids)
            except Exception as exc:  # handed to each caller, which turns it into a problem response
                for job in group:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            if self.on_batch is not None:
                self.on_batch(len(texts))
            start = 0
            for job in group:
                if not job.future.done():
                    job.future.set_result(records[start : start + len(job.texts)])
                start += len(job.texts)

    async def _gather(self) -> list[_Job]:
        """The next batch: the first job, then others until ``max_batch`` texts or ``max_wait_s`` pass."""
        first = self._pending or await self._queue.get()
        self._pending = None
        jobs, size = [first], len(first.texts)
        deadline = asyncio.get_running_loop().time() + self.max_wait_s
        while size < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            if size + len(job.texts) > self.max_batch:
                self._pending = job
                break
            jobs.append(job)
            size += len(job.texts)
        return jobs
