/* Statistical analysis of finished runs: regression of outcomes on the patients'
 * covariates, paired comparisons of arms, global sensitivity and subgroup survival
 * (docs/analysis.md). Every function here is a pure function of its inputs: it reads
 * arrays (or, for cs_analysis_run, a finished output file) and never simulates.
 *
 * A fit that does not exist (a constant or collinear covariate, nobody or everybody with
 * the outcome, separation, no convergence) is not an error: its numbers are NaN and its
 * note says why, so the other fits and arms still complete. Errors (cs_status) are kept
 * for bad input and exhausted memory.
 */
#ifndef COHORTSIM_ANALYSIS_H
#define COHORTSIM_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cohortsim/status.h"

/* What a regression reports besides its coefficients. */
typedef struct cs_fit_summary {
  bool converged;     /* false: every coefficient and standard error is NaN */
  int iterations;     /* Newton steps taken */
  double loglik;      /* log (partial) likelihood at the estimate; NaN without a fit */
  double concordance; /* Cox only: Harrell's C of the linear predictor (NaN otherwise) */
  char note[512];     /* why covariates were dropped or the fit failed; "" if neither */
} cs_fit_summary;

/* Cox proportional-hazards regression with Efron's handling of tied event times (Efron
 * 1977), by Newton-Raphson with step halving on covariates standardised internally, and
 * Harrell's concordance of the linear predictor as R's survival::concordance computes it.
 *
 * x is n rows of p covariates (row-major), names[p] names them in notes. coef[p] and
 * se[p] receive the log hazard ratio per unit of each covariate and its standard error
 * (the inverse information at the estimate); a constant or collinear covariate is left
 * out of the model and gets NaN, with a note. Fails with CS_ERR_NUMERIC on a negative or
 * non-finite time or a non-finite covariate, and with CS_ERR_NOMEM. Deterministic. */
cs_status cs_cox_fit(size_t n, size_t p, const double *x, const char *const *names,
                     const double *time, const unsigned char *event, double *coef, double *se,
                     cs_fit_summary *summary, cs_error *err);

/* Logistic regression of y (nonzero: 1) on an intercept and the p covariates by
 * iteratively reweighted least squares (Newton's method on the binomial likelihood).
 * coef[p] and se[p] as for cs_cox_fit, log odds ratios per unit; the intercept is not
 * reported. Nobody or everybody with y = 1, or a separating covariate (the estimate runs
 * off to infinity and never converges), gives NaN for every coefficient and a note. */
cs_status cs_logit_fit(size_t n, size_t p, const double *x, const char *const *names,
                       const unsigned char *y, double *coef, double *se, cs_fit_summary *summary,
                       cs_error *err);

/* Two-sided Wald p-value of an estimate and its standard error (NaN if either is). */
double cs_wald_p(double estimate, double std_error);

/* Restricted mean survival time to tau: the area under the Kaplan-Meier curve from 0 to
 * tau, and its standard error, both exactly as R's print(survfit(...), rmean = tau)
 * computes them (Greenwood-type variance). n = 0 gives tau and 0. Fails with
 * CS_ERR_NUMERIC on a negative or non-finite time or tau, and with CS_ERR_NOMEM. */
cs_status cs_rmst(size_t n, const double *time, const unsigned char *event, double tau,
                  double *rmst, double *std_error, cs_error *err);

/* The paired difference of two arms' restricted mean survival times to tau, RMST(a) -
 * RMST(b), for the same n patients in both arms (patient i of a is patient i of b), and
 * its standard error from the influence of each patient on the two Kaplan-Meier integrals
 * (the infinitesimal jackknife, as R's residuals(survfit(...), times = tau, type =
 * "sojourn")): var = sum_i (IF_a(i) - IF_b(i))^2. For one arm alone sum_i IF(i)^2 is
 * cs_rmst's variance, so the paired error is the unpaired one less twice the covariance
 * the shared patients induce. Errors as cs_rmst. */
cs_status cs_rmst_paired_difference(size_t n, const double *time_a, const unsigned char *event_a,
                                    const double *time_b, const unsigned char *event_b, double tau,
                                    double *difference, double *std_error, cs_error *err);

/* McNemar's exact test of paired binary outcomes: `only_a` pairs had the outcome in a
 * but not in b, `only_b` the reverse. Two-sided exact binomial p-value, min(1, 2 P(X <=
 * min)) for X ~ Binomial(only_a + only_b, 1/2); no discordant pair gives 1. */
double cs_mcnemar_exact_p(size_t only_a, size_t only_b);

/* Partial rank correlation coefficients (Marino et al. 2008) of each of p covariates
 * with outcome y over n samples: the correlation of the residuals of the ranks of x_j
 * and of y, each regressed linearly on the ranks of the other covariates. Ranks average
 * over ties; y may hold +infinity (e.g. "never cleared"), which ranks last. p_value[j]
 * from t = r sqrt((n - 2 - k) / (1 - r^2)) on n - 2 - k degrees of freedom, k the number
 * of other covariates. A constant or collinear covariate gets NaN and a note, as does
 * every covariate when y is constant or n is too small. */
cs_status cs_prcc(size_t n, size_t p, const double *x, const char *const *names, const double *y,
                  double *prcc, double *p_value, char *note, size_t note_size, cs_error *err);

/* What `cohortsim analyze` is asked to do. */
typedef struct cs_analysis_request {
  const char *path; /* a finished output file (OUT.nc) */
  int n_arms;       /* the arms to analyse, by name; 0: every arm */
  const char *const *arms;
  const char *by;          /* the covariate whose tertiles form subgroups; NULL: none */
  const char *output_path; /* the analysis file to write; NULL: none */
} cs_analysis_request;

/* Reads a finished output file and runs every analysis on it: the Cox regressions of OS
 * and RFS and the logistic regression of clearance on the patients' covariates, the
 * partial rank correlations, Kaplan-Meier subgroups by trait (and by tertile of `by`),
 * RMST per arm, and for every pair of arms the paired RMST difference and McNemar's test
 * of clearance. Prints readable tables to `report` and, if asked, writes the analysis
 * file (docs/analysis.md). The file is checked and required complete as every reader does
 * (cs_ncfile_open, cs_ncfile_require_complete). Errors: CS_ERR_BAD_FILE for a malformed or
 * partial file; CS_ERR_USAGE for a shard, an unknown arm or covariate, a `by` covariate
 * without variation; CS_ERR_NETCDF/CS_ERR_IO for a file that cannot be read or written;
 * CS_ERR_NOMEM. Deterministic. */
cs_status cs_analysis_run(const cs_analysis_request *request, FILE *report, cs_error *err);

#endif
