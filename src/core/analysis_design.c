/* The design matrix and Newton's method shared by the Cox and logistic regressions. */
#include "analysis_design.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A standardised column whose part orthogonal to the earlier kept columns has less than
 * this fraction of its squared norm left is collinear with them. Far above rounding
 * (1e-16), far below any real covariate's independent variation. */
#define CS_COLLINEAR_TOLERANCE 1e-9
#define CS_NEWTON_MAX_STEPS 100
#define CS_NEWTON_MAX_HALVINGS 40
#define CS_NEWTON_STEP_TOLERANCE 1e-10
/* Infinite estimates, detected as R's survival::coxph.fit does (its "Loglik converged
 * before variable ..." warning). When the log-likelihood has settled (relative change
 * below CS_NEWTON_SETTLED) but the Newton step from there still moves a coefficient by
 * more than CS_NEWTON_STILL_MOVING (1 + |coefficient|), the likelihood is flat at
 * infinity in that direction (monotone likelihood, quasi-separation): at a finite maximum
 * the step is then quadratically small. A log-likelihood within CS_NEWTON_PERFECT of 0,
 * relative to its value at 0, is a model that predicts every outcome (complete
 * separation), whose estimate is infinite too. */
#define CS_NEWTON_SETTLED 1e-9
#define CS_NEWTON_STILL_MOVING 1e-4
#define CS_NEWTON_PERFECT 1e-9

void cs_note_append(char *note, size_t note_size, const char *format, ...)
{
  const size_t used = strlen(note);
  if (used + 3 >= note_size)
    return;
  size_t at = used;
  if (used > 0) {
    memcpy(note + used, "; ", 3);
    at += 2;
  }
  va_list args;
  va_start(args, format);
  vsnprintf(note + at, note_size - at, format, args);
  va_end(args);
}

void cs_design_destroy(cs_design **design)
{
  if (design == NULL || *design == NULL)
    return;
  free((*design)->kept);
  free((*design)->mean);
  free((*design)->sd);
  free((*design)->z);
  free(*design);
  *design = NULL;
}

static void column_moments(size_t n, size_t p, const double *x, size_t j, double *mean, double *sd)
{
  double sum = 0, squares = 0;
  for (size_t i = 0; i < n; i++)
    sum += x[i * p + j];
  *mean = n > 0 ? sum / (double)n : 0;
  for (size_t i = 0; i < n; i++)
    squares += (x[i * p + j] - *mean) * (x[i * p + j] - *mean);
  *sd = n > 1 ? sqrt(squares / (double)(n - 1)) : 0;
}

/* Keeps column j if its standardised values u (n) have a part orthogonal to the kept
 * columns' orthonormal basis (q columns of n, column-major); adds that part, normalised,
 * to the basis. */
static bool independent_of_basis(size_t n, const double *u, double *basis, size_t q)
{
  double *r = basis + q * n;
  double norm0 = 0, norm = 0;
  for (size_t i = 0; i < n; i++) {
    r[i] = u[i];
    norm0 += u[i] * u[i];
  }
  for (size_t k = 0; k < q; k++) {
    double dot = 0;
    for (size_t i = 0; i < n; i++)
      dot += basis[k * n + i] * r[i];
    for (size_t i = 0; i < n; i++)
      r[i] -= dot * basis[k * n + i];
  }
  for (size_t i = 0; i < n; i++)
    norm += r[i] * r[i];
  if (!(norm > CS_COLLINEAR_TOLERANCE * norm0))
    return false;
  for (size_t i = 0; i < n; i++)
    r[i] /= sqrt(norm);
  return true;
}

static cs_status check_finite(size_t n, size_t p, const double *x, const char *const *names,
                              cs_error *err)
{
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++)
      CS_CHECK(isfinite(x[i * p + j]), err, CS_ERR_NUMERIC,
               "covariate %s of sample %zu is %g: covariates must be finite", names[j], i,
               x[i * p + j]);
  return CS_OK;
}

cs_status cs_design_create(size_t n, size_t p, const double *x, const char *const *names,
                           cs_design **design, char *note, size_t note_size, cs_error *err)
{
  *design = NULL;
  CS_CALL(check_finite(n, p, x, names, err));
  cs_design *d = calloc(1, sizeof *d);
  double *u = malloc((n + 1) * sizeof *u);
  double *basis = malloc((n * p + 1) * sizeof *basis);
  if (d != NULL) {
    d->n = n;
    d->p = p;
    d->kept = malloc((p + 1) * sizeof *d->kept);
    d->mean = malloc((p + 1) * sizeof *d->mean);
    d->sd = malloc((p + 1) * sizeof *d->sd);
    d->z = malloc((n * p + 1) * sizeof *d->z);
  }
  if (d == NULL || u == NULL || basis == NULL || d->kept == NULL || d->mean == NULL ||
      d->sd == NULL || d->z == NULL) {
    free(u);
    free(basis);
    cs_design_destroy(&d);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  }
  for (size_t j = 0; j < p; j++) {
    column_moments(n, p, x, j, &d->mean[j], &d->sd[j]);
    if (!(d->sd[j] > 0)) {
      cs_note_append(note, note_size, "%s left out (constant)", names[j]);
      continue;
    }
    for (size_t i = 0; i < n; i++)
      u[i] = (x[i * p + j] - d->mean[j]) / d->sd[j];
    if (!independent_of_basis(n, u, basis, d->q)) {
      cs_note_append(note, note_size, "%s left out (collinear with the covariates before it)",
                     names[j]);
      continue;
    }
    d->kept[d->q++] = j;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < d->q; k++) {
      const size_t j = d->kept[k];
      d->z[i * d->q + k] = (x[i * p + j] - d->mean[j]) / d->sd[j];
    }
  free(u);
  free(basis);
  *design = d;
  return CS_OK;
}

void cs_design_unscale(const cs_design *design, bool converged, const gsl_vector *beta,
                       const gsl_matrix *covariance, double *coef, double *se)
{
  for (size_t j = 0; j < design->p; j++)
    coef[j] = se[j] = NAN;
  if (!converged)
    return;
  for (size_t k = 0; k < design->q; k++) {
    const size_t j = design->kept[k];
    coef[j] = gsl_vector_get(beta, k) / design->sd[j];
    se[j] = sqrt(gsl_matrix_get(covariance, k, k)) / design->sd[j];
  }
}

static double max_abs(const gsl_vector *v)
{
  double most = 0;
  for (size_t k = 0; k < v->size; k++)
    most = fmax(most, fabs(gsl_vector_get(v, k)));
  return most;
}

/* True if the Newton step moves a coefficient by more than CS_NEWTON_STILL_MOVING (1 +
 * |coefficient|). */
static bool runs_off(const gsl_vector *beta, const gsl_vector *step)
{
  for (size_t k = 0; k < beta->size; k++)
    if (fabs(gsl_vector_get(step, k)) >
        CS_NEWTON_STILL_MOVING * (1 + fabs(gsl_vector_get(beta, k))))
      return true;
  return false;
}

typedef struct newton_work {
  gsl_vector *score, *trial, *trial_score, *step;
  gsl_matrix *information, *trial_information, *factor;
} newton_work;

static void newton_work_free(newton_work *w)
{
  gsl_vector_free(w->score);
  gsl_vector_free(w->trial);
  gsl_vector_free(w->trial_score);
  gsl_vector_free(w->step);
  gsl_matrix_free(w->information);
  gsl_matrix_free(w->trial_information);
  gsl_matrix_free(w->factor);
}

static bool newton_work_alloc(size_t q, newton_work *w)
{
  w->score = gsl_vector_alloc(q);
  w->trial = gsl_vector_alloc(q);
  w->trial_score = gsl_vector_alloc(q);
  w->step = gsl_vector_alloc(q);
  w->information = gsl_matrix_alloc(q, q);
  w->trial_information = gsl_matrix_alloc(q, q);
  w->factor = gsl_matrix_alloc(q, q);
  return w->score != NULL && w->trial != NULL && w->trial_score != NULL && w->step != NULL &&
         w->information != NULL && w->trial_information != NULL && w->factor != NULL;
}

/* Solves information * step = score by Cholesky; false if the information is not
 * positive definite (a flat direction: no unique maximum). */
static bool newton_direction(newton_work *w)
{
  gsl_matrix_memcpy(w->factor, w->information);
  return gsl_linalg_cholesky_decomp1(w->factor) == GSL_SUCCESS &&
         gsl_linalg_cholesky_solve(w->factor, w->score, w->step) == GSL_SUCCESS;
}

/* Takes the Newton step from beta, halved until the likelihood does not decrease (beyond
 * rounding); false if no halving helps. */
static bool newton_step(cs_loglik_fn loglik, const void *data, newton_work *w, gsl_vector *beta,
                        double *value, double *step_size)
{
  double scale = 1;
  for (int h = 0; h < CS_NEWTON_MAX_HALVINGS; h++, scale /= 2) {
    gsl_vector_memcpy(w->trial, beta);
    gsl_blas_daxpy(scale, w->step, w->trial);
    const double trial_value = loglik(data, w->trial, w->trial_score, w->trial_information);
    if (isfinite(trial_value) && trial_value >= *value - 1e-12 * fabs(*value)) {
      gsl_vector_memcpy(beta, w->trial);
      gsl_vector_memcpy(w->score, w->trial_score);
      gsl_matrix_memcpy(w->information, w->trial_information);
      *value = trial_value;
      *step_size = scale * max_abs(w->step);
      return true;
    }
  }
  return false;
}

cs_status cs_newton_maximise(cs_loglik_fn loglik, const void *data, size_t q, gsl_vector *beta,
                             gsl_matrix *covariance, bool *converged, int *iterations,
                             double *value, char *note, size_t note_size, cs_error *err)
{
  newton_work w = {0};
  *converged = false;
  *iterations = 0;
  if (!newton_work_alloc(q, &w)) {
    newton_work_free(&w);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  }
  gsl_vector_set_zero(beta);
  *value = loglik(data, beta, w.score, w.information);
  const double at_zero = *value;
  bool settled = false;
  const char *failure = isfinite(*value) ? NULL : "the likelihood cannot be evaluated";
  while (failure == NULL && !*converged) {
    const double previous = *value;
    double step_size = 0;
    if (*iterations == CS_NEWTON_MAX_STEPS)
      failure = "no convergence in 100 Newton steps";
    else if (!newton_direction(&w))
      failure = "the information matrix is singular";
    else if (settled && runs_off(beta, w.step))
      failure = "the likelihood has settled while an estimate still runs off to infinity "
                "(monotone likelihood or separation)";
    else if (!newton_step(loglik, data, &w, beta, value, &step_size))
      failure = "the likelihood cannot be increased";
    else
      *converged = step_size < CS_NEWTON_STEP_TOLERANCE;
    settled = fabs(*value - previous) <= CS_NEWTON_SETTLED * fabs(*value);
    ++*iterations;
  }
  if (*converged && *value > -CS_NEWTON_PERFECT * fabs(at_zero)) {
    *converged = false;
    failure = "the model predicts every outcome (separation): no finite estimate";
  }
  if (*converged) {
    gsl_matrix_memcpy(covariance, w.information);
    *converged = gsl_linalg_cholesky_decomp1(covariance) == GSL_SUCCESS &&
                 gsl_linalg_cholesky_invert(covariance) == GSL_SUCCESS;
    if (!*converged)
      failure = "the information matrix is singular at the estimate";
  }
  if (failure != NULL)
    cs_note_append(note, note_size, "no fit: %s", failure);
  newton_work_free(&w);
  return CS_OK;
}

typedef struct keyed_index {
  double key;
  size_t index;
} keyed_index;

static int compare_keyed(const void *a, const void *b)
{
  const keyed_index *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->index < y->index ? -1 : (x->index > y->index);
}

cs_status cs_order_by(size_t n, const double *key, size_t **order, cs_error *err)
{
  keyed_index *pairs = malloc((n + 1) * sizeof *pairs);
  *order = malloc((n + 1) * sizeof **order);
  if (pairs == NULL || *order == NULL) {
    free(pairs);
    free(*order);
    *order = NULL;
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++)
    pairs[i] = (keyed_index){key[i], i};
  qsort(pairs, n, sizeof *pairs, compare_keyed);
  for (size_t i = 0; i < n; i++)
    (*order)[i] = pairs[i].index;
  free(pairs);
  return CS_OK;
}

cs_status cs_check_times(size_t n, const double *time, cs_error *err)
{
  for (size_t i = 0; i < n; i++)
    CS_CHECK(isfinite(time[i]) && time[i] >= 0, err, CS_ERR_NUMERIC,
             "survival time of sample %zu is %g, but times must be finite and >= 0", i, time[i]);
  return CS_OK;
}

size_t cs_count_nonzero(size_t n, const unsigned char *flag)
{
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    count += flag[i] != 0;
  return count;
}
