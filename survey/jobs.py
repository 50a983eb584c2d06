"""Long computations in the background, shared by every session of the app process.

A full validation takes seconds to minutes. Run inside a Streamlit script it would be cut
short whenever the user clicks elsewhere (Streamlit stops a script at its next element call,
such as a progress update), and two sessions asking for the same analysis would compute it
twice. A :class:`JobRegistry` runs each computation once per key on a worker thread; a
session waits for it (drawing its progress), may go away and come back, and every session
asking for the same key gets the same job. The latest finished results are kept (the key
contains the data version, so a new version is a new job and old results age out).

No Streamlit here: :mod:`survey.cache` holds one registry and draws the progress.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

#: (step number from 1, number of steps, what is being done)
ProgressCallback = Callable[[int, int, str], None]


@dataclass
class Progress:
    """The latest progress report of a job (written by the worker, read by sessions)."""

    step: int = 0
    n_steps: int = 1
    label: str = "waiting to start"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, step: int, n_steps: int, label: str) -> None:
        """The progress callback handed to the computation."""
        with self._lock:
            self.step, self.n_steps, self.label = step, max(n_steps, 1), label

    def snapshot(self) -> tuple[int, int, str]:
        """``(step, n_steps, label)`` as last reported."""
        with self._lock:
            return self.step, self.n_steps, self.label

    @property
    def fraction(self) -> float:
        """Share of the steps finished (0 to 1)."""
        step, n, _ = self.snapshot()
        return min(max((step - 1) / n, 0.0), 1.0)


@dataclass
class Job:
    """One computation: its key, its future and its progress."""

    key: Hashable
    future: Future[Any]
    progress: Progress
    started: float

    def done(self) -> bool:
        """True once the computation finished (or failed)."""
        return self.future.done()


class JobRegistry:
    """Run computations once per key in the background; keep the latest results.

    Parameters
    ----------
    max_results : int, default 4
        Finished jobs kept; the oldest finished ones are dropped beyond that.
    max_workers : int, default 2
        Computations that may run at the same time.
    """

    def __init__(self, *, max_results: int = 4, max_workers: int = 2) -> None:
        if max_results < 1:
            raise ValueError(f"max_results must be at least 1, got {max_results}")
        self.max_results = max_results
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="smcap-job")
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, key: Hashable, compute: Callable[[ProgressCallback], Any]) -> Job:
        """The job of ``key``: the existing one, or a new one running ``compute(progress)``."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
                return job
            progress = Progress()
            future = self._executor.submit(compute, progress.update)
            job = Job(key, future, progress, time.monotonic())
            self._jobs[key] = job
            self._prune()
            return job

    def wait(
        self,
        job: Job,
        *,
        poll: Callable[[Progress], None] | None = None,
        interval: float = 0.25,
    ) -> Any:
        """Wait for ``job`` and return its result, calling ``poll(progress)`` while it runs.

        An exception raised by ``poll`` (a Streamlit script being stopped) leaves the job
        running for the next caller. A failed job is forgotten, so asking again recomputes,
        and its exception is raised here.
        """
        while not job.future.done():
            if poll is not None:
                poll(job.progress)
            try:
                job.future.result(timeout=interval)
            except TimeoutError:
                continue
            except Exception:  # raised again below
                break
        error = job.future.exception()
        if error is not None:
            with self._lock:
                if self._jobs.get(job.key) is job:
                    del self._jobs[job.key]
            raise error
        return job.future.result()

    def held(self) -> list[Hashable]:
        """Keys of the jobs held, oldest first."""
        with self._lock:
            return list(self._jobs)

    def _prune(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.done()]
        while len(finished) > self.max_results:
            del self._jobs[finished.pop(0)]
