# farringtonFlexible with the improved (Noufaily 2013) settings, matching xinfang.ml.spikes defaults.
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(surveillance))
d <- read.csv(args[1], stringsAsFactors = FALSE)
out <- list()
for (k in unique(d$key)) {
  s <- d[d$key == k, ]
  s <- s[order(s$period_start), ]
  n <- nrow(s)
  start <- 5 * 52 + 3 + 1  # first week with b = 5 full years behind it, as ours uses then (R is 1-based)
  sts <- new("sts", observed = matrix(s$count, ncol = 1), epoch = 1:n, freq = 52, start = c(2019, 1))
  ctrl <- list(range = start:n, b = 5, w = 3, reweight = TRUE, weightsThreshold = 2.58,
               trend = TRUE, pThresholdTrend = 0.05, noPeriods = 10, pastWeeksNotIncluded = 26,
               thresholdMethod = "nbPlugin", alpha = 0.005, populationOffset = FALSE,
               limit54 = c(5, 4), fitFun = "algo.farrington.fitGLM.flexible")
  r <- farringtonFlexible(sts, control = ctrl)
  out[[k]] <- data.frame(key = k, period_start = s$period_start[start:n],
                         expected = as.numeric(r@control$expected), upper = as.numeric(upperbound(r)),
                         alarm = as.integer(alarms(r)))
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
