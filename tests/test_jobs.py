"""Background computations: one job per key, shared; progress; interruption; failures."""

from __future__ import annotations

import threading

import pytest

from survey.jobs import JobRegistry, Progress


class StopScriptError(Exception):
    """Stands in for Streamlit stopping a script while it waits."""


def test_one_job_per_key_shared_by_callers() -> None:
    calls = []
    release = threading.Event()

    def compute(progress):
        calls.append(1)
        progress(1, 2, "working")
        release.wait(5)
        progress(2, 2, "done")
        return 42

    registry = JobRegistry()
    first = registry.submit("k", compute)
    second = registry.submit("k", compute)
    assert first is second
    seen: list[tuple[int, int, str]] = []

    def poll(progress: Progress) -> None:
        seen.append(progress.snapshot())
        release.set()

    assert registry.wait(second, poll=poll, interval=0.01) == 42
    assert calls == [1] and seen  # computed once; progress was drawn while it ran
    assert registry.wait(registry.submit("k", compute)) == 42  # finished results are kept
    assert calls == [1]


def test_an_interrupted_wait_leaves_the_job_running() -> None:
    release = threading.Event()
    registry = JobRegistry()
    job = registry.submit("k", lambda progress: release.wait(5) and "result")

    def stop(_progress: Progress) -> None:
        raise StopScriptError

    with pytest.raises(StopScriptError):
        registry.wait(job, poll=stop)
    release.set()
    assert registry.wait(registry.submit("k", lambda progress: "other")) == "result"


def test_a_failed_job_raises_and_is_forgotten() -> None:
    registry = JobRegistry()
    job = registry.submit("k", lambda progress: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        registry.wait(job)
    assert registry.held() == []
    assert registry.wait(registry.submit("k", lambda progress: "again")) == "again"


def test_only_the_latest_finished_results_are_kept() -> None:
    registry = JobRegistry(max_results=2)
    for key in "abcd":
        registry.wait(registry.submit(key, lambda progress, key=key: key))
    assert registry.held()[-2:] == ["c", "d"] and len(registry.held()) <= 3
    registry.wait(registry.submit("e", lambda progress: "e"))
    assert "a" not in registry.held() and "b" not in registry.held()
    with pytest.raises(ValueError, match="max_results must be at least 1, got 0"):
        JobRegistry(max_results=0)


def test_progress_fraction() -> None:
    progress = Progress()
    assert progress.fraction == 0.0
    progress.update(3, 5, "step three")
    assert progress.fraction == pytest.approx(0.4)
    assert progress.snapshot() == (3, 5, "step three")
