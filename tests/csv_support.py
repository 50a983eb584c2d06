"""Checks that a CSV smcap wrote reads back row for row and holds no spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pandas as pd

from analysis.data.export import FORMULA_PREFIXES

#: Text cells a hostile respondent, panel member or instrument author could type.
HOSTILE_TEXT: tuple[str, ...] = (
    "ok\r=cmd|' /C calc'!A0",
    "ok\n=cmd|' /C calc'!A0",
    "ok\r\n@SUM(1+1)",
    " =1+1",
    "\t=1+1",
    '=HYPERLINK("http://x")',
    'say "hi", then +1',
)


def assert_csv_safe(data: bytes, *, n_rows: int, header: bool = True) -> list[list[str]]:
    """``data`` parses to ``n_rows`` data rows with both readers and no cell starts a formula.

    Returns the rows as :mod:`csv` reads them (the header first when there is one).
    """
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == n_rows + header, f"csv.reader read {len(rows)} rows"
    frame = pd.read_csv(io.BytesIO(data), header=0 if header else None, dtype=str)
    assert len(frame) == n_rows, f"pandas read {len(frame)} rows"
    for row in rows:
        for cell in row:
            if _is_number(cell):  # a negative number is a value, not a formula
                continue
            assert not cell.lstrip().startswith(FORMULA_PREFIXES), f"formula cell {cell!r}"
            assert not cell.startswith(FORMULA_PREFIXES), f"formula cell {cell!r}"
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell == cell.strip()
