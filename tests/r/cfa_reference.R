# Reference values for smcap's CFA engine (analysis/cfa.py, analysis/invariance.py,
# analysis/validity.py), computed with R lavaan 0.6-14, semTools 0.5-6 and psych 2.2.9.
#
# Run from the repository root:   Rscript tests/r/cfa_reference.R
#
# It (1) exports the public data sets the tests use to tests/data/ (Holzinger & Swineford 1939
# from lavaan; the bfi personality items from psych), (2) reads tests/data/smcap_sim.csv (written
# by tests/r/make_smcap_sim.py), and (3) writes every reference value to
# tests/data/cfa_reference.json, which the Python tests read. The tests never need R.

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(psych)
  library(jsonlite)
})
stopifnot(packageVersion("lavaan") == "0.6.14")

data_dir <- file.path("tests", "data")
stopifnot(dir.exists(data_dir))

FIT_MEASURES <- c(
  "npar", "ntotal", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
  "rmsea.ci.upper", "rmsea.pvalue", "srmr", "aic", "bic", "logl", "unrestricted.logl",
  "baseline.chisq", "baseline.df"
)

fit_measures <- function(fit) {
  fm <- fitMeasures(fit, FIT_MEASURES)
  out <- as.list(unclass(fm))
  names(out) <- gsub(".", "_", names(out), fixed = TRUE)
  out$converged <- lavInspect(fit, "converged")
  out
}

estimates <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  keep <- pe$op %in% c("=~", "~~", "~1")
  cols <- intersect(c("lhs", "op", "rhs", "group", "est", "se", "std.all"), names(pe))
  pe <- pe[keep, cols]
  names(pe)[names(pe) == "std.all"] <- "std_all"
  pe
}

# Fornell & Larcker (1981) composite reliability and AVE from lavaan's standardized loadings.
cr_ave <- function(fit) {
  std <- standardizedSolution(fit)
  std <- std[std$op == "=~", ]
  facs <- unique(std$lhs)
  cr <- sapply(facs, function(f) {
    l <- std$est.std[std$lhs == f]
    sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
  })
  ave <- sapply(facs, function(f) mean(std$est.std[std$lhs == f]^2))
  list(cr = as.list(cr), ave = as.list(ave))
}

htmt_both <- function(model, data) {
  h2 <- unclass(htmt(model, data = data, missing = "listwise", htmt2 = TRUE))
  h1 <- unclass(htmt(model, data = data, missing = "listwise", htmt2 = FALSE))
  list(htmt2 = as.data.frame(h2), htmt = as.data.frame(h1))
}

invariance <- function(model, data, group, with_estimates = TRUE) {
  steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
  lapply(steps, function(eq) {
    fit <- cfa(model, data = data, group = group, group.equal = eq)
    list(fit = fit_measures(fit),
         estimates = if (with_estimates) estimates(fit) else NULL,
         group_n = as.list(setNames(unlist(lavInspect(fit, "nobs")),
                                    lavInspect(fit, "group.label"))))
  })
}

# ------------------------------------------------------------------ Holzinger & Swineford 1939
hs <- HolzingerSwineford1939
write.csv(hs, file.path(data_dir, "holzinger39.csv"), row.names = FALSE)
hs_model <- "
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
"
hs_fit <- cfa(hs_model, data = hs)
hs_second <- cfa(paste(hs_model, "g =~ visual + textual + speed"), data = hs)
hs_ref <- c(
  list(
    fit = fit_measures(hs_fit),
    iterations = lavInspect(hs_fit, "iterations"),
    estimates = estimates(hs_fit),
    cor_lv = as.data.frame(lavInspect(hs_fit, "cor.lv")),
    second_order = list(fit = fit_measures(hs_second), estimates = estimates(hs_second),
                        cor_lv = as.data.frame(lavInspect(hs_second, "cor.lv"))),
    invariance_school = invariance(hs_model, hs, "school"),
    alpha = as.list(sapply(list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                                speed = c("x7", "x8", "x9")),
                           function(v) psych::alpha(hs[, v])$total$raw_alpha))
  ),
  cr_ave(hs_fit),
  htmt_both(hs_model, hs)
)

# ------------------------------------------------------------------ psych::bfi (Big Five, IPIP)
data(bfi, package = "psych")
write.csv(bfi, file.path(data_dir, "bfi.csv"), row.names = FALSE)
bfi_items <- paste0(rep(c("A", "C", "E", "N", "O"), each = 5), 1:5)
bfi_reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")  # psych's bfi keys (scale 1-6)
bfi_keyed <- bfi
bfi_keyed[bfi_reverse] <- 7 - bfi_keyed[bfi_reverse]
bfi_model <- "
agreeableness =~ A1 + A2 + A3 + A4 + A5
conscientiousness =~ C1 + C2 + C3 + C4 + C5
extraversion =~ E1 + E2 + E3 + E4 + E5
neuroticism =~ N1 + N2 + N3 + N4 + N5
openness =~ O1 + O2 + O3 + O4 + O5
"
bfi_fit <- cfa(bfi_model, data = bfi_keyed)  # listwise deletion over the 25 items (lavaan default)
bfi_ref <- c(
  list(
    fit = fit_measures(bfi_fit),
    estimates = estimates(bfi_fit),
    cor_lv = as.data.frame(lavInspect(bfi_fit, "cor.lv")),
    invariance_gender = invariance(bfi_model, bfi_keyed, "gender", with_estimates = FALSE)
  ),
  cr_ave(bfi_fit),
  htmt_both(bfi_model, bfi_keyed)
)

# ------------------------------------------------------------------ simulated smcap-b2b answers
sim <- read.csv(file.path(data_dir, "smcap_sim.csv"))
items <- read.csv(file.path(data_dir, "smcap_sim_items.csv"), stringsAsFactors = FALSE)
constructs <- unique(items$construct)
sim_model <- paste(sapply(constructs, function(cn) {
  paste(cn, "=~", paste(items$item[items$construct == cn], collapse = " + "))
}), collapse = "\n")
lv <- items[items$level != "", ]
levels_used <- unique(lv$level)
second_lines <- sapply(levels_used, function(lev) {
  paste(lev, "=~", paste(unique(lv$construct[lv$level == lev]), collapse = " + "))
})
sim_second_model <- paste(sim_model, paste(second_lines, collapse = "\n"), sep = "\n")
sim_fit <- cfa(sim_model, data = sim)
sim_second <- cfa(sim_second_model, data = sim)
sim_ref <- c(
  list(
    model = sim_model,
    second_order_model = sim_second_model,
    fit = fit_measures(sim_fit),
    estimates = estimates(sim_fit),
    second_order = list(fit = fit_measures(sim_second), estimates = estimates(sim_second)),
    invariance_offering = invariance(sim_model, sim, "offering", with_estimates = FALSE)
  ),
  cr_ave(sim_fit),
  htmt_both(sim_model, sim)
)

ref <- list(
  generated_by = "tests/r/cfa_reference.R",
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools")),
                  psych = as.character(packageVersion("psych"))),
  holzinger39 = hs_ref,
  bfi = bfi_ref,
  smcap_sim = sim_ref
)
write_json(ref, file.path(data_dir, "cfa_reference.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, dataframe = "rows")
cat("wrote", file.path(data_dir, "cfa_reference.json"), "\n")
