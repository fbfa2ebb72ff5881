/* Logistic regression by Newton's method on the binomial log-likelihood, which for the
 * canonical logit link is iteratively reweighted least squares (McCullagh and Nelder
 * 1989, section 4.4), as R's glm(family = binomial) fits it. */
#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdlib.h>

#include "analysis_design.h"
#include "cohortsim/analysis.h"

typedef struct logit_data {
  const cs_design *design;
  const unsigned char *y;
} logit_data;

/* log(1 + e^eta) without overflow. */
static double log1p_exp(double eta)
{
  return eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
}

/* Coefficient 0 is the intercept, 1..q those of the design's columns. */
static double logit_loglik(const void *data, const gsl_vector *beta, gsl_vector *u,
                           gsl_matrix *info)
{
  const logit_data *l = data;
  const cs_design *d = l->design;
  const size_t q = d->q;
  double value = 0;
  gsl_vector_set_zero(u);
  gsl_matrix_set_zero(info);
  for (size_t i = 0; i < d->n; i++) {
    const double *z = d->z + i * q;
    double eta = gsl_vector_get(beta, 0);
    for (size_t k = 0; k < q; k++)
      eta += gsl_vector_get(beta, k + 1) * z[k];
    const double y = l->y[i] != 0;
    const double fitted = 1 / (1 + exp(-eta));
    const double weight = fitted * (1 - fitted);
    value += y * eta - log1p_exp(eta);
    for (size_t j = 0; j <= q; j++) {
      const double zj = j == 0 ? 1 : z[j - 1];
      *gsl_vector_ptr(u, j) += (y - fitted) * zj;
      for (size_t k = 0; k <= j; k++)
        *gsl_matrix_ptr(info, j, k) += weight * zj * (k == 0 ? 1 : z[k - 1]);
    }
  }
  for (size_t j = 0; j <= q; j++)
    for (size_t k = 0; k < j; k++)
      gsl_matrix_set(info, k, j, gsl_matrix_get(info, j, k));
  return value;
}

/* True if column k of the design takes two values and the outcome is constant at one of
 * them: a 0/1 covariate (a trait) that no one, or everyone, with it cleared. */
static bool separates(const cs_design *d, size_t k, const unsigned char *y)
{
  const double low = d->z[k];
  double high = low;
  size_t ones[2] = {0}, count[2] = {0};
  for (size_t i = 0; i < d->n; i++) {
    const double z = d->z[i * d->q + k];
    if (z != low && high == low)
      high = z;
    if (z != low && z != high)
      return false;
    count[z == high && z != low]++;
    ones[z == high && z != low] += y[i] != 0;
  }
  for (int level = 0; level < 2; level++)
    if (ones[level] == 0 || ones[level] == count[level])
      return true;
  return false;
}

static void name_separating(const cs_design *d, const unsigned char *y, const char *const *names,
                            char *note, size_t note_size)
{
  for (size_t k = 0; k < d->q; k++)
    if (separates(d, k, y))
      cs_note_append(note, note_size,
                     "%s separates: at one of its two values the outcome never varies",
                     names[d->kept[k]]);
}

static cs_status fit_design(const cs_design *d, const unsigned char *y, const char *const *names,
                            double *coef, double *se, cs_fit_summary *s, cs_error *err)
{
  const size_t q = d->q;
  const logit_data l = {.design = d, .y = y};
  gsl_vector *beta = gsl_vector_alloc(q + 1);
  gsl_matrix *covariance = gsl_matrix_alloc(q + 1, q + 1);
  cs_status status =
      beta == NULL || covariance == NULL
          ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
          : cs_newton_maximise(logit_loglik, &l, q + 1, beta, covariance, &s->converged,
                               &s->iterations, &s->loglik, s->note, sizeof s->note, err);
  if (status == CS_OK) {
    if (!s->converged)
      name_separating(d, y, names, s->note, sizeof s->note);
    /* The covariates' coefficients without the intercept. */
    const gsl_vector_const_view slopes = gsl_vector_const_subvector(beta, 1, q);
    const gsl_matrix_const_view slopes_cov = gsl_matrix_const_submatrix(covariance, 1, 1, q, q);
    cs_design_unscale(d, s->converged, &slopes.vector, &slopes_cov.matrix, coef, se);
  }
  gsl_vector_free(beta);
  gsl_matrix_free(covariance);
  return status;
}

cs_status cs_logit_fit(size_t n, size_t p, const double *x, const char *const *names,
                       const unsigned char *y, double *coef, double *se, cs_fit_summary *summary,
                       cs_error *err)
{
  *summary = (cs_fit_summary){.loglik = NAN, .concordance = NAN};
  for (size_t j = 0; j < p; j++)
    coef[j] = se[j] = NAN;
  cs_design *d = NULL;
  CS_CALL(cs_design_create(n, p, x, names, &d, summary->note, sizeof summary->note, err));
  const size_t ones = cs_count_nonzero(n, y);
  cs_status status = CS_OK;
  if (ones == 0 || ones == n)
    cs_note_append(summary->note, sizeof summary->note, "no fit: %s has the outcome",
                   ones == 0 ? "nobody" : "everybody");
  else if (d->q == 0)
    cs_note_append(summary->note, sizeof summary->note, "no fit: no covariate varies");
  else
    status = fit_design(d, y, names, coef, se, summary, err);
  cs_design_destroy(&d);
  return status;
}
