"""The README's commands run as printed, on the shipped demo data.

Every command of the README's ``bash`` blocks that starts with ``.venv/bin/smcap`` or ``smcap``,
and every ``make <target>`` whose target finishes, is run from the repository root as a
newcomer would type it. What the commands write goes to a temporary folder: ``--out X`` becomes
``<tmp>/X``, and a later argument naming ``X`` follows it there, so the working tree stays clean.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

#: End-to-end runs (CLI, pipeline, app, database): left out of `make test-fast`.
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: The command line, as the README spells it.
SMCAP_NAMES = frozenset({".venv/bin/smcap", "smcap"})
#: make targets not run: they serve or test until stopped, rewrite the lock or delete .venv.
MAKE_NOT_RUN = frozenset({"run", "test", "lock", "clean"})
#: Seconds after which a command counts as hanging.
TIMEOUT = 600

_BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Outcome:
    """One README command run: as printed, its exit status and its output (stdout + stderr)."""

    command: str
    returncode: int
    output: str


def readme_commands(text: str) -> list[list[str]]:
    """The commands of the ``bash`` blocks in a README's *text* that are run, in order.

    Lines continued with a backslash are joined and comments dropped. Kept are the lines that
    start with the smcap command line (``SMCAP_NAMES``) and ``make <target>`` for a target that
    finishes (not in ``MAKE_NOT_RUN``); others (``sudo``, ``.venv/bin/python``, an environment
    assignment before ``make``) are not run.
    """
    commands = []
    for block in _BASH_BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            first, *rest = line.split(maxsplit=1) or [""]
            if first in SMCAP_NAMES or (
                first == "make" and rest and rest[0].split()[0] not in MAKE_NOT_RUN
            ):
                commands.append(shlex.split(line, comments=True))
    return commands


def run_commands(commands: list[list[str]], out_dir: Path) -> list[Outcome]:
    """Run *commands* in order from the repository root, with their outputs under *out_dir*.

    The smcap command line is the one installed beside the running Python.
    """
    smcap = str(Path(sys.executable).with_name("smcap"))
    moved: dict[str, str] = {}
    outcomes = []
    for words in commands:
        argv = [smcap if words[0] in SMCAP_NAMES else words[0]]
        for before, word in pairwise(words):
            if before == "--out":
                moved[word] = str(out_dir / word)
            argv.append(moved.get(word, word))
        try:
            done = subprocess.run(
                argv, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
            )
            outcome = Outcome(shlex.join(words), done.returncode, done.stdout + done.stderr)
        except subprocess.TimeoutExpired:
            outcome = Outcome(shlex.join(words), -1, f"still running after {TIMEOUT} s")
        outcomes.append(outcome)
    return outcomes


def failures(outcomes: list[Outcome]) -> str:
    """The failed commands with the end of their output; empty when all succeeded."""
    return "\n\n".join(
        f"$ {o.command}\nexit status {o.returncode}\n{o.output[-3000:]}"
        for o in outcomes
        if o.returncode != 0
    )


def test_commands_are_taken_from_bash_blocks() -> None:
    text = """\
```bash
make run    # serves the app
make lint
.venv/bin/smcap analyze --instrument a.yaml \\
    --responses r.csv --out out/x   # the analysis
SMCAP_TEST_DATABASE_URL=postgresql://x make test
.venv/bin/python -m survey.auth hash --user alice
```
```toml
smcap = "not a command"
```
```python
smcap("neither")
```
```bash
smcap instrument check 'a file.yaml'
```
"""
    analyze = ".venv/bin/smcap analyze --instrument a.yaml --responses r.csv --out out/x"
    assert readme_commands(text) == [
        ["make", "lint"],
        analyze.split(),
        ["smcap", "instrument", "check", "a file.yaml"],
    ]


def test_outputs_go_to_the_temporary_folder_and_are_read_from_there(tmp_path: Path) -> None:
    sheet = "smcap instrument rating-sheet instrument/smcap-b2b.yaml --out ann.csv"
    panel = "smcap instrument cvi instrument/smcap-b2b.yaml ann.csv ann.csv"
    written, read = run_commands([sheet.split(), panel.split()], tmp_path)
    assert written.returncode == 0 and (tmp_path / "ann.csv").exists()
    assert not (ROOT / "ann.csv").exists()
    # the blank sheet is read from the temporary folder (and refused: nothing is rated)
    assert read.returncode == 2 and f"{tmp_path / 'ann.csv'}, column F" in read.output


def test_the_readme_has_commands_to_run() -> None:
    programs = [" ".join(c[:2]) for c in readme_commands(README.read_text(encoding="utf-8"))]
    assert ".venv/bin/smcap analyze" in programs and ".venv/bin/smcap power" in programs


@pytest.mark.parametrize(
    ("printed", "broken"),
    [
        (" --format md", " --fromat md"),  # a misspelt option
        (" --drop-small-groups", " [--drop-small-groups]"),  # an optional part in brackets
    ],
)
def test_a_command_that_does_not_run_as_printed_fails(
    tmp_path: Path, printed: str, broken: str
) -> None:
    text = README.read_text(encoding="utf-8")
    assert printed in text
    commands = readme_commands(text)
    changed = [c for c in readme_commands(text.replace(printed, broken, 1)) if c not in commands]
    assert len(changed) == 1
    report = failures(run_commands(changed, tmp_path))
    assert report.startswith(f"$ {shlex.join(changed[0])}\nexit status 2")
    assert broken.split()[0] in report


@pytest.mark.slow
def test_every_readme_command_runs_as_printed(tmp_path: Path) -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    report = failures(run_commands(commands, tmp_path))
    assert not report, f"README commands that fail as printed:\n\n{report}"
