# Reference values for tests/test_quadrants.py and tests/test_claims.py.
# Run: Rscript tests/r/quadrants_reference.R   (R 4.x, lavaan 0.6.14 for the data)
suppressPackageStartupMessages(library(lavaan))
# Wilson interval = prop.test without continuity correction
for (x in list(c(3, 10), c(57, 400), c(0, 25))) {
  ci <- prop.test(x[1], x[2], correct = FALSE)$conf.int
  cat(sprintf("wilson %d/%d: %.7f %.7f\n", x[1], x[2], ci[1], ci[2]))
}
hs <- HolzingerSwineford1939
ct <- cor.test(hs$x1, hs$x4)
cat(sprintf("cor x1 x4: r=%.7f ci=%.7f %.7f\n", ct$estimate, ct$conf.int[1], ct$conf.int[2]))
# Spearman rho and chi-square on the same data (x1 cut in thirds vs school)
third <- cut(hs$x1, quantile(hs$x1, c(0, 1/3, 2/3, 1)), include.lowest = TRUE, labels = FALSE)
st <- cor.test(third, hs$x4, method = "spearman", exact = FALSE)
cat(sprintf("spearman third x4: rho=%.7f p=%.7g\n", st$estimate, st$p.value))
tab <- table(third, hs$school)
cs <- chisq.test(tab, correct = FALSE)
cat(sprintf("chisq third school: X2=%.7f df=%d p=%.7g V=%.7f\n", cs$statistic, cs$parameter,
            cs$p.value, sqrt(cs$statistic / (sum(tab) * (min(dim(tab)) - 1)))))
fit <- lm(x4 ~ x1, data = hs)
ci <- confint(fit)["x1", ]
cat(sprintf("lm x4 ~ x1: slope=%.7f ci=%.7f %.7f r2=%.7f\n", coef(fit)["x1"], ci[1], ci[2],
            summary(fit)$r.squared))
# Cramér's V interval from the noncentral chi-square (Smithson 2003): ncp limits by uniroot
x4third <- cut(hs$x4, quantile(hs$x4, c(0, 1/3, 2/3, 1)), include.lowest = TRUE, labels = FALSE)
tab2 <- table(third, x4third)
cs2 <- chisq.test(tab2, correct = FALSE)
X2 <- unname(cs2$statistic); df <- unname(cs2$parameter); N <- sum(tab2)
ncp_at <- function(p) uniroot(function(l) pchisq(X2, df, ncp = l, lower.tail = FALSE) - p,
                              c(0, 10 * X2), tol = 1e-12)$root
lims <- c(ncp_at(0.025), ncp_at(0.975))
cat(sprintf("chisq third x4third: X2=%.7f V=%.7f V_ci=%.7f %.7f\n", X2,
            sqrt(X2 / (N * (min(dim(tab2)) - 1))), sqrt(lims[1] / (N * 2)), sqrt(lims[2] / (N * 2))))
