/* Paired comparisons of arms, which run on the same patients: the restricted mean
 * survival time (Irwin 1949; Royston and Parmar 2013) with the variance R's survival
 * package prints, the paired difference of two arms' RMST with a standard error from the
 * influence functions of the Kaplan-Meier integrals (the infinitesimal jackknife: Efron
 * 1982, chapter 6; as survival's residuals.survfit), and McNemar's (1947) exact test of paired
 * binary outcomes. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "analysis_design.h"
#include "cohortsim/analysis.h"

/* The Kaplan-Meier curve at its event times up to tau: at each, those at risk, the
 * deaths, S just after, and the area under S from there to tau. */
typedef struct km_steps {
  size_t m;
  double *time, *at_risk, *deaths, *survival, *area_to_tau;
  size_t *order; /* the samples by time, ascending */
} km_steps;

/* Frees the arrays and empties *k, so freeing twice is harmless. */
static void km_steps_free(km_steps *k)
{
  free(k->time);
  free(k->at_risk);
  free(k->deaths);
  free(k->survival);
  free(k->area_to_tau);
  free(k->order);
  *k = (km_steps){0};
}

static cs_status check_input(size_t n, const double *time, double tau, cs_error *err)
{
  CS_CHECK(isfinite(tau) && tau >= 0, err, CS_ERR_NUMERIC,
           "the restriction time tau is %g, but it must be finite and >= 0", tau);
  return cs_check_times(n, time, err);
}

static cs_status km_steps_fit(size_t n, const double *time, const unsigned char *event, double tau,
                              km_steps *k, cs_error *err)
{
  *k = (km_steps){0};
  CS_CALL(check_input(n, time, tau, err));
  CS_CALL(cs_order_by(n, time, &k->order, err));
  k->time = malloc((n + 1) * sizeof *k->time);
  k->at_risk = malloc((n + 1) * sizeof *k->at_risk);
  k->deaths = malloc((n + 1) * sizeof *k->deaths);
  k->survival = malloc((n + 1) * sizeof *k->survival);
  k->area_to_tau = malloc((n + 1) * sizeof *k->area_to_tau);
  if (k->time == NULL || k->at_risk == NULL || k->deaths == NULL || k->survival == NULL ||
      k->area_to_tau == NULL) {
    km_steps_free(k);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  }
  double s = 1;
  for (size_t start = 0; start < n;) {
    const double t = time[k->order[start]];
    size_t end = start, deaths = 0;
    for (; end < n && time[k->order[end]] == t; end++)
      deaths += event[k->order[end]] != 0;
    if (deaths > 0 && t <= tau) {
      s *= (double)(n - start - deaths) / (double)(n - start);
      k->time[k->m] = t;
      k->at_risk[k->m] = (double)(n - start);
      k->deaths[k->m] = (double)deaths;
      k->survival[k->m++] = s;
    }
    start = end;
  }
  double area = 0;
  for (size_t j = k->m; j-- > 0;) {
    area += ((j + 1 < k->m ? k->time[j + 1] : tau) - k->time[j]) * k->survival[j];
    k->area_to_tau[j] = area;
  }
  return CS_OK;
}

/* The area under S from 0 to tau. */
static double km_steps_rmst(const km_steps *k, double tau)
{
  return k->m == 0 ? tau : k->time[0] + k->area_to_tau[0];
}

cs_status cs_rmst(size_t n, const double *time, const unsigned char *event, double tau,
                  double *rmst, double *std_error, cs_error *err)
{
  km_steps k;
  CS_CALL(km_steps_fit(n, time, event, tau, &k, err));
  /* R's survmean: the sum over event times of A^2 d / (Y (Y - d)), 0 where Y = d. */
  double variance = 0;
  for (size_t j = 0; j < k.m; j++)
    if (k.at_risk[j] > k.deaths[j])
      variance += k.area_to_tau[j] * k.area_to_tau[j] * k.deaths[j] /
                  (k.at_risk[j] * (k.at_risk[j] - k.deaths[j]));
  *rmst = km_steps_rmst(&k, tau);
  *std_error = sqrt(variance);
  km_steps_free(&k);
  return CS_OK;
}

/* Each sample's influence on the RMST estimate, the derivative of the area under the
 * Kaplan-Meier curve with respect to the sample's case weight (the infinitesimal
 * jackknife, as R's residuals(survfit, type = "sojourn") computes it), into share[n]:
 * the sum over event times u_j <= tau of A_j (Y_i(u_j) d_j / (Y_j (Y_j - d_j)) -
 * dN_i(u_j) / (Y_j - d_j)). Its sum of squares is the Greenwood-type variance of cs_rmst.
 * Where everyone at risk dies (Y = d) S falls to 0, so A = 0 and the term is 0. */
static void influence_shares(size_t n, const double *time, const unsigned char *event,
                             const km_steps *k, double *share)
{
  double at_risk_part = 0;
  size_t j = 0;
  for (size_t r = 0; r < n; r++) {
    const size_t i = k->order[r];
    for (; j < k->m && k->time[j] <= time[i]; j++)
      if (k->at_risk[j] > k->deaths[j])
        at_risk_part +=
            k->area_to_tau[j] * k->deaths[j] / (k->at_risk[j] * (k->at_risk[j] - k->deaths[j]));
    double death_part = 0;
    if (event[i] && j > 0 && k->time[j - 1] == time[i] && k->at_risk[j - 1] > k->deaths[j - 1])
      death_part = k->area_to_tau[j - 1] / (k->at_risk[j - 1] - k->deaths[j - 1]);
    share[i] = at_risk_part - death_part;
  }
}

cs_status cs_rmst_paired_difference(size_t n, const double *time_a, const unsigned char *event_a,
                                    const double *time_b, const unsigned char *event_b, double tau,
                                    double *difference, double *std_error, cs_error *err)
{
  km_steps a = {0}, b = {0};
  double *share_a = malloc((n + 1) * sizeof *share_a);
  double *share_b = malloc((n + 1) * sizeof *share_b);
  cs_status status = CS_OK;
  if (share_a == NULL || share_b == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
    goto cleanup;
  }
  status = km_steps_fit(n, time_a, event_a, tau, &a, err);
  if (status == CS_OK)
    status = km_steps_fit(n, time_b, event_b, tau, &b, err);
  if (status != CS_OK)
    goto cleanup;
  influence_shares(n, time_a, event_a, &a, share_a);
  influence_shares(n, time_b, event_b, &b, share_b);
  double variance = 0;
  for (size_t i = 0; i < n; i++)
    variance += (share_a[i] - share_b[i]) * (share_a[i] - share_b[i]);
  *difference = km_steps_rmst(&a, tau) - km_steps_rmst(&b, tau);
  *std_error = sqrt(variance);
cleanup:
  free(share_a);
  free(share_b);
  km_steps_free(&a);
  km_steps_free(&b);
  return status;
}

double cs_mcnemar_exact_p(size_t only_a, size_t only_b)
{
  const size_t discordant = only_a + only_b;
  if (discordant == 0)
    return 1;
  const size_t fewer = only_a < only_b ? only_a : only_b;
  const double p = 2 * gsl_cdf_binomial_P((unsigned int)fewer, 0.5, (unsigned int)discordant);
  return p < 1 ? p : 1;
}
