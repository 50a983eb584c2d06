# Reference values for tests/test_profile.py: level scores, theory stage and quadrant of the
# first respondents of data/simulated_demo.csv, and the sample medians of the level scores.
# Run from the project folder:  Rscript tests/r/profile_levels.R
library(yaml)

inst <- yaml::read_yaml("instrument/smcap-b2b.yaml")
d <- read.csv("data/simulated_demo.csv", stringsAsFactors = FALSE)
lo <- inst$scale$min; hi <- inst$scale$max

construct_score <- function(con) {
  ids <- vapply(con$items, function(i) i$id, "")
  rev <- vapply(con$items, function(i) isTRUE(i$reverse), TRUE)
  x <- as.matrix(d[, ids])
  x[, rev] <- lo + hi - x[, rev]
  need <- ceiling(0.5 * length(ids) - 1e-9)
  ifelse(rowSums(!is.na(x)) >= need, rowMeans(x, na.rm = TRUE), NA)
}
cons <- sapply(inst$constructs, construct_score)
colnames(cons) <- vapply(inst$constructs, function(c) c$id, "")
group_mean <- function(key, value) {
  members <- vapply(inst$constructs, function(c) identical(c[[key]], value), TRUE)
  rowMeans(cons[, members, drop = FALSE])  # NA when any construct is NA
}
levels <- sapply(c("operational", "dynamic", "adaptive", "networking"),
                 function(l) group_mean("level", l))
axes <- sapply(c("control", "orientation"), function(a) group_mean("axis", a))

th <- unlist(inst$stage_rule$thresholds)
stage <- apply(levels, 1, function(l) {
  if (is.na(l["operational"])) return(NA)
  if (l["operational"] < th["operational"]) return(1)
  if (any(is.na(l[c("dynamic", "adaptive")]))) return(NA)
  if (any(l[c("dynamic", "adaptive")] < th[c("dynamic", "adaptive")])) return(2)
  if (is.na(l["networking"])) return(NA)
  if (l["networking"] < th["networking"]) return(3)
  4
})
mid <- (lo + hi) / 2
quad <- ifelse(axes[, "control"] >= mid,
               ifelse(axes[, "orientation"] >= mid, "co_creation", "thought_leadership"),
               ifelse(axes[, "orientation"] >= mid, "dissemination", "call_to_action"))

options(digits = 10)
cat("first five respondents:\n")
print(data.frame(id = d$respondent_id[1:5], round(levels[1:5, ], 10),
                 stage = stage[1:5], quadrant = quad[1:5]))
cat("sample medians of the level scores:\n")
print(apply(levels, 2, median, na.rm = TRUE))
cat("respondents with all four level scores:", sum(complete.cases(levels)), "\n")
