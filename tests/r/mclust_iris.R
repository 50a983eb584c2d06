# Reference values for tests/test_profiles.py: Gaussian mixtures (VVV = full covariances) on the
# four iris measurements, k = 1..3, fitted by R's mclust. mclust's BIC is 2 lnL - p ln N (higher
# is better); smcap reports -2 lnL + p ln N (lower is better, as scikit-learn and tidyLPA).
# Run: Rscript tests/r/mclust_iris.R
suppressPackageStartupMessages(library(mclust))
cat("mclust", as.character(packageVersion("mclust")), "\n")
x <- iris[, 1:4]
for (g in 1:3) {
  fit <- Mclust(x, G = g, modelNames = "VVV", verbose = FALSE)
  cat(sprintf("G=%d loglik=%.6f df=%d bic_mclust=%.6f\n", g, fit$loglik, fit$df, fit$bic))
}
fit3 <- Mclust(x, G = 3, modelNames = "VVV", verbose = FALSE)
cat("G=3 sizes:", paste(sort(as.integer(table(fit3$classification))), collapse = " "), "\n")
