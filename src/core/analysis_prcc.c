/* Partial rank correlation coefficients (Marino, Hogue, Ray and Kirschner 2008, "A
 * methodology for performing global uncertainty and sensitivity analysis in systems
 * biology", J Theor Biol 254:178): the correlation of covariate j with the outcome once
 * the linear effects of the other covariates are removed, all on ranks, so that any
 * monotone relation counts and no scale (log or not) matters. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_design.h"
#include "cohortsim/analysis.h"

/* Ranks 1..n of values[i * stride] (ties get their average rank) into rank[i]. */
static cs_status average_ranks(size_t n, const double *values, size_t stride, double *rank,
                               cs_error *err)
{
  size_t *order = NULL;
  double *column = calloc(n + 1, sizeof *column);
  cs_status status = CS_OK;
  if (column == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
    goto cleanup;
  }
  for (size_t i = 0; i < n; i++)
    column[i] = values[i * stride];
  status = cs_order_by(n, column, &order, err);
  if (status != CS_OK)
    goto cleanup;
  for (size_t start = 0; start < n;) {
    size_t end = start;
    while (end < n && column[order[end]] == column[order[start]])
      end++;
    for (size_t r = start; r < end; r++)
      rank[order[r]] = (double)(start + end + 1) / 2;
    start = end;
  }
cleanup:
  free(column);
  free(order);
  return status;
}

/* Residuals of the least-squares fit of y (n) on an intercept and the design's kept
 * columns other than `skip`, by Householder QR. */
static cs_status residuals_without(const cs_design *d, size_t skip, const double *y,
                                   double *residual, cs_error *err)
{
  const size_t n = d->n, k = d->q;
  gsl_matrix *a = gsl_matrix_alloc(n, k);
  gsl_vector *tau = gsl_vector_alloc(k), *b = gsl_vector_alloc(n), *coef = gsl_vector_alloc(k),
             *r = gsl_vector_alloc(n);
  cs_status status = CS_OK;
  if (a == NULL || tau == NULL || b == NULL || coef == NULL || r == NULL)
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  if (status == CS_OK) {
    for (size_t i = 0; i < n; i++) {
      gsl_matrix_set(a, i, 0, 1);
      for (size_t c = 0, col = 1; c < k; c++)
        if (c != skip)
          gsl_matrix_set(a, i, col++, d->z[i * k + c]);
      gsl_vector_set(b, i, y[i]);
    }
    if (gsl_linalg_QR_decomp(a, tau) != 0 || gsl_linalg_QR_lssolve(a, tau, b, coef, r) != 0)
      status = cs_error_set(err, CS_ERR_NUMERIC, "partial rank correlation: QR failed");
  }
  for (size_t i = 0; status == CS_OK && i < n; i++)
    residual[i] = gsl_vector_get(r, i);
  gsl_matrix_free(a);
  gsl_vector_free(tau);
  gsl_vector_free(b);
  gsl_vector_free(coef);
  gsl_vector_free(r);
  return status;
}

static double correlation(size_t n, const double *a, const double *b)
{
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : NAN;
}

/* The PRCC of every kept covariate of d (ranks) with rank_y; residuals of least squares
 * with an intercept have mean zero, so their correlation is a plain cosine. */
static cs_status prcc_of_design(const cs_design *d, const double *rank_y, double *prcc,
                                double *p_value, cs_error *err)
{
  const size_t n = d->n;
  const double df = (double)n - 2 - (double)(d->q - 1);
  double *rx = malloc((n + 1) * sizeof *rx), *ry = malloc((n + 1) * sizeof *ry),
         *xj = malloc((n + 1) * sizeof *xj);
  cs_status status = CS_OK;
  if (rx == NULL || ry == NULL || xj == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
    goto cleanup;
  }
  for (size_t k = 0; k < d->q; k++) {
    for (size_t i = 0; i < n; i++)
      xj[i] = d->z[i * d->q + k];
    status = residuals_without(d, k, xj, rx, err);
    if (status == CS_OK)
      status = residuals_without(d, k, rank_y, ry, err);
    if (status != CS_OK)
      goto cleanup;
    const double r = correlation(n, rx, ry);
    const size_t j = d->kept[k];
    prcc[j] = r;
    const double t = fabs(r) < 1 ? r * sqrt(df / (1 - r * r)) : copysign(HUGE_VAL, r);
    p_value[j] = isnan(r) ? NAN : 2 * gsl_cdf_tdist_Q(fabs(t), df);
  }
cleanup:
  free(rx);
  free(ry);
  free(xj);
  return status;
}

/* Writes the ranks of every covariate (n rows of p) into rank_x and those of y into
 * rank_y. */
static cs_status rank_all(size_t n, size_t p, const double *x, const double *y, double *rank_x,
                          double *rank_y, cs_error *err)
{
  /* Each covariate's ranks pass through rank_y's storage before the outcome's own. */
  for (size_t j = 0; j < p; j++) {
    CS_CALL(average_ranks(n, x + j, p, rank_y, err));
    for (size_t i = 0; i < n; i++)
      rank_x[i * p + j] = rank_y[i];
  }
  return average_ranks(n, y, 1, rank_y, err);
}

static bool all_equal(size_t n, const double *values)
{
  for (size_t i = 1; i < n; i++)
    if (values[i] != values[0])
      return false;
  return true;
}

cs_status cs_prcc(size_t n, size_t p, const double *x, const char *const *names, const double *y,
                  double *prcc, double *p_value, char *note, size_t note_size, cs_error *err)
{
  for (size_t j = 0; j < p; j++)
    prcc[j] = p_value[j] = NAN;
  for (size_t i = 0; i < n; i++)
    CS_CHECK(!isnan(y[i]), err, CS_ERR_NUMERIC, "outcome of sample %zu is NaN", i);
  cs_design *d = NULL;
  double *rank_x = malloc((n * p + 1) * sizeof *rank_x), *rank_y = malloc((n + 1) * sizeof *rank_y);
  cs_status status = CS_OK;
  if (rank_x == NULL || rank_y == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
    goto cleanup;
  }
  status = rank_all(n, p, x, y, rank_x, rank_y, err);
  if (status == CS_OK)
    status = cs_design_create(n, p, rank_x, names, &d, note, note_size, err);
  if (status != CS_OK)
    goto cleanup;
  if (all_equal(n, rank_y))
    cs_note_append(note, note_size, "no partial rank correlations: the outcome is constant");
  else if (d->q == 0 || (double)n - 2 - (double)(d->q - 1) < 1)
    cs_note_append(note, note_size,
                   "no partial rank correlations: too few samples for the covariates");
  else
    status = prcc_of_design(d, rank_y, prcc, p_value, err);
cleanup:
  cs_design_destroy(&d);
  free(rank_x);
  free(rank_y);
  return status;
}
