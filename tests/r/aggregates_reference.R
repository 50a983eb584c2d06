# Reference values for tests/test_aggregates.py: t confidence intervals of stage means.
# Run: Rscript tests/r/aggregates_reference.R
x <- c(3.2, 4.1, 5.0, 4.4, 3.9, 4.7)
ci <- t.test(x)$conf.int
cat(sprintf("mean = %.10f  sd = %.10f\n", mean(x), sd(x)))
cat(sprintf("95%% CI = %.10f %.10f\n", ci[1], ci[2]))
ci90 <- t.test(x, conf.level = 0.90)$conf.int
cat(sprintf("90%% CI = %.10f %.10f\n", ci90[1], ci90[2]))
