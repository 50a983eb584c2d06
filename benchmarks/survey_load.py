"""Load benchmark: K concurrent browsers complete the survey against a running app.

Drives K Chromium contexts (Playwright's async API) through consent and every questionnaire
page at the same time, and prints

* page-to-page latency (click on Next/Finish → the next page is shown) p50 / p95 / max,
* the app server's CPU per page change and resident memory (start, peak, end),
* the CPU the browsers themselves used on this machine (sampled from /proc),
* answers stored in the database vs the answers the browsers gave (lost / wrong / extra),
* the machine's load average before and after (the CPU may be shared).

The browsers run on the same machine as the server. A Chromium page of this survey costs about
2.5 CPU-seconds to load and 0.3 s to draw each new page (plus the clicking), so with many
browsers and no pauses the latency mostly measures Chromium waiting for CPU; compare the
server's CPU per page change with the browsers'. ``--think`` adds reading time before each
Next (varied ±50 %) and ``--ramp`` staggers the starts, as real respondents do.

By default it starts its own server (``streamlit run survey/app.py``) on a temporary SQLite
database seeded with the 400 demo responses; ``--url`` / ``--database-url`` / ``--server-pid``
measure an app that is already running instead.

Usage::

    .venv/bin/python benchmarks/survey_load.py --k 20                       # no pauses
    .venv/bin/python benchmarks/survey_load.py --k 20 --think 30 --ramp 3   # people reading
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Page, async_playwright  # noqa: E402

from instrument import DEFAULT_INSTRUMENT, load_instrument  # noqa: E402
from survey import store  # noqa: E402
from survey.db import make_engine, migrate  # noqa: E402
from survey.demo import seed_demo  # noqa: E402
from survey.questionnaire import Question, Questionnaire  # noqa: E402
from tests.answer_plans import plan_answers, stored_form  # noqa: E402
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

TIMEOUT_MS = 120_000


@dataclass
class Respondent:
    """One simulated respondent: what they answered and how long each page change took."""

    number: int
    plan: dict[str, Any]
    token: str | None = None
    latencies: list[float] = field(default_factory=list)
    error: str | None = None


def expected_storage(questionnaire: Questionnaire, plan: dict[str, Any]) -> dict[str, Any]:
    """What the database must hold for ``plan`` (every page answered)."""
    out: dict[str, Any] = {}
    for page_id in questionnaire.page_ids:
        out.update(stored_form(questionnaire, page_id, plan))
    return out


async def answer(page: Page, page_id: str, question: Question, value: Any) -> None:
    box = page.locator(f'[class*="st-key-{page_id}-{question.id}-"]')
    if question.kind in ("likert", "attention", "single"):
        index = [v for v, _ in question.options].index(value)
        await box.locator('[data-testid="stRadioOption"]').nth(index).click()
    elif question.kind == "multi":
        labels = question.option_labels()
        for v in value:
            await box.get_by_role("button", name=labels[v], exact=True).click()
    else:
        field_ = box.locator("input[type=number]")
        await field_.fill(str(value))
        await field_.press("Tab")


async def wait_page(page: Page, questionnaire: Questionnaire, page_id: str | None) -> None:
    if page_id is None:
        await page.get_by_role("heading", name="Thank you!").wait_for(timeout=TIMEOUT_MS)
        return
    position = questionnaire.index(page_id) + 1
    await page.get_by_text(f"Page {position} of {questionnaire.n_pages}", exact=True).wait_for(
        timeout=TIMEOUT_MS
    )
    first = questionnaire.questions(page_id, seed=None)[0]
    await page.locator(f'[class*="st-key-{page_id}-{first.id}-"]').wait_for(timeout=TIMEOUT_MS)


async def run_respondent(
    browser: Any,
    url: str,
    questionnaire: Questionnaire,
    who: Respondent,
    think: float,
    delay: float,
) -> None:
    await asyncio.sleep(delay)
    pause = random.Random(who.number)
    context = await browser.new_context(viewport={"width": 375, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    try:
        await page.goto(url)
        await page.get_by_role("button", name="I agree – start the survey").click()
        await wait_page(page, questionnaire, questionnaire.first_page)
        match = re.search(r"[?&]r=([A-Za-z0-9_-]+)", page.url)
        who.token = match.group(1) if match else None
        for page_id in questionnaire.page_ids:
            for q in questionnaire.questions(page_id, seed=None):
                await answer(page, page_id, q, who.plan[q.id])
            if think:  # reading time, varied so that respondents drift apart
                await asyncio.sleep(think * pause.uniform(0.5, 1.5))
            following = questionnaire.next_page(page_id)
            started = time.perf_counter()
            await page.get_by_role(
                "button", name="Next" if following else "Finish", exact=True
            ).click()
            await wait_page(page, questionnaire, following)
            who.latencies.append(time.perf_counter() - started)
    except Exception as exc:  # reported in the summary, never hidden
        who.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        await context.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process and its children, in KiB (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            if p == pid:
                return None
    return total


def descendants_cpu(root: int, exclude: int | None) -> dict[int, float]:
    """CPU seconds so far of every descendant of ``root`` (not ``exclude`` and its children)."""
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    out = {}
    for pid_, value in cpu.items():
        ancestor = pid_
        while ancestor in parent and ancestor not in (root, exclude, 0, 1):
            ancestor = parent[ancestor]
        if ancestor == root and pid_ != root:
            out[pid_] = value
    return out


async def sample(
    pid: int | None, peak: list[int], browser_cpu: dict[int, float], stop: asyncio.Event
) -> None:
    """Every 0.5 s: the server's RSS, and the CPU time of the browsers (our descendants)."""
    first: dict[int, float] = {}
    while not stop.is_set():
        if pid is not None and (value := rss_kib(pid)):
            peak.append(value)
        for child, seconds in descendants_cpu(os.getpid(), pid).items():
            first.setdefault(child, seconds)
            browser_cpu[child] = seconds - first[child]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)


async def drive(
    url: str,
    questionnaire: Questionnaire,
    crowd: list[Respondent],
    *,
    think: float,
    ramp: float,
    n_browsers: int,
    pid: int | None,
) -> tuple[float, list[int], float]:
    peak: list[int] = []
    browser_cpu: dict[int, float] = {}
    stop = asyncio.Event()
    async with async_playwright() as playwright:
        browsers = [
            await playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            for _ in range(n_browsers)
        ]
        sampler = asyncio.create_task(sample(pid, peak, browser_cpu, stop))
        started = time.perf_counter()
        await asyncio.gather(
            *(
                run_respondent(
                    browsers[who.number % n_browsers],
                    url,
                    questionnaire,
                    who,
                    think,
                    who.number * ramp,
                )
                for who in crowd
            )
        )
        elapsed = time.perf_counter() - started
        stop.set()
        await sampler
        for browser in browsers:
            await browser.close()
    return elapsed, peak, sum(browser_cpu.values())


def start_server(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMCAP_")}
    env["SMCAP_DATABASE_URL"] = database_url
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "survey/app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"the app did not start on port {port}; see {log}")


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (R's type 7, numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def check_storage(
    database_url: str, questionnaire: Questionnaire, crowd: list[Respondent]
) -> dict[str, int]:
    engine = make_engine(database_url)
    counts = {"expected": 0, "stored": 0, "lost": 0, "wrong": 0, "extra": 0, "completed": 0}
    try:
        for who in crowd:
            expected = expected_storage(questionnaire, who.plan)
            counts["expected"] += len(expected)
            respondent = store.find_by_token(engine, who.token) if who.token else None
            stored = store.load_answers(engine, respondent.id) if respondent else {}
            counts["completed"] += bool(respondent and respondent.completed)
            counts["stored"] += len(stored)
            counts["lost"] += sum(1 for k in expected if k not in stored)
            counts["wrong"] += sum(1 for k, v in expected.items() if k in stored and stored[k] != v)
            counts["extra"] += sum(1 for k in stored if k not in expected)
    finally:
        engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=20, help="concurrent respondents (default 20)")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds before each Next (±50%%)"
    )
    parser.add_argument(
        "--ramp", type=float, default=0.0, help="seconds between respondents' starts"
    )
    parser.add_argument(
        "--browsers", type=int, default=1, help="Chromium processes sharing the K contexts"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the answers")
    parser.add_argument("--port", type=int, default=8620, help="port of the own server")
    parser.add_argument("--url", help="measure a running app at this address instead")
    parser.add_argument("--database-url", help="database of the running app (with --url)")
    parser.add_argument("--server-pid", type=int, help="process id of the running app (RSS)")
    args = parser.parse_args(argv)
    if args.url and not args.database_url:
        parser.error("--url needs --database-url to check the stored answers")

    questionnaire = Questionnaire(load_instrument(DEFAULT_INSTRUMENT))
    crowd = [
        Respondent(i, plan_answers(questionnaire, seed=args.seed * 10_000 + i))
        for i in range(args.k)
    ]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="smcap-load-") as tmp:
        server = None
        if args.url:
            url, database_url, pid = args.url, args.database_url, args.server_pid
        else:
            database_url = f"sqlite:///{Path(tmp) / 'survey.db'}"
            engine = make_engine(database_url)
            migrate(engine)
            seed_demo(engine)
            engine.dispose()
            server = start_server(database_url, args.port, Path(tmp) / "server.log")
            url, pid = f"http://127.0.0.1:{args.port}/", server.pid
        rss_start = rss_kib(pid) if pid else None
        cpu_start = cpu_seconds(pid) if pid else None
        try:
            elapsed, peak, browser_cpu = asyncio.run(
                drive(
                    url,
                    questionnaire,
                    crowd,
                    think=args.think,
                    ramp=args.ramp,
                    n_browsers=args.browsers,
                    pid=pid,
                )
            )
            rss_end = rss_kib(pid) if pid else None
            cpu_end = cpu_seconds(pid) if pid else None
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=20)
        counts = check_storage(database_url, questionnaire, crowd)
    load_after = os.getloadavg()

    latencies = [x for who in crowd for x in who.latencies]
    errors = [f"respondent {w.number}: {w.error}" for w in crowd if w.error]
    print(
        f"survey load benchmark: K = {args.k} concurrent browsers, think time {args.think} s, "
        f"starts {args.ramp} s apart"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs, load average before {load_before[0]:.1f}, "
        f"after {load_after[0]:.1f} (1 min)"
    )
    print(f"  wall time: {elapsed:.1f} s for {args.k} complete surveys")
    if latencies:
        print(
            f"  page-to-page latency over {len(latencies)} page changes: "
            f"p50 {percentile(latencies, 0.5):.3f} s, p95 {percentile(latencies, 0.95):.3f} s, "
            f"max {max(latencies):.3f} s, mean {statistics.fmean(latencies):.3f} s"
        )
    if cpu_start is not None and cpu_end is not None and latencies:
        server_cpu = cpu_end - cpu_start
        print(
            f"  server CPU: {server_cpu:.1f} s ({100 * server_cpu / elapsed:.0f}% of one core), "
            f"{1000 * server_cpu / len(latencies):.0f} ms per page change"
        )
    if latencies:
        print(
            f"  browsers' CPU (Chromium + Playwright on this machine, sampled): "
            f"{browser_cpu:.1f} s, {1000 * browser_cpu / len(latencies):.0f} ms per page change"
        )
    if rss_start is not None and rss_end is not None:
        print(
            f"  server RSS: {rss_start / 1024:.0f} MiB at start, peak "
            f"{max(peak or [rss_end]) / 1024:.0f} MiB, {rss_end / 1024:.0f} MiB at the end"
        )
    else:
        print("  server RSS: not measured (give --server-pid)")
    print(
        f"  answers: {counts['stored']} stored / {counts['expected']} expected — "
        f"lost {counts['lost']}, wrong {counts['wrong']}, extra {counts['extra']}; "
        f"completed responses {counts['completed']} / {args.k}"
    )
    for line in errors:
        print(f"  error: {line}")
    ok = not errors and counts["lost"] == counts["wrong"] == counts["extra"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
