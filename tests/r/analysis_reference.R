# Reference values for smcap's reliability, sampling-adequacy, EFA and data-quality statistics
# (analysis/reliability.py, analysis/adequacy.py, analysis/efa.py, analysis/quality.py),
# computed with R psych 2.2.9 (and GPArotation for the oblimin rotation).
#
# Run from the repository root:   Rscript tests/r/analysis_reference.R
#
# It exports the two public data sets to tests/data/ (Holzinger & Swineford 1939 from lavaan;
# the bfi personality items from psych -- the same files, written the same way, as
# tests/r/cfa_reference.R) and writes every reference value to tests/data/analysis_reference.json,
# which tests/test_reliability.py, tests/test_adequacy.py, tests/test_efa.py and
# tests/test_quality.py read. The tests never need R.
#
# bfi has missing answers and reverse-keyed items: the items are keyed as 7 - x (scale 1-6)
# before any statistic, exactly as smcap's scoring does (min + max - x), and every statistic uses
# pairwise-complete correlations (psych's default use = "pairwise").

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(lavaan)
  library(jsonlite)
})
stopifnot(packageVersion("psych") == "2.2.9")

data_dir <- file.path("tests", "data")
stopifnot(dir.exists(data_dir))

hs <- HolzingerSwineford1939
write.csv(hs, file.path(data_dir, "holzinger39.csv"), row.names = FALSE)
data(bfi, package = "psych")
write.csv(bfi, file.path(data_dir, "bfi.csv"), row.names = FALSE)

named <- function(x, names) {
  x <- as.list(unname(x))
  names(x) <- names
  x
}

alpha_reference <- function(items) {
  a <- psych::alpha(items, check.keys = FALSE, warnings = FALSE)
  list(
    n_obs = nrow(items),
    raw_alpha = a$total$raw_alpha,
    std_alpha = a$total$std.alpha,
    average_r = a$total$average_r,
    feldt_lower = a$feldt$lower.ci[[1]],
    feldt_upper = a$feldt$upper.ci[[1]],
    r_drop = named(a$item.stats$r.drop, colnames(items)),
    alpha_if_dropped = named(a$alpha.drop$raw_alpha, colnames(items)),
    std_alpha_if_dropped = named(a$alpha.drop$std.alpha, colnames(items)),
    omega_total = suppressMessages(suppressWarnings(
      psych::omega(items, nfactors = 1, plot = FALSE)$omega.tot
    ))
  )
}

matrix_by_row <- function(m, rows, cols) {
  out <- lapply(seq_len(nrow(m)), function(i) named(m[i, ], cols))
  names(out) <- rows
  out
}

adequacy_reference <- function(items) {
  k <- psych::KMO(items)
  b <- psych::cortest.bartlett(items)  # raw data: n = nrow, pairwise correlations
  list(
    kmo = k$MSA,
    kmo_items = named(k$MSAi, colnames(items)),
    bartlett_chisq = b$chisq,
    bartlett_df = b$df,
    bartlett_p = b$p.value
  )
}

parallel_reference <- function(items, seed) {
  set.seed(seed)
  pa <- psych::fa.parallel(items, fm = "minres", fa = "both", n.iter = 20, plot = FALSE)
  list(
    fa_values = pa$fa.values,
    pc_values = pa$pc.values,
    sim_fa_mean = pa$fa.sim,
    sim_pc_mean = pa$pc.sim,
    n_factors = pa$nfact,
    n_components = pa$ncomp
  )
}

efa_reference <- function(items, nfactors) {
  f <- psych::fa(items, nfactors = nfactors, rotate = "oblimin", fm = "minres")
  load <- unclass(f$loadings)
  list(
    loadings = matrix_by_row(load, colnames(items), colnames(load)),
    phi = matrix_by_row(f$Phi, colnames(load), colnames(load)),
    communality = named(f$communality, colnames(items)),
    factor_order = colnames(load)
  )
}

mahalanobis_reference <- function(items) {
  x <- as.matrix(items)
  d2 <- mahalanobis(x, colMeans(x), cov(x))
  list(d2_first10 = d2[1:10], n_p_below_001 = sum(pchisq(d2, ncol(x), lower.tail = FALSE) < .001))
}

# ------------------------------------------------------------------ Holzinger & Swineford 1939
hs_items <- hs[, paste0("x", 1:9)]
hs_factors <- list(visual = paste0("x", 1:3), textual = paste0("x", 4:6), speed = paste0("x", 7:9))
hs_ref <- list(
  alpha = lapply(hs_factors, function(cols) alpha_reference(hs_items[, cols])),
  adequacy = adequacy_reference(hs_items),
  parallel = parallel_reference(hs_items, 2026),
  efa = efa_reference(hs_items, 3),
  mahalanobis = mahalanobis_reference(hs_items),
  first_pc_share = eigen(cor(hs_items))$values[1] / 9
)

# ------------------------------------------------------------------ psych::bfi, keyed
bfi_items <- bfi[, paste0(rep(c("A", "C", "E", "N", "O"), each = 5), 1:5)]
bfi_reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")  # psych's bfi keys (scale 1-6)
bfi_keyed <- bfi_items
bfi_keyed[, bfi_reverse] <- 7 - bfi_keyed[, bfi_reverse]
bfi_factors <- list(
  agreeableness = paste0("A", 1:5), conscientiousness = paste0("C", 1:5),
  extraversion = paste0("E", 1:5), neuroticism = paste0("N", 1:5), openness = paste0("O", 1:5)
)
bfi_ref <- list(
  reverse = bfi_reverse,
  alpha = lapply(bfi_factors, function(cols) alpha_reference(bfi_keyed[, cols])),
  adequacy = adequacy_reference(bfi_keyed),
  parallel = parallel_reference(bfi_keyed, 2026),
  efa = efa_reference(bfi_keyed, 5),
  first_pc_share = eigen(cor(bfi_keyed, use = "pairwise"))$values[1] / 25
)

out <- list(
  generated_by = "tests/r/analysis_reference.R",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  gparotation_version = as.character(packageVersion("GPArotation")),
  holzinger39 = hs_ref,
  bfi = bfi_ref
)
write_json(out, file.path(data_dir, "analysis_reference.json"), auto_unbox = TRUE,
           digits = NA, pretty = TRUE)
cat("wrote", file.path(data_dir, "analysis_reference.json"), "\n")
