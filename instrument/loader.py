"""Load an instrument YAML file into :class:`~instrument.models.Instrument`.

All problems — a missing file, broken YAML, a schema violation — surface as one
:class:`InstrumentError` whose message names the file, the path inside it (for example
``constructs[3].items[2].id``), the YAML line where it can be found, and what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from instrument.models import Instrument, LocatedValueError

Loc = tuple[str | int, ...]
#: The problem reported for YAML nested deeper than Python's recursion allows.
TOO_DEEP = (
    "the file nests too deeply (lists or mappings inside each other hundreds of levels "
    "deep); an instrument needs only a few levels"
)


class InstrumentError(ValueError):
    """An instrument file could not be loaded; ``problems`` lists each one as a line."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid instrument file {self.path}:\n{lines}")


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument file.

    Parameters
    ----------
    path : str or Path
        A YAML file in the format of DESIGN §3.1.

    Returns
    -------
    Instrument
        The validated, immutable instrument.

    Raises
    ------
    InstrumentError
        When the file is missing or unreadable, is not valid YAML, is empty, nests too
        deeply, or does not follow the schema. Each problem names its place in the file and
        the YAML line.

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> inst = load_instrument(DEFAULT_INSTRUMENT)
    >>> inst.id
    'smcap-b2b'
    """
    path = Path(path)
    if not path.exists():
        raise InstrumentError(path, ["file not found"])
    if path.is_dir():
        raise InstrumentError(path, ["is a directory, not a YAML file"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(path, [f"cannot be read: {exc}"]) from None
    return parse_instrument(text, source=path)


def parse_instrument(text: str, *, source: str | Path = "<string>") -> Instrument:
    """Validate instrument YAML given as text; ``source`` names it in error messages.

    Parameters
    ----------
    text : str
        The YAML document.
    source : str or Path, optional
        What to call the document in errors (a file name).

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        As :func:`load_instrument`.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except RecursionError:
        raise InstrumentError(source, [TOO_DEEP]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError(source, [f"{where}YAML syntax error: {problem}"]) from None
    if data is None:
        raise InstrumentError(source, ["file is empty; expected an instrument (id, version, ...)"])
    if not isinstance(data, dict):
        raise InstrumentError(
            source, [f"expected a mapping of keys at the top, found {type(data).__name__}"]
        )
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise InstrumentError(source, _describe(exc, node)) from None
    except RecursionError:
        raise InstrumentError(source, [TOO_DEEP]) from None


def _describe(exc: ValidationError, node: yaml.Node | None) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        message = err["msg"]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, LocatedValueError):
            loc = loc + cause.loc
            message = str(cause)
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        kind = err["type"]
        if kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}' (check the spelling; allowed keys are documented)"
        elif kind == "missing":
            message = f"required key '{loc[-1]}' is missing"
        elif kind == "literal_error":
            message = f"{message} (got {err.get('input')!r})"
        line = _line_of(node, loc)
        where = _format(loc) or "<top level>"
        prefix = f"{where} (line {line})" if line else where
        problems.append(f"{prefix}: {message}")
    return problems


def _format(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_of(node: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based YAML line of the deepest node reachable along ``loc``."""
    best = node.start_mark.line + 1 if node is not None else None
    current: Any = node
    for part in loc:
        child = None
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if str(key.value) == str(part):
                    child = value
                    break
            if child is not None:
                # a mapping entry is shown at its key (its value may start on the next line)
                current, best = child, key.start_mark.line + 1
                continue
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            child = current.value[part]
        if child is None:
            break
        current = child
        best = child.start_mark.line + 1
    return best
