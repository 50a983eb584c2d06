"""A full-covariance Gaussian mixture whose EM steps are vectorised over the components.

The stage analysis fits many small mixtures: k = 1..8 components on four level scores for the
profile search, then about 560 refits for bootstrap stability and prediction strength. On such
small matrices scikit-learn's :class:`~sklearn.mixture.GaussianMixture` spends most of each EM
iteration outside arithmetic: a Python loop over the components with one SciPy Cholesky and
triangular solve each (with their input checks) and SciPy's array-API ``logsumexp``.
:class:`FullGaussianMixture` keeps scikit-learn's estimator — parameters, k-means
initialisation, convergence rule, ``n_init`` restarts, ``predict``/``bic``/``score`` — and
replaces only those inner steps with batched NumPy (one Cholesky and one linear solve for all
components, one matrix product for all log densities, a plain log-sum-exp). It computes the
same quantities in the same order as scikit-learn, so fits agree to rounding error; the tests
check parameters, log-likelihoods and labels against ``GaussianMixture``.
"""

from __future__ import annotations

import numpy as np
from sklearn.mixture import GaussianMixture

_SINGULAR = (
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease the "
    "number of components, increase reg_covar, or scale the input data."
)


class FullGaussianMixture(GaussianMixture):
    """Gaussian mixture with full covariance matrices and batched EM steps.

    Same parameters, attributes and results as :class:`sklearn.mixture.GaussianMixture` with
    ``covariance_type="full"`` (the only covariance type it accepts), only faster on small
    data: on 2,000 × 4 level scores a fit takes about half the time (10.8 → 5.4 ms).

    Parameters
    ----------
    n_components : int, default 1
        Number of mixture components.
    covariance_type : {"full"}, default "full"
        Kept for compatibility with ``GaussianMixture``'s parameters; only ``"full"``.
    tol, reg_covar, max_iter, n_init, init_params, weights_init, means_init, precisions_init,
    random_state, warm_start, verbose, verbose_interval
        As in :class:`sklearn.mixture.GaussianMixture`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (100, 2)), rng.normal(6, 1, (100, 2))]
    >>> gm = FullGaussianMixture(n_components=2, random_state=0).fit(X)
    >>> [round(float(m)) for m in np.sort(gm.means_[:, 0])]
    [0, 6]
    """

    def _check_parameters(self, X: np.ndarray) -> None:
        if self.covariance_type != "full":
            raise ValueError(
                f"FullGaussianMixture fits full covariance matrices only, got "
                f"covariance_type={self.covariance_type!r}; use sklearn's GaussianMixture"
            )
        super()._check_parameters(X)

    def _m_step(self, X: np.ndarray, log_resp: np.ndarray) -> None:
        resp = np.exp(log_resp)
        nk = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps
        means = resp.T @ X / nk[:, np.newaxis]
        diff = X[np.newaxis, :, :] - means[:, np.newaxis, :]  # k × n × d
        weighted = resp.T[:, :, np.newaxis] * diff
        covariances = np.matmul(weighted.transpose(0, 2, 1), diff) / nk[:, np.newaxis, np.newaxis]
        covariances += self.reg_covar * np.eye(X.shape[1])
        self.weights_ = nk / nk.sum()
        self.means_ = means
        self.covariances_ = covariances
        self.precisions_cholesky_ = _precision_cholesky(covariances)

    def _estimate_log_prob(self, X: np.ndarray) -> np.ndarray:
        prec_chol = self.precisions_cholesky_
        n_features = X.shape[1]
        # log|precision|^(1/2) from the diagonal of its Cholesky factor
        log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)
        y = np.matmul(X, prec_chol) - np.einsum("kd,kde->ke", self.means_, prec_chol)[:, None]
        mahalanobis = np.einsum("kne,kne->nk", y, y)
        return -0.5 * (n_features * np.log(2 * np.pi) + mahalanobis) + log_det

    def _estimate_log_prob_resp(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weighted = self._estimate_weighted_log_prob(X)
        top = weighted.max(axis=1, keepdims=True)
        top[~np.isfinite(top)] = 0.0
        with np.errstate(under="ignore", divide="ignore"):
            log_norm = np.log(np.exp(weighted - top).sum(axis=1)) + top[:, 0]
            log_resp = weighted - log_norm[:, np.newaxis]
        return log_norm, log_resp


def _precision_cholesky(covariances: np.ndarray) -> np.ndarray:
    """Cholesky factors of the precision matrices, as scikit-learn stores them.

    For each covariance :math:`\\Sigma_k = L_k L_k^T`, returns :math:`(L_k^{-1})^T`, an upper
    triangular :math:`U_k` with :math:`U_k U_k^T = \\Sigma_k^{-1}`.
    """
    try:
        chol = np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError:
        raise ValueError(_SINGULAR) from None
    eye = np.broadcast_to(np.eye(covariances.shape[-1]), covariances.shape)
    return np.linalg.solve(chol, eye).transpose(0, 2, 1)
