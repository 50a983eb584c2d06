"""The CFA model specification: which items measure which factor, second-order factors, and
its lavaan syntax.

A :class:`CFAModel` is built from an instrument (:func:`model_from_instrument`) or by hand;
:func:`lavaan_syntax` writes the same model for R, and :func:`minimum_sample_size` gives the
fewest complete respondents that identify it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from instrument import LEVELS, Instrument

Missing = Literal["listwise"]


Equal = Literal["loadings", "intercepts"]


SmallGroups = Literal["error", "drop"]


# --------------------------------------------------------------------------------------- model
@dataclass(frozen=True)
class CFAModel:
    """A confirmatory factor model: which items measure which factor.

    Parameters
    ----------
    factors : dict of str to tuple of str
        First-order factor → its indicator columns, in order. The first indicator is the marker
        (its loading is fixed to 1, as lavaan does by default).
    second_order : dict of str to tuple of str, optional
        Higher-order factor → the first-order factors it explains (marker: the first one).
        First-order factors not listed here correlate freely with each other and with the
        second-order factors; the disturbances of listed first-order factors are uncorrelated.

    Raises
    ------
    ValueError
        An empty model, a factor with fewer than two indicators, an indicator listed twice in
        one factor, a name used both as factor and item, or a second-order factor that names an
        unknown first-order factor, has fewer than two, or shares one with another.

    Examples
    --------
    >>> m = CFAModel({"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6")})
    >>> m.items
    ('x1', 'x2', 'x3', 'x4', 'x5', 'x6')
    """

    factors: Mapping[str, tuple[str, ...]]
    second_order: Mapping[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.factors, Mapping) or not self.factors:
            raise ValueError("factors must be a non-empty mapping of factor -> indicator columns")
        factors = {
            str(f): tuple(str(i) for i in _as_tuple(ind, f)) for f, ind in self.factors.items()
        }
        for f, ind in factors.items():
            if len(ind) < 2:
                raise ValueError(
                    f"factor '{f}' has {len(ind)} indicator(s); a factor needs at least 2"
                )
            dup = sorted({i for i in ind if ind.count(i) > 1})
            if dup:
                raise ValueError(f"factor '{f}' lists indicator(s) {dup} more than once")
        items = {i for ind in factors.values() for i in ind}
        clash = sorted(items & set(factors))
        if clash:
            raise ValueError(f"name(s) {clash} are used both as factor and as item")
        second = None
        if self.second_order:
            second = {
                str(s): tuple(str(f) for f in _as_tuple(first, s))
                for s, first in self.second_order.items()
            }
            seen: dict[str, str] = {}
            for s, first in second.items():
                if s in factors or s in items:
                    raise ValueError(f"second-order factor '{s}' reuses a factor or item name")
                unknown = [f for f in first if f not in factors]
                if unknown:
                    raise ValueError(
                        f"second-order factor '{s}' names unknown first-order factor(s) {unknown}"
                    )
                if len(set(first)) < 2:
                    raise ValueError(
                        f"second-order factor '{s}' has {len(set(first))} first-order "
                        "factor(s); it needs at least 2"
                    )
                for f in first:
                    if f in seen and seen[f] != s:
                        raise ValueError(
                            f"first-order factor '{f}' is under both '{seen[f]}' and '{s}'"
                        )
                    seen[f] = s
        object.__setattr__(self, "factors", factors)
        object.__setattr__(self, "second_order", second or None)

    @property
    def items(self) -> tuple[str, ...]:
        """Indicator columns in order of first appearance."""
        return tuple(dict.fromkeys(i for ind in self.factors.values() for i in ind))

    @property
    def first_order(self) -> tuple[str, ...]:
        """First-order factor names."""
        return tuple(self.factors)

    @property
    def latents(self) -> tuple[str, ...]:
        """All latent variables: first-order factors, then second-order factors."""
        return self.first_order + tuple(self.second_order or ())


def _as_tuple(value: object, owner: str) -> tuple[object, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"'{owner}' must map to a sequence of names, got {value!r}")
    return tuple(value)


#: Name of the higher-order factor of the assemblage model (:func:`model_from_instrument`).
ASSEMBLAGE_FACTOR = "networking_capability"


def model_from_instrument(
    instrument: Instrument,
    *,
    constructs: Sequence[str] | None = None,
    second_order: bool | Literal["levels", "assemblage"] = False,
) -> CFAModel:
    """The measurement model of an instrument: one factor per construct.

    Parameters
    ----------
    instrument : Instrument
        The instrument; each construct becomes a factor measured by its items (in order).
    constructs : sequence of str, optional
        Construct ids to include (default: all, in instrument order).
    second_order : bool or {"levels", "assemblage"}, default False
        ``True`` or ``"levels"``: one second-order factor per capability level (named after
        the level) that has at least two of the included constructs — networking as a fourth
        tier beside the other three. ``"assemblage"``: one second-order factor,
        ``networking_capability``, over every capability construct of every level — networking
        capability as an assemblage of the operational, dynamic and adaptive capabilities with
        network development and management as its social-media routines (seed 001 §5). The
        assemblage model is nested in the levels model (its four level factors correlating
        perfectly), so the two can be compared by a χ² difference test. Constructs without a
        level (axes, outcomes), and a level with only one included construct, stay first-order
        factors that correlate freely with the others.

    Returns
    -------
    CFAModel
        The model; fit it to *keyed* items (:func:`analysis.measurement.scoring.keyed_items`).

    Raises
    ------
    ValueError
        An unknown construct id, or a construct with fewer than two items.
    """
    known = {c.id: c for c in instrument.constructs}
    if constructs is None:
        chosen = list(instrument.constructs)
    else:
        unknown = [c for c in constructs if c not in known]
        if unknown:
            raise ValueError(f"constructs: unknown construct id(s) {unknown}")
        chosen = [known[c] for c in dict.fromkeys(constructs)]
    factors = {c.id: tuple(item.id for item in c.items) for c in chosen}
    higher: dict[str, tuple[str, ...]] = {}
    if second_order == "assemblage":
        members = tuple(c.id for c in chosen if c.level is not None)
        if len(members) >= 2:
            higher[ASSEMBLAGE_FACTOR] = members
    elif second_order:
        for level in LEVELS:
            members = tuple(c.id for c in chosen if c.level == level)
            if len(members) >= 2:
                higher[level] = members
    return CFAModel(factors, higher or None)


def lavaan_syntax(model: CFAModel) -> str:
    """The model in lavaan syntax, so R users can reproduce the fit.

    Parameters
    ----------
    model : CFAModel
        The model.

    Returns
    -------
    str
        One ``factor =~ item1 + item2`` line per factor (second-order factors last); fit it
        with ``lavaan::cfa(syntax, data = keyed_items)``.

    Examples
    --------
    >>> print(lavaan_syntax(CFAModel({"f": ("a", "b", "c")})))
    f =~ a + b + c
    """
    lines = [f"{f} =~ {' + '.join(ind)}" for f, ind in model.factors.items()]
    lines += [f"{s} =~ {' + '.join(first)}" for s, first in (model.second_order or {}).items()]
    return "\n".join(lines)


def minimum_sample_size(model: CFAModel) -> int:
    """Fewest complete rows (per group) a CFA of ``model`` needs: number of items + 1.

    Below that the sample covariance matrix of the items is singular and ML is undefined.
    """
    return len(model.items) + 1
