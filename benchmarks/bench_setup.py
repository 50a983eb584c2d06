"""Time a newcomer's setup: a fresh clone to a healthy ``make run``, and ``make install``.

    python3 benchmarks/bench_setup.py                   # empty caches, uv bootstrapped from PyPI
    python3 benchmarks/bench_setup.py --warm            # this machine's uv and caches
    python3 benchmarks/bench_setup.py --installer pip   # the pip fallback, from the same lock

Each measurement starts from ``git clone --no-local`` of this repository (the committed state of
the checked-out branch) into a temporary folder. By default every cache starts empty: uv's cache
(``UV_CACHE_DIR``), pip's (``PIP_CACHE_DIR``) and the folder ``make`` installs uv into
(``UV_HOME``), so uv is fetched from PyPI as on a machine that never had it.

* **make run**: started in the background on a free port (``PORT=``); the time is taken at the
  first ``ok`` from ``http://localhost:PORT/_stcore/health``, then the server is stopped.
* **make install**: the setup part of ``make test``, on a second fresh clone with empty caches.

Prints the seconds of each, the progress lines ``make`` printed on the way and the load average
(other work on the machine slows every figure). Needs only Python's standard library, git and
make; nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Seconds after which a setup counts as failed.
TIMEOUT = 900.0


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def healthy(port: int) -> bool:
    """Whether the app on *port* answers ``ok`` on its health check."""
    try:
        with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def fresh_clone(work: Path, name: str) -> Path:
    """Clone this repository into *work*/*name*, as a newcomer would."""
    target = work / name
    subprocess.run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(target)], check=True)
    return target


def setup_env(caches: Path, *, warm: bool) -> tuple[dict[str, str], list[str]]:
    """Environment and extra make variables: empty caches under *caches* unless *warm*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMCAP_")}
    if warm:
        return env, []
    env["UV_CACHE_DIR"] = str(caches / "uv")
    env["PIP_CACHE_DIR"] = str(caches / "pip")
    uv_home = caches / "uv-bootstrap"
    # make uses a uv on PATH; naming the bootstrap's makes it install uv from PyPI
    return env, [f"UV_HOME={uv_home}", f"UV={uv_home}/bin/uv"]


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop *proc* and everything it started (it leads its own process group)."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def time_make_run(clone: Path, env: dict[str, str], make_vars: list[str]) -> tuple[float, Path]:
    """Seconds from ``make run`` to the first healthy answer; the server is stopped after."""
    port = free_port()
    log = clone.parent / f"{clone.name}.log"
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["make", "run", f"PORT={port}", *make_vars],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while not healthy(port):
                if proc.poll() is not None:
                    raise RuntimeError(f"make run exited with {proc.returncode}; see {log}")
                if time.perf_counter() - start > TIMEOUT:
                    raise RuntimeError(f"make run not healthy after {TIMEOUT:.0f} s; see {log}")
                time.sleep(0.1)
            return time.perf_counter() - start, log
        finally:
            stop(proc)


def time_make_install(clone: Path, env: dict[str, str], make_vars: list[str]) -> tuple[float, Path]:
    """Seconds ``make install`` takes."""
    log = clone.parent / f"{clone.name}.log"
    with log.open("wb") as out:
        start = time.perf_counter()
        done = subprocess.run(
            ["make", "install", *make_vars],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=TIMEOUT,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"make install exited with {done.returncode}; see {log}")
    return time.perf_counter() - start, log


def progress_lines(log: Path) -> list[str]:
    """The progress lines (``[12s] ...``) make printed, and any warning."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [s for s in lines if s.startswith("[") or "warning" in s.lower()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm", action="store_true", help="keep this machine's uv and caches")
    parser.add_argument("--installer", choices=["uv", "pip"], default="uv")
    parser.add_argument("--keep", action="store_true", help="keep the clones and their logs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="smcap-bench-setup-"))
    caches = "this machine's caches" if args.warm else "empty caches"
    print(
        f"fresh clones of {ROOT} in {work}; installer {args.installer}, {caches}; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    figures = {}
    try:
        for target, timer in (("make run", time_make_run), ("make install", time_make_install)):
            name = target.replace(" ", "-")
            clone = fresh_clone(work, name)
            env, make_vars = setup_env(work / f"{name}-caches", warm=args.warm)
            make_vars.append(f"INSTALLER={args.installer}")
            seconds, log = timer(clone, env, make_vars)
            figures[target] = seconds
            print(f"\n{target}: {seconds:.1f} s", flush=True)
            for line in progress_lines(log):
                print(f"  {line}")
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nfresh clone → healthy make run: {figures['make run']:.1f} s (target < 30 s); "
        f"make install: {figures['make install']:.1f} s; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
