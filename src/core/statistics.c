#include "cohortsim/statistics.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "cohortsim/outcome.h"
#include "cohortsim/survival.h"

/* 97.5% quantile of the standard normal: two-sided 95% intervals. */
#define CS_Z95 1.959963984540054

void cs_statistics_destroy(cs_statistics **statistics)
{
  if (statistics == NULL || *statistics == NULL)
    return;
  cs_statistics *s = *statistics;
  free(s->os_survival);
  free(s->os_lower);
  free(s->os_upper);
  free(s->os_at_risk);
  free(s->rfs_survival);
  free(s->rfs_lower);
  free(s->rfs_upper);
  free(s->rfs_at_risk);
  free(s->clearance_fraction);
  free(s->clearance_lower);
  free(s->clearance_upper);
  free(s->median_os);
  free(s->median_os_lower);
  free(s->median_os_upper);
  free(s->median_clearance_time);
  free(s->logrank_p);
  free(s);
  *statistics = NULL;
}

static cs_statistics *allocate(int n_arms, size_t n_grid)
{
  cs_statistics *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  const size_t a = (size_t)n_arms, curve = a * n_grid;
  s->n_arms = n_arms;
  s->n_grid = n_grid;
  s->os_survival = calloc(curve, sizeof(double));
  s->os_lower = calloc(curve, sizeof(double));
  s->os_upper = calloc(curve, sizeof(double));
  s->os_at_risk = calloc(curve, sizeof(int64_t));
  s->rfs_survival = calloc(curve, sizeof(double));
  s->rfs_lower = calloc(curve, sizeof(double));
  s->rfs_upper = calloc(curve, sizeof(double));
  s->rfs_at_risk = calloc(curve, sizeof(int64_t));
  s->clearance_fraction = calloc(a, sizeof(double));
  s->clearance_lower = calloc(a, sizeof(double));
  s->clearance_upper = calloc(a, sizeof(double));
  s->median_os = calloc(a, sizeof(double));
  s->median_os_lower = calloc(a, sizeof(double));
  s->median_os_upper = calloc(a, sizeof(double));
  s->median_clearance_time = calloc(a, sizeof(double));
  s->logrank_p = calloc(a * a, sizeof(double));
  if (s->os_survival == NULL || s->os_lower == NULL || s->os_upper == NULL ||
      s->os_at_risk == NULL || s->rfs_survival == NULL || s->rfs_lower == NULL ||
      s->rfs_upper == NULL || s->rfs_at_risk == NULL || s->clearance_fraction == NULL ||
      s->clearance_lower == NULL || s->clearance_upper == NULL || s->median_os == NULL ||
      s->median_os_lower == NULL || s->median_os_upper == NULL ||
      s->median_clearance_time == NULL || s->logrank_p == NULL)
    cs_statistics_destroy(&s);
  return s;
}

/* One Kaplan-Meier curve sampled on the grid. */
static cs_status curve_on_grid(size_t n, const double *time, const unsigned char *event,
                               const double *grid, size_t n_grid, double *survival, double *lower,
                               double *upper, int64_t *at_risk, cs_km **fit, cs_error *err)
{
  CS_CALL(cs_km_fit(n, time, event, fit, err));
  for (size_t k = 0; k < n_grid; k++) {
    cs_km_eval(*fit, grid[k], &survival[k], NULL, &lower[k], &upper[k]);
    at_risk[k] = (int64_t)cs_km_at_risk(*fit, grid[k]);
  }
  return CS_OK;
}

/* The median time to clearance among the patients who cleared (no censoring: every
 * such time is observed). */
static cs_status median_clearance_time(const cs_outcome_columns *c, int arm, size_t cleared,
                                       double *median, cs_error *err)
{
  *median = NAN;
  if (c->clearance_time == NULL || cleared == 0)
    return CS_OK;
  const size_t n = c->n_patients, first = (size_t)arm * n;
  double *times = malloc(cleared * sizeof *times);
  if (times == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory computing clearance times");
  size_t k = 0;
  for (size_t i = 0; i < n && k < cleared; i++)
    if (c->cleared[first + i])
      times[k++] = c->clearance_time[first + i];
  gsl_sort(times, 1, k);
  *median = gsl_stats_median_from_sorted_data(times, 1, k);
  free(times);
  return CS_OK;
}

static cs_status arm_statistics(const cs_outcome_columns *c, int arm, const double *grid,
                                cs_statistics *s, cs_error *err)
{
  const size_t n = c->n_patients, first = (size_t)arm * n, g = (size_t)arm * s->n_grid;
  cs_km *fit = NULL;
  cs_status status =
      curve_on_grid(n, &c->os_time[first], &c->os_event[first], grid, s->n_grid, &s->os_survival[g],
                    &s->os_lower[g], &s->os_upper[g], &s->os_at_risk[g], &fit, err);
  if (status != CS_OK)
    return status;
  cs_km_median(fit, &s->median_os[arm], &s->median_os_lower[arm], &s->median_os_upper[arm]);
  cs_km_destroy(&fit);
  status = curve_on_grid(n, &c->rfs_time[first], &c->rfs_event[first], grid, s->n_grid,
                         &s->rfs_survival[g], &s->rfs_lower[g], &s->rfs_upper[g],
                         &s->rfs_at_risk[g], &fit, err);
  cs_km_destroy(&fit);
  if (status != CS_OK)
    return status;

  size_t cleared = 0;
  for (size_t i = 0; i < n; i++)
    cleared += c->cleared[first + i];
  s->clearance_fraction[arm] = n > 0 ? (double)cleared / (double)n : NAN;
  cs_wilson_interval(cleared, n, CS_Z95, &s->clearance_lower[arm], &s->clearance_upper[arm]);
  return median_clearance_time(c, arm, cleared, &s->median_clearance_time[arm], err);
}

cs_status cs_statistics_compute(const cs_cohort *cohort, const cs_outcome_columns *columns,
                                const double *grid, cs_statistics **statistics, cs_error *err)
{
  const int n_arms = cohort->n_arms;
  const size_t n = columns->n_patients;
  *statistics = NULL;
  cs_statistics *s = allocate(n_arms, cs_outcome_grid_size(cohort));
  if (s == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating cohort statistics");
  cs_status status = CS_OK;
  for (int arm = 0; arm < n_arms && status == CS_OK; arm++)
    status = arm_statistics(columns, arm, grid, s, err);
  /* Note: arms share their patients (common random numbers), so the log-rank test's
   * independence assumption does not hold; the p-value is reported as the conventional
   * descriptive comparison (docs/user-guide.md, "The output file"). */
  for (int a = 0; a < n_arms && status == CS_OK; a++) {
    s->logrank_p[a * n_arms + a] = 1.0;
    for (int b = a + 1; b < n_arms && status == CS_OK; b++) {
      double chi_square, p;
      status = cs_logrank(n, &columns->os_time[(size_t)a * n], &columns->os_event[(size_t)a * n], n,
                          &columns->os_time[(size_t)b * n], &columns->os_event[(size_t)b * n],
                          &chi_square, &p, err);
      s->logrank_p[a * n_arms + b] = s->logrank_p[b * n_arms + a] = p;
    }
  }
  if (status != CS_OK) {
    cs_statistics_destroy(&s);
    return status;
  }
  *statistics = s;
  return CS_OK;
}
