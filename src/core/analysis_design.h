/* What the regressions of the analysis layer share (private to src/core/analysis_*.c):
 * the design matrix with constant and collinear covariates left out and the others
 * standardised, Newton's method with step halving, and the notes that say what was left
 * out or why a fit failed. */
#ifndef COHORTSIM_ANALYSIS_DESIGN_H
#define COHORTSIM_ANALYSIS_DESIGN_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <stdbool.h>
#include <stddef.h>

#include "cohortsim/status.h"

/* The kept covariates, centred and scaled to unit standard deviation, so that Newton's
 * method sees a well-conditioned problem whatever the covariates' units. */
typedef struct cs_design {
  size_t n, p, q;
  size_t *kept;      /* [q] indices (into the p covariates) of the columns kept */
  double *mean, *sd; /* [p] of every covariate; sd 0 for a constant one */
  double *z;         /* [n * q] row-major, the kept columns standardised */
} cs_design;

/* Builds the design of x (n rows of p covariates, row-major), leaving out, with a note
 * naming them, constant covariates and covariates that are (numerically) linear
 * combinations of earlier ones (modified Gram-Schmidt on the standardised columns).
 * CS_ERR_NUMERIC names a non-finite value; CS_ERR_NOMEM. The caller frees *design with
 * cs_design_destroy. */
cs_status cs_design_create(size_t n, size_t p, const double *x, const char *const *names,
                           cs_design **design, char *note, size_t note_size, cs_error *err);

void cs_design_destroy(cs_design **design);

/* Appends a sentence to a note ("; " between sentences), truncating at note_size. */
void cs_note_append(char *note, size_t note_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* A log-likelihood of q coefficients with its score (gradient) and observed information
 * (minus the Hessian), the latter two written into score and information. Returns a
 * non-finite value where the likelihood cannot be evaluated (overflow). */
typedef double (*cs_loglik_fn)(const void *data, const gsl_vector *beta, gsl_vector *score,
                               gsl_matrix *information);

/* Maximises loglik from beta = 0 by Newton-Raphson with step halving, stopping when a step
 * changes no coefficient by more than 1e-10 (a quadratically convergent method is then
 * accurate to rounding). On success (*converged) fills beta[q] and the covariance (the
 * inverse information at the estimate). Otherwise adds a note saying why: the information
 * is singular, the likelihood cannot be increased, 100 steps do not converge, or an
 * estimate is infinite (the likelihood settles while the Newton step still moves a
 * coefficient, as R's coxph detects it, or the model predicts every outcome). *iterations
 * and *value (the log-likelihood) are set either way. Fails only with CS_ERR_NOMEM. */
cs_status cs_newton_maximise(cs_loglik_fn loglik, const void *data, size_t q, gsl_vector *beta,
                             gsl_matrix *covariance, bool *converged, int *iterations,
                             double *value, char *note, size_t note_size, cs_error *err);

/* The kept coefficients back on the scale of the covariates: coef[kept[j]] = beta[j] /
 * sd, se likewise from the covariance; every other entry (and all of them if !converged)
 * NaN. */
void cs_design_unscale(const cs_design *design, bool converged, const gsl_vector *beta,
                       const gsl_matrix *covariance, double *coef, double *se);

/* CS_ERR_NUMERIC naming the first sample whose survival time is negative or not finite. */
cs_status cs_check_times(size_t n, const double *time, cs_error *err);

/* The number of nonzero flags (events, patients cleared). */
size_t cs_count_nonzero(size_t n, const unsigned char *flag);

/* Indices 0..n-1 ordered by key (ascending, ties by index, so the order is unique).
 * Allocates *order (free it); CS_ERR_NOMEM. */
cs_status cs_order_by(size_t n, const double *key, size_t **order, cs_error *err);

#endif
