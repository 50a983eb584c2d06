# Reference values for tests/test_profile.py: level scores, theory stage and quadrant of the
# first respondents of tests/data/simulated_demo_1_0.csv (instrument 1.0), and the sample medians of the level scores.
# Run from the project folder:  Rscript tests/r/profile_levels.R
library(yaml)

inst <- yaml::read_yaml("instrument/smcap-b2b-1.0.yaml")
d <- read.csv("tests/data/simulated_demo_1_0.csv", stringsAsFactors = FALSE)
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

# default threshold: two thirds of the way up the scale, unless the file sets one
th <- setNames(rep(lo + 2 / 3 * (hi - lo), 4), colnames(levels))
given <- unlist(inst$stage_rule$thresholds)
th[names(given)] <- given
transitions <- list("operational", c("dynamic", "adaptive"), "networking")
stage <- apply(levels, 1, function(l) {
  if (any(is.na(l))) return(NA)                       # unclassified
  met <- vapply(transitions, function(t) all(l[t] >= th[t]), TRUE)
  s <- 1 + sum(cumprod(met))
  if (s <= length(met) && any(met[s:length(met)])) return(NA)  # breaks the order
  s
})
mid <- (lo + hi) / 2
band <- (hi - lo) / 48                                # a tie is mixed, never "high"
side <- function(x) ifelse(abs(x - mid) <= band, NA, x > mid)
dec <- side(axes[, "control"]); rel <- side(axes[, "orientation"])
quad <- ifelse(is.na(dec) | is.na(rel), "mixed",
               ifelse(dec, ifelse(rel, "co_creation", "thought_leadership"),
                      ifelse(rel, "dissemination", "call_to_action")))

options(digits = 10)
cat("first five respondents:\n")
print(data.frame(id = d$respondent_id[1:5], round(levels[1:5, ], 10),
                 stage = stage[1:5], quadrant = quad[1:5]))
cat("sample medians of the level scores:\n")
print(apply(levels, 2, median, na.rm = TRUE))
cat("respondents with all four level scores:", sum(complete.cases(levels)), "\n")
