# The R equivalent of `smcap analyze`, for benchmarks/bench_analyze.py.
#
#   Rscript benchmarks/bench_analyze.R responses.csv spec.json
#
# spec.json (written by bench_analyze.py) names the items, the reverse-keyed items, the scale,
# the constructs, the capability levels and the grouping column. The script runs what smcap
# runs -- psych alpha/omega per construct, KMO, Bartlett, fa.parallel and an oblimin minres fa
# with the suggested number of factors, the lavaan CFA of all constructs (listwise ML), the three
# invariance models (configural, metric, scalar) across the group, semTools HTMT -- plus
# mclust on the level scores with G = 1..8 (the clustering step of the stage analysis), once with
# all covariance families (mclust's default) and once with VVV only, and prints the wall time of
# each part. "total" is the pipeline with the default mclust.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(lavaan)
  library(semTools)
  library(mclust)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 2)
spec <- fromJSON(args[2], simplifyVector = FALSE)
timings <- list()
clock <- function(name, expr) {
  t0 <- proc.time()[["elapsed"]]
  value <- force(expr)
  timings[[name]] <<- proc.time()[["elapsed"]] - t0
  invisible(value)
}

data <- clock("read_csv", read.csv(args[1]))
items <- data[, unlist(spec$items)]
reverse <- unlist(spec$reverse)
if (length(reverse)) items[, reverse] <- spec$min + spec$max - items[, reverse]
constructs <- lapply(spec$constructs, unlist)

clock("alpha_omega", for (cols in constructs) {
  psych::alpha(items[, cols], check.keys = FALSE, warnings = FALSE)
  suppressMessages(suppressWarnings(psych::omega(items[, cols], nfactors = 1, plot = FALSE)))
})
clock("kmo_bartlett", {
  psych::KMO(items)
  suppressMessages(psych::cortest.bartlett(items))
})
pa <- clock("fa_parallel", suppressMessages(
  psych::fa.parallel(items, fm = "minres", fa = "both", n.iter = 20, plot = FALSE)
))
clock("fa", suppressWarnings(
  psych::fa(items, nfactors = max(1, pa$nfact), rotate = "oblimin", fm = "minres")
))

model <- paste(
  vapply(names(constructs), function(f) paste(f, "=~", paste(constructs[[f]], collapse = " + ")),
         character(1)),
  collapse = "\n"
)
clock("cfa", lavaan::cfa(model, data = items))
grouped <- cbind(items, .group = data[[spec$group]])
clock("invariance", {
  lavaan::cfa(model, data = grouped, group = ".group")
  lavaan::cfa(model, data = grouped, group = ".group", group.equal = "loadings")
  lavaan::cfa(model, data = grouped, group = ".group", group.equal = c("loadings", "intercepts"))
})
clock("htmt", semTools::htmt(model, data = items))

scores <- sapply(constructs, function(cols) rowMeans(items[, cols], na.rm = TRUE))
levels <- sapply(spec$levels, function(cs) rowMeans(scores[, unlist(cs), drop = FALSE]))
levels <- levels[complete.cases(levels), , drop = FALSE]
clock("mclust", mclust::Mclust(levels, G = 1:8, verbose = FALSE))
# smcap's latent profiles have unrestricted (full) covariance matrices: mclust's VVV family alone
# is the like-for-like fit; the default above searches all 14 covariance families.
clock("mclust_vvv", mclust::Mclust(levels, G = 1:8, modelNames = "VVV", verbose = FALSE))

total <- sum(unlist(timings)) - timings[["mclust_vvv"]]
for (name in names(timings)) cat(sprintf("  R %-14s %7.2f s\n", name, timings[[name]]))
cat(sprintf("  R %-14s %7.2f s\n", "total", total))
