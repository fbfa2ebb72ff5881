# The analysis layer against R (tests/r/compare_r.sh runs this script):
#   Rscript compare_r.R classic OUT_DIR ANALYSIS_CSV_BINARY
#     fits survival's lung data with the C functions (through tests/r/analysis_csv.c) and
#     with coxph(ties = "efron"), glm(binomial), print(survfit, rmean) and
#     residuals(survfit, type = "sojourn");
#   Rscript compare_r.R output OUT.nc ANALYSIS.nc
#     refits every arm of a cohortsim output from the file alone and compares with what
#     `cohortsim analyze -o ANALYSIS.nc` wrote.
# Every estimate must agree to 1e-6 relative (R's fits run to convergence 1e-12, ours to
# the exact optimum, so both are far closer than that). Prints "ok: ..." per check, and
# stops with "FAIL: ..." and exit status 1 at the first disagreement.
suppressPackageStartupMessages({
  library(survival)
  library(ncdf4)
})

tolerance <- 1e-6
checks <- 0
fail <- function(...) {
  cat("FAIL:", ..., "\n")
  quit(status = 1)
}
# same(ours, theirs, what): relative agreement (absolute below 1e-300 scale).
same <- function(ours, theirs, what) {
  ours <- as.numeric(ours)
  theirs <- as.numeric(theirs)
  if (length(ours) != length(theirs)) fail(what, ": ", length(ours), " values, R has ", length(theirs))
  scale <- pmax(abs(theirs), 1e-12)
  bad <- is.na(ours) | !(abs(ours - theirs) <= tolerance * scale)
  if (any(bad)) {
    i <- which(bad)[1]
    fail(sprintf("%s: ours %.15g, R %.15g (relative difference %.3g)", what, ours[i], theirs[i],
                 abs(ours[i] - theirs[i]) / scale[i]))
  }
  checks <<- checks + length(ours)
}
# Each patient's influence on the RMST to tau (the infinitesimal jackknife).
# residuals.survfit re-evaluates the survfit call in the global environment, so the data
# live there.
sojourn_frame <- NULL
sojourn <- function(time, event, tau) {
  sojourn_frame <<- data.frame(time = time, event = event)
  residuals(survfit(Surv(time, event) ~ 1, data = sojourn_frame), times = tau, type = "sojourn")
}
cox_control <- coxph.control(eps = 1e-12, toler.chol = 1e-13, iter.max = 100)
glm_control <- glm.control(epsilon = 1e-14, maxit = 100)

# The analysis_csv driver's estimates for a data frame (time, event, binary, covariates).
fit_csv <- function(frame, dir, name, binary, tau) {
  csv <- file.path(dir, paste0(name, ".csv"))
  write.csv(frame, csv, row.names = FALSE, quote = FALSE)
  lines <- system2(binary, c(csv, tau), stdout = TRUE)
  if (!is.null(attr(lines, "status"))) fail("analysis_csv failed on", name)
  setNames(as.numeric(sub(".* ", "", lines)), sub(" .*", "", lines))
}

# Overall survival almost decided by x (hazard ratio e^25 per SD, as b in the default
# cohort's untreated arm): a finite estimate far out, which must not be mistaken for an
# infinite one.
steep <- function(dir, binary) {
  set.seed(11)
  x <- rnorm(200)
  frame <- data.frame(time = round(exp(-3 * x + rnorm(200, sd = 0.1)), 3), event = 1L,
                      binary = rbinom(200, 1, plogis(x)), x = x, z = rnorm(200))
  ours <- fit_csv(frame, dir, "steep", binary, 1)
  fit <- coxph(Surv(time, event) ~ x + z, data = frame, ties = "efron", control = cox_control)
  if (abs(coef(fit)["x"] * sd(frame$x)) < 20) fail("steep: R's coefficient per SD is not beyond 20")
  same(ours[c("cox_coef_x", "cox_coef_z")], coef(fit), "steep: coxph coefficients")
  same(ours[c("cox_se_x", "cox_se_z")], sqrt(diag(vcov(fit))), "steep: coxph standard errors")
  cat(sprintf("ok: steep, a finite Cox estimate of %.1f per SD agrees with coxph\n",
              coef(fit)["x"] * sd(frame$x)))
}

classic <- function(dir, binary) {
  d <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "ph.karno", "wt.loss")])
  frame <- data.frame(time = d$time, event = as.integer(d$status == 2),
                     binary = as.integer(d$ph.ecog >= 1), age = d$age, sex = d$sex,
                     karno = d$ph.karno, wtloss = d$wt.loss)
  tau <- 500
  ours <- fit_csv(frame, dir, "lung", binary, tau)
  covariates <- c("age", "sex", "karno", "wtloss")
  formula_rhs <- paste(covariates, collapse = " + ")

  fit <- coxph(as.formula(paste("Surv(time, event) ~", formula_rhs)), data = frame,
               ties = "efron", control = cox_control)
  same(ours[paste0("cox_coef_", covariates)], coef(fit), "lung: coxph coefficients")
  same(ours[paste0("cox_se_", covariates)], sqrt(diag(vcov(fit))), "lung: coxph standard errors")
  same(ours["cox_loglik"], fit$loglik[2], "lung: coxph log partial likelihood")
  same(ours["cox_concordance"], fit$concordance["concordance"], "lung: coxph concordance")
  cat("ok: lung, Cox (Efron ties) coefficients, standard errors, log-likelihood, concordance\n")

  logit <- glm(as.formula(paste("binary ~", formula_rhs)), data = frame, family = binomial,
               control = glm_control)
  same(ours[paste0("logit_coef_", covariates)], coef(logit)[covariates], "lung: glm coefficients")
  same(ours[paste0("logit_se_", covariates)], sqrt(diag(vcov(logit)))[covariates],
       "lung: glm standard errors")
  same(ours["logit_loglik"], logLik(logit), "lung: glm log-likelihood")
  cat("ok: lung, logistic regression coefficients, standard errors, log-likelihood\n")

  km <- survfit(Surv(time, event) ~ 1, data = frame)
  table <- summary(km, rmean = tau)$table
  same(ours["rmst"], table["rmean"], "lung: RMST")
  same(ours["rmst_se"], table["se(rmean)"], "lung: RMST standard error")
  influence <- sojourn(frame$time, frame$event, tau)
  influence_reversed <- sojourn(rev(frame$time), rev(frame$event), tau)
  same(ours["paired_reversed_se"], sqrt(sum((influence - influence_reversed)^2)),
       "lung: paired RMST standard error against the rows reversed")
  same(ours["paired_censored_se"], sqrt(sum(influence^2)),
       "lung: paired RMST standard error against an arm without error")
  same(ours["paired_censored_difference"], table["rmean"] - tau, "lung: paired RMST difference")
  cat("ok: lung, RMST and its standard error (print(survfit, rmean)), paired standard errors",
      "(residuals(survfit, type = 'sojourn'))\n")
}

# The covariate columns of an output file as the analysis defines them.
covariate_table <- function(out, names, transforms) {
  columns <- lapply(seq_along(names), function(j) {
    variable <- if (grepl("^trait_", names[j]) || names[j] == "start_delay") names[j]
                else paste0("param_", names[j])
    values <- as.numeric(ncvar_get(out, variable))
    if (transforms[j] == "log") log(values) else values
  })
  setNames(as.data.frame(columns), names)
}

# PRCC by its definition: residuals of the ranks regressed on the other ranks.
prcc_r <- function(x, y) {
  ranks <- as.data.frame(lapply(x, rank))
  ry <- rank(y)
  sapply(seq_along(ranks), function(j) {
    others <- as.matrix(ranks[, -j, drop = FALSE])
    cor(resid(lm(ranks[[j]] ~ others)), resid(lm(ry ~ others)))
  })
}

output <- function(out_path, analysis_path) {
  out <- nc_open(out_path)
  an <- nc_open(analysis_path)
  get <- function(name) ncvar_get(an, name, collapse_degen = FALSE)
  names <- as.character(get("covariate_name"))
  transforms <- as.character(get("covariate_transform"))
  arms <- as.character(get("arm_name"))
  all_arms <- as.character(ncvar_get(out, "arm_name"))
  x <- covariate_table(out, names, transforms)
  rhs <- paste0("`", names, "`", collapse = " + ")
  tau <- ncatt_get(an, 0, "rmst_tau_days")$value
  outcome <- function(name, arm) {
    values <- ncvar_get(out, name) # [patient, arm] in R's order
    values[, match(arm, all_arms)]
  }
  # A fit the analysis refused: every coefficient NaN, and a note saying why.
  refused <- function(prefix, a, arm) {
    if (!all(is.nan(get(paste0(prefix, "_coef"))[, a]))) return(FALSE)
    note <- as.character(get(paste0(prefix, "_note")))[a]
    if (nchar(note) == 0) fail(arm, prefix, "is NaN without a note")
    cat("ok: arm", arm, prefix, "refused with a note:", note, "\n")
    TRUE
  }
  influence <- list()
  for (a in seq_along(arms)) {
    arm <- arms[a]
    frame <- cbind(x, os_time = outcome("os_time", arm), os_event = outcome("os_event", arm),
                  rfs_time = outcome("rfs_time", arm), rfs_event = outcome("rfs_event", arm),
                  cleared = outcome("cleared", arm))
    for (kind in c("os", "rfs")) {
      prefix <- paste0("cox_", kind)
      if (refused(prefix, a, arm)) next
      fit <- coxph(as.formula(sprintf("Surv(%s_time, %s_event) ~ %s", kind, kind, rhs)),
                   data = frame, ties = "efron", control = cox_control)
      same(get(paste0(prefix, "_coef"))[, a], coef(fit), paste(arm, prefix, "coefficients"))
      same(get(paste0(prefix, "_se"))[, a], sqrt(diag(vcov(fit))), paste(arm, prefix, "SE"))
      same(get(paste0(prefix, "_concordance"))[a], fit$concordance["concordance"],
           paste(arm, prefix, "concordance"))
    }
    if (!refused("logit_cleared", a, arm)) {
      logit <- glm(as.formula(paste("cleared ~", rhs)), data = frame, family = binomial,
                   control = glm_control)
      same(get("logit_cleared_coef")[, a], coef(logit)[-1], paste(arm, "glm coefficients"))
      same(get("logit_cleared_se")[, a], sqrt(diag(vcov(logit)))[-1], paste(arm, "glm SE"))
    }
    km <- survfit(Surv(os_time, os_event) ~ 1, data = frame)
    table <- summary(km, rmean = tau)$table
    same(get("rmst_os")[a], table["rmean"], paste(arm, "RMST"))
    same(get("rmst_os_se")[a], table["se(rmean)"], paste(arm, "RMST SE"))
    influence[[a]] <- sojourn(frame$os_time, frame$os_event, tau)
    prcc <- get("prcc")[, 3, a] # os_time
    same(prcc, prcc_r(x, frame$os_time), paste(arm, "PRCC with os_time"))
    df <- nrow(x) - 2 - (ncol(x) - 1)
    same(get("prcc_p")[, 3, a], 2 * pt(-abs(prcc * sqrt(df / (1 - prcc^2))), df),
         paste(arm, "PRCC p-values"))
    for (t in seq_along(as.character(get("trait_name")))) {
      trait <- as.character(get("trait_name"))[t]
      test <- survdiff(as.formula(sprintf("Surv(os_time, os_event) ~ %s", trait)), data = frame)
      same(get("os_logrank_p_by_trait")[t, a],
           pchisq(test$chisq, 1, lower.tail = FALSE), paste(arm, "log-rank by", trait))
      # survival.c's median is the first time S <= 0.5 (R takes the midpoint of a curve
      # flat at exactly 0.5; include/cohortsim/survival.h).
      medians <- sapply(0:1, function(level) {
        km <- survfit(Surv(os_time, os_event) ~ 1, data = frame[frame[[trait]] == level, ])
        reached <- km$time[km$surv <= 0.5 + sqrt(.Machine$double.eps)]
        if (length(reached) == 0) NA else min(reached)
      })
      ours <- get("os_median_by_trait")[, t, a]
      if (!identical(is.na(ours), is.na(medians))) fail(arm, trait, "median OS reached differently")
      same(ours[!is.na(ours)], medians[!is.na(medians)], paste(arm, "median OS by", trait))
    }
    cut <- ncatt_get(an, 0, "tertile_cuts")$value
    by <- ncatt_get(an, 0, "tertile_covariate")$value
    tertile <- cut(x[[by]], c(-Inf, cut, Inf))
    test <- survdiff(Surv(os_time, os_event) ~ tertile, data = frame)
    same(get("os_logrank_p_by_tertile")[a],
         pchisq(test$chisq, length(test$n) - 1, lower.tail = FALSE),
         paste(arm, "log-rank by tertile of", by))
    cat("ok: arm", arm, "Cox OS and RFS, logistic, RMST, PRCC, subgroup log-rank and medians",
        "agree with R\n")
  }
  difference_se <- get("rmst_os_difference_se")
  mcnemar <- get("mcnemar_cleared_p")
  for (a in seq_along(arms)) for (b in seq_along(arms)) if (a != b) {
    same(difference_se[b, a], sqrt(sum((influence[[a]] - influence[[b]])^2)),
         paste("paired RMST SE", arms[a], "-", arms[b]))
    only_a <- sum(outcome("cleared", arms[a]) & !outcome("cleared", arms[b]))
    only_b <- sum(outcome("cleared", arms[b]) & !outcome("cleared", arms[a]))
    expected <- if (only_a + only_b == 0) 1 else binom.test(only_a, only_a + only_b)$p.value
    same(mcnemar[b, a], expected, paste("McNemar", arms[a], "-", arms[b]))
  }
  cat("ok: paired RMST standard errors and McNemar exact tests agree with R\n")
}

args <- commandArgs(trailingOnly = TRUE)
if (args[1] == "classic") {
  classic(args[2], args[3])
  steep(args[2], args[3])
} else {
  output(args[2], args[3])
}
cat("ok:", checks, "numbers agree with R to", tolerance, "relative\n")
