"""The codebook: one row per variable of an instrument, for data dictionaries and exports."""

from __future__ import annotations

import pandas as pd

from instrument.models import Instrument

#: Columns of :func:`codebook`, in order.
CODEBOOK_COLUMNS: tuple[str, ...] = (
    "variable",
    "kind",
    "text",
    "construct",
    "construct_label",
    "level",
    "axis",
    "role",
    "reverse",
    "scale",
    "values",
    "page",
    "source",
    "validates",
)


def codebook(instrument: Instrument) -> pd.DataFrame:
    """Describe every variable an instrument produces.

    Parameters
    ----------
    instrument : Instrument
        The instrument to document.

    Returns
    -------
    DataFrame
        One row per Likert item (``kind == "likert"``), attention check and firmographic
        question, with the columns in :data:`CODEBOOK_COLUMNS`. ``scale`` reads e.g.
        ``1-7 (1 = Strongly disagree, 7 = Strongly agree)`` (with a construct's own point
        labels for its items); ``values`` lists answer options as ``value = label`` pairs, or
        the expected answer of an attention check. A Likert item's values end with the
        don't-know code when the scale has one, e.g. ``99 = Don't know / not applicable
        (missing)``. For background questions ``role`` is what the question measures (e.g.
        ``firm_size``, ``informant``) and ``validates`` names the stage or axis a non-scored
        indicator is compared with.

    Examples
    --------
    >>> from instrument import load_instrument, DEFAULT_INSTRUMENT
    >>> cb = codebook(load_instrument(DEFAULT_INSTRUMENT))
    >>> row = cb.set_index("variable").loc["op_ai_3"]
    >>> row["construct"], row["level"], bool(row["reverse"])
    ('audience_insight', 'operational', True)
    """
    s = instrument.scale
    scale_text = _scale_text(s.min, s.max, s.labels)
    dont_know = ""
    if s.dont_know is not None:
        dont_know = f"; {s.dont_know.code} = {s.dont_know.label} (missing)"
    page_of: dict[str, str] = {}
    for page in instrument.page_list():
        for cid in page.constructs:
            for item in instrument.construct(cid).items:
                page_of[item.id] = page.id
        for qid in (*page.attention_checks, *page.firmographics):
            page_of[qid] = page.id
    rows: list[dict[str, object]] = []
    for q in instrument.firmographics:
        if q.options:
            values = "; ".join(f"{o.value} = {o.label}" for o in q.options)
        else:
            lo = "" if q.min is None else q.min
            hi = "" if q.max is None else q.max
            values = f"integer {lo}..{hi}"
        rows.append(
            {
                "variable": q.id,
                "kind": f"firmographic ({q.type})",
                "text": q.text,
                "role": q.measures or "",
                "values": values,
                "page": page_of.get(q.id, ""),
                "validates": q.validates or "",
            }
        )
    for c in instrument.constructs:
        labels = c.labels if c.labels is not None else s.labels
        values = "; ".join(f"{p} = {lbl}" for p, lbl in zip(s.points, labels, strict=True))
        for item in c.items:
            rows.append(
                {
                    "variable": item.id,
                    "kind": "likert",
                    "text": item.text,
                    "construct": c.id,
                    "construct_label": c.label,
                    "level": c.level or "",
                    "axis": c.axis or "",
                    "role": c.role or "",
                    "reverse": item.reverse,
                    "scale": _scale_text(s.min, s.max, labels),
                    "values": values + dont_know,
                    "page": page_of.get(item.id, ""),
                    "source": c.source or "",
                }
            )
    for a in instrument.attention_checks:
        rows.append(
            {
                "variable": a.id,
                "kind": "attention_check",
                "text": a.text,
                "scale": scale_text,
                "values": f"correct answer = {a.answer} ({s.labels[a.answer - s.min]})",
                "page": page_of.get(a.id, ""),
            }
        )
    table = pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))
    table["reverse"] = table["reverse"].astype("boolean")
    return table.fillna({c: "" for c in CODEBOOK_COLUMNS if c != "reverse"})


def _scale_text(lo: int, hi: int, labels: tuple[str, ...]) -> str:
    return f"{lo}-{hi} ({lo} = {labels[0]}, {hi} = {labels[-1]})"


def codebook_markdown(instrument: Instrument) -> str:
    """The codebook as a Markdown document with one table (pipes in text escaped)."""
    table = codebook(instrument)
    header = (
        f"# Codebook: {instrument.title}\n\n"
        f"Instrument `{instrument.id}` version {instrument.version}.\n\n"
    )
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in table.iterrows():
        cells = ["" if pd.isna(v) else str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return header + "\n".join(lines) + "\n"
