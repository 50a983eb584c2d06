"""Common-method bias: Harman's single-factor test.

Harman's test asks whether one general factor accounts for most of the variance of all items,
as it would if the answers mostly reflected how people answer (one method, one sitting) rather
than what they answer. It is a weak, widely criticised check (Podsakoff et al., 2003): passing it
does not show that method bias is absent. smcap reports it because reviewers ask for it, with
that caveat in the wording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.criteria import HARMAN_MAX_SHARE
from analysis.measurement.correlation import pairwise_correlation


@dataclass(frozen=True)
class HarmanResult:
    """Harman's single-factor test.

    Attributes
    ----------
    first_factor_share : float
        Share of the total item variance explained by the first unrotated principal
        component.
    first_eigenvalue : float
        Its eigenvalue.
    n_items : int
        Number of items.
    threshold : float
        The conventional cut-off (.50).
    exceeds_threshold : bool
        Whether the share is above the cut-off (a warning sign of common-method variance).
    """

    first_factor_share: float
    first_eigenvalue: float
    n_items: int
    threshold: float
    exceeds_threshold: bool


def harman_single_factor(
    items: pd.DataFrame, *, corr: pd.DataFrame | None = None, threshold: float = HARMAN_MAX_SHARE
) -> HarmanResult:
    """Share of all item variance taken by one unrotated factor (first principal component).

    Parameters
    ----------
    items : DataFrame
        Rows = respondents, columns = all Likert items (keyed); NaN = missing.
    corr : DataFrame, optional
        The pairwise correlation matrix of ``items``, when already computed.
    threshold : float, default 0.50
        Share above which the result is flagged.

    Returns
    -------
    HarmanResult
        The share, the eigenvalue and the flag.

    Notes
    -----
    The share is :math:`\\lambda_1 / p`, the largest eigenvalue of the pairwise correlation
    matrix over the number of items — the first unrotated component of a principal component
    analysis of all items, the usual implementation of Harman's test (in R:
    ``eigen(cor(x, use = "pairwise"))$values[1] / ncol(x)``, equal to psych's
    ``fa.parallel(x)$pc.values[1] / ncol(x)``). A share above .50 is taken as a sign of
    common-method variance; a share below it is only weak evidence that there is none.

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method
    biases in behavioral research. *Journal of Applied Psychology*, 88(5), 879–903.
    """
    r = (pairwise_correlation(items) if corr is None else corr).to_numpy(dtype=float)
    first = float(np.linalg.eigvalsh(r)[-1])
    share = first / r.shape[0]
    return HarmanResult(
        first_factor_share=share,
        first_eigenvalue=first,
        n_items=r.shape[0],
        threshold=threshold,
        exceeds_threshold=bool(share > threshold),
    )
