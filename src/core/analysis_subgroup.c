/* Kaplan-Meier subgroups of overall survival: by trait and by tertile of a covariate,
 * each group's median (survival.c) and RMST, and the k-sample log-rank test (Peto and
 * Peto 1972), which R's survdiff computes. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>

#include "analysis_design.h"
#include "analysis_run.h"
#include "cohortsim/survival.h"

/* Observed minus expected deaths per group (o_e[k]) and their covariance (v[k * k]),
 * summed over the distinct event times. */
static void logrank_sums(size_t n, const double *time, const unsigned char *event, const int *group,
                         const size_t *order, int k, double *o_e, double *v)
{
  double at_risk[3] = {0}, deaths[3];
  for (size_t i = 0; i < n; i++)
    at_risk[group[i]]++;
  for (size_t start = 0; start < n;) {
    size_t end = start;
    double d = 0, y = (double)(n - start);
    for (int g = 0; g < k; g++)
      deaths[g] = 0;
    for (; end < n && time[order[end]] == time[order[start]]; end++)
      if (event[order[end]]) {
        deaths[group[order[end]]]++;
        d++;
      }
    for (int g = 0; g < k && d > 0; g++) {
      o_e[g] += deaths[g] - d * at_risk[g] / y;
      for (int h = 0; h < k && y > 1; h++)
        v[g * k + h] +=
            d * (y - d) / (y - 1) * at_risk[g] / y * ((g == h ? 1 : 0) - at_risk[h] / y);
    }
    for (size_t r = start; r < end; r++)
      at_risk[group[order[r]]]--;
    start = end;
  }
}

cs_status cs_logrank_groups(size_t n, const double *time, const unsigned char *event,
                            const int *group, int n_groups, double *p_value, cs_error *err)
{
  size_t *order = NULL;
  size_t count[3] = {0};
  double o_e[3] = {0}, v[9] = {0};
  *p_value = NAN;
  for (size_t i = 0; i < n; i++)
    count[group[i]]++;
  int nonempty = 0;
  for (int g = 0; g < n_groups; g++)
    nonempty += count[g] > 0;
  if (nonempty < n_groups)
    return CS_OK;
  CS_CALL(cs_order_by(n, time, &order, err));
  logrank_sums(n, time, event, group, order, n_groups, o_e, v);
  free(order);
  /* The statistic on the first k - 1 groups (the k sums add to zero). */
  const size_t df = (size_t)n_groups - 1;
  gsl_matrix_view vv = gsl_matrix_view_array(v, (size_t)n_groups, (size_t)n_groups);
  gsl_matrix_view sub = gsl_matrix_submatrix(&vv.matrix, 0, 0, df, df);
  gsl_vector_view u = gsl_vector_view_array(o_e, df);
  double x[3] = {0};
  gsl_vector_view xv = gsl_vector_view_array(x, df);
  if (gsl_linalg_cholesky_decomp1(&sub.matrix) != 0 ||
      gsl_linalg_cholesky_solve(&sub.matrix, &u.vector, &xv.vector) != 0) {
    *p_value = 1; /* no information: no events where the groups overlap */
    return CS_OK;
  }
  double chi_square = 0;
  for (size_t g = 0; g < df; g++)
    chi_square += o_e[g] * x[g];
  *p_value = gsl_cdf_chisq_Q(chi_square, (double)df);
  return CS_OK;
}

/* Counts, median OS and RMST to tau of each group, and the log-rank test between them. */
static cs_status describe_groups(size_t n, const double *time, const unsigned char *event,
                                 const int *group, double tau, cs_subgroups *s, double *t,
                                 unsigned char *e, cs_error *err)
{
  for (int g = 0; g < s->n_groups; g++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (group[i] == g) {
        t[m] = time[i];
        e[m++] = event[i];
      }
    cs_km *km = NULL;
    s->count[g] = m;
    CS_CALL(cs_km_fit(m, t, e, &km, err));
    cs_km_median(km, &s->median_os[g], NULL, NULL);
    cs_km_destroy(&km);
    CS_CALL(cs_rmst(m, t, e, tau, &s->rmst_os[g], &(double){0}, err));
    if (m == 0)
      s->median_os[g] = s->rmst_os[g] = NAN;
  }
  return cs_logrank_groups(n, time, event, group, s->n_groups, &s->logrank_p, err);
}

cs_status cs_subgroups_describe(size_t n, const double *time, const unsigned char *event,
                                const int *group, int n_groups, double tau, cs_subgroups *s,
                                cs_error *err)
{
  *s = (cs_subgroups){.n_groups = n_groups};
  double *t = malloc((n + 1) * sizeof *t);
  unsigned char *e = malloc(n + 1);
  const cs_status status = t == NULL || e == NULL
                               ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                               : describe_groups(n, time, event, group, tau, s, t, e, err);
  free(t);
  free(e);
  return status;
}

cs_status cs_tertile_groups(size_t n, size_t p, const double *x, size_t j, double cut[2],
                            int *group, cs_error *err)
{
  size_t *order = NULL;
  double *column = calloc(n + 1, sizeof *column);
  CS_CHECK(column != NULL, err, CS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    column[i] = x[i * p + j];
  const cs_status status = cs_order_by(n, column, &order, err);
  if (status == CS_OK && n > 0) {
    /* The empirical 1/3 and 2/3 quantiles (the smallest value with at least that share
     * of patients at or below it); a patient at a cut belongs to the lower group. */
    cut[0] = column[order[(n - 1) / 3]];
    cut[1] = column[order[(2 * n - 1) / 3]];
    for (size_t i = 0; i < n; i++)
      group[i] = column[i] <= cut[0] ? 0 : column[i] <= cut[1] ? 1 : 2;
  }
  free(column);
  free(order);
  return status;
}
