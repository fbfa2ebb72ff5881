/* Survival statistics of right-censored samples: the Kaplan-Meier product-limit estimator
 * (Kaplan and Meier 1958) with Greenwood's variance (Greenwood 1926), medians with the
 * confidence interval of Brookmeyer and Crowley (1982) as R's survival package reports it,
 * the log-rank test (Mantel 1966; Peto and Peto 1972) and Wilson's score interval for a
 * proportion (Wilson 1927).
 *
 * Every function sorts its input first, by time and then events before censorings, so its
 * result does not depend on the order of the samples: records that compare equal are
 * identical, and every sum runs in time order over the sorted records.
 */
#include "cohortsim/survival.h"

#include <assert.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

/* The 97.5% quantile of the standard normal distribution, qnorm(0.975): R's survival uses
 * it for its default conf.int = 0.95, so our bands agree with R's beyond the fourth digit,
 * which 1.96 would not guarantee. */
#define CS_KM_Z95 1.959963984540054

struct cs_km {
  size_t n;          /* number of samples */
  double *time;      /* all n times, ascending: at-risk counts are a binary search */
  size_t n_steps;    /* number of distinct event times */
  double *step_time; /* the distinct event times, ascending */
  double *survival;  /* S just after each event time */
  double *greenwood; /* Greenwood's sum of d / (n (n - d)) up to each event time */
};

/* One observation, as sorted: group is used by the log-rank test only. */
typedef struct cs_survival_obs {
  double time;
  unsigned char event;
  unsigned char group;
} cs_survival_obs;

/* Orders by time, then events before censorings, as R's survival does: a patient censored
 * at the time of an event was still at risk when the event happened. The group breaks the
 * remaining ties, so records that compare equal are identical and qsort's instability
 * cannot show in the result. */
static int compare_obs(const void *a, const void *b)
{
  const cs_survival_obs *x = a;
  const cs_survival_obs *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  if (x->event != y->event)
    return x->event > y->event ? -1 : 1;
  if (x->group != y->group)
    return x->group < y->group ? -1 : 1;
  return 0;
}

/* Rejects what no survival time can be. Runs before any allocation so a bad input costs
 * nothing to clean up. */
static cs_status check_times(size_t n, const double *time, const char *sample, cs_error *err)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(time[i]) || time[i] < 0.0)
      return cs_error_set(err, CS_ERR_NUMERIC,
                          "%s: survival time %zu is %g, but times must be finite and >= 0", sample,
                          i, time[i]);
  return CS_OK;
}

/* Copies a checked sample. -0.0 becomes +0.0 so that equal times also have equal bits,
 * and any nonzero event flag becomes 1 so that the sort sees two values only. */
static void load_obs(size_t n, const double *time, const unsigned char *event, unsigned char group,
                     cs_survival_obs *obs)
{
  for (size_t i = 0; i < n; i++) {
    obs[i].time = time[i] == 0.0 ? 0.0 : time[i];
    obs[i].event = (unsigned char)(event[i] != 0);
    obs[i].group = group;
  }
}

/* The end of the run of records that share obs[start].time. */
static size_t tie_end(const cs_survival_obs *obs, size_t n, size_t start)
{
  size_t end = start + 1;
  while (end < n && obs[end].time == obs[start].time)
    end++;
  return end;
}

/* The number of x[i] < t in an ascending array (false for every x[i] when t is NaN). */
static size_t count_below(const double *x, size_t n, double t)
{
  size_t lo = 0;
  size_t hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x[mid] < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The number of x[i] <= t in an ascending array. */
static size_t count_at_or_below(const double *x, size_t n, double t)
{
  size_t lo = 0;
  size_t hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x[mid] <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The 95% band on the log scale, R's conf.type = "log": exp(log S +- z se(log S)), where
 * Greenwood's sum is var(log S), so se(S) / S = sqrt(sum). The upper bound is clipped at
 * 1; a comparison rather than fmin keeps a NaN a NaN. S = 0 gives the band [0, 0]. */
static void log_band(double s, double greenwood, double *lower, double *upper)
{
  double spread = exp(CS_KM_Z95 * sqrt(greenwood));
  *lower = s / spread;
  *upper = s * spread;
  if (*upper > 1.0)
    *upper = 1.0;
}

/* A curve counts as having reached 0.5 within sqrt(DBL_EPSILON), the tolerance R's
 * quantile.survfit uses: a product of fractions that is 0.5 exactly (24 patients, 12
 * relapses) can round to just above it, and that rounding must not move the median to a
 * later time. */
static int at_or_below_half(double value)
{
  return value <= 0.5 + sqrt(DBL_EPSILON);
}

cs_status cs_km_fit(size_t n, const double *time, const unsigned char *event, cs_km **km,
                    cs_error *err)
{
  cs_status status = CS_OK;
  cs_survival_obs *obs = NULL;
  cs_km *fit = NULL;

  *km = NULL;
  status = check_times(n, time, "Kaplan-Meier fit", err);
  if (status != CS_OK)
    goto cleanup;
  fit = calloc(1, sizeof *fit);
  if (fit == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "Kaplan-Meier fit: out of memory for the curve");
    goto cleanup;
  }
  fit->n = n;
  if (n == 0) {
    *km = fit;
    fit = NULL;
    goto cleanup;
  }

  obs = calloc(n, sizeof *obs);
  fit->time = calloc(n, sizeof *fit->time);
  if (obs == NULL || fit->time == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "Kaplan-Meier fit: out of memory for %zu samples", n);
    goto cleanup;
  }
  load_obs(n, time, event, 0, obs);
  qsort(obs, n, sizeof *obs, compare_obs);
  for (size_t i = 0; i < n; i++)
    fit->time[i] = obs[i].time;

  /* Events sort first among equal times, so a run of ties holds an event exactly when its
   * first record is one. */
  for (size_t i = 0; i < n; i = tie_end(obs, n, i))
    fit->n_steps += obs[i].event;
  if (fit->n_steps > 0) {
    fit->step_time = calloc(fit->n_steps, sizeof *fit->step_time);
    fit->survival = calloc(fit->n_steps, sizeof *fit->survival);
    fit->greenwood = calloc(fit->n_steps, sizeof *fit->greenwood);
    if (fit->step_time == NULL || fit->survival == NULL || fit->greenwood == NULL) {
      status = cs_error_set(err, CS_ERR_NOMEM,
                            "Kaplan-Meier fit: out of memory for %zu event times", fit->n_steps);
      goto cleanup;
    }
  }

  /* The product-limit estimator (Kaplan and Meier 1958): at each event time with d events
   * among n at risk, S is multiplied by (n - d) / n. Greenwood (1926) estimates var(log S)
   * by the sum of d / (n (n - d)). When every patient at risk has the event, S drops to 0
   * and that term is undefined; it is left out, which gives a standard error of 0 and the
   * band [0, 0] there. No patient remains after such a time, so no later term is lost. */
  {
    double s = 1.0;
    double greenwood = 0.0;
    size_t at_risk = n;
    size_t step = 0;
    for (size_t i = 0; i < n;) {
      size_t end = tie_end(obs, n, i);
      size_t deaths = 0;
      for (size_t j = i; j < end; j++)
        deaths += obs[j].event;
      if (deaths > 0) {
        assert(step < fit->n_steps);
        s *= (double)(at_risk - deaths) / (double)at_risk;
        if (deaths < at_risk)
          greenwood += (double)deaths / ((double)at_risk * (double)(at_risk - deaths));
        fit->step_time[step] = obs[i].time;
        fit->survival[step] = s;
        fit->greenwood[step] = greenwood;
        step++;
      }
      at_risk -= end - i;
      i = end;
    }
  }
  *km = fit;
  fit = NULL;

cleanup:
  free(obs);
  cs_km_destroy(&fit);
  return status;
}

void cs_km_destroy(cs_km **km)
{
  if (km == NULL || *km == NULL)
    return;
  free((*km)->time);
  free((*km)->step_time);
  free((*km)->survival);
  free((*km)->greenwood);
  free(*km);
  *km = NULL;
}

void cs_km_eval(const cs_km *km, double t, double *survival, double *std_error, double *lower,
                double *upper)
{
  double s = 1.0;
  double greenwood = 0.0;
  double band_lower;
  double band_upper;

  if (isnan(t)) {
    s = NAN;
    greenwood = NAN;
  } else {
    /* Right-continuous: the last event time at or before t gives S(t). */
    size_t k = count_at_or_below(km->step_time, km->n_steps, t);
    if (k > 0) {
      s = km->survival[k - 1];
      greenwood = km->greenwood[k - 1];
    }
  }
  log_band(s, greenwood, &band_lower, &band_upper);
  if (survival != NULL)
    *survival = s;
  if (std_error != NULL)
    *std_error = s * sqrt(greenwood);
  if (lower != NULL)
    *lower = band_lower;
  if (upper != NULL)
    *upper = band_upper;
}

size_t cs_km_at_risk(const cs_km *km, double t)
{
  if (isnan(t))
    return 0;
  return km->n - count_below(km->time, km->n, t);
}

void cs_km_median(const cs_km *km, double *median, double *lower, double *upper)
{
  double m = NAN;
  double m_lower = NAN;
  double m_upper = NAN;

  /* As in R's survival, after Brookmeyer and Crowley (1982): the interval holds the times
   * where the pointwise band contains 0.5. The lower band falls first, so it gives the lower
   * limit. All three curves are constant between event times, so only those are looked at. */
  for (size_t k = 0; k < km->n_steps; k++) {
    double band_lower;
    double band_upper;
    log_band(km->survival[k], km->greenwood[k], &band_lower, &band_upper);
    if (isnan(m) && at_or_below_half(km->survival[k]))
      m = km->step_time[k];
    if (isnan(m_lower) && at_or_below_half(band_lower))
      m_lower = km->step_time[k];
    if (isnan(m_upper) && at_or_below_half(band_upper))
      m_upper = km->step_time[k];
  }
  if (median != NULL)
    *median = m;
  if (lower != NULL)
    *lower = m_lower;
  if (upper != NULL)
    *upper = m_upper;
}

cs_status cs_logrank(size_t n1, const double *time1, const unsigned char *event1, size_t n2,
                     const double *time2, const unsigned char *event2, double *chi_square,
                     double *p_value, cs_error *err)
{
  cs_status status = CS_OK;
  cs_survival_obs *obs = NULL;
  size_t n = 0;
  double observed_minus_expected = 0.0;
  double variance = 0.0;
  double chi = 0.0;

  status = check_times(n1, time1, "log-rank sample 1", err);
  if (status == CS_OK)
    status = check_times(n2, time2, "log-rank sample 2", err);
  if (status != CS_OK)
    goto cleanup;
  /* No overflow: each sample is an array of n1 or n2 doubles in memory. */
  n = n1 + n2;
  if (n > 0) {
    obs = calloc(n, sizeof *obs);
    if (obs == NULL) {
      status = cs_error_set(err, CS_ERR_NOMEM, "log-rank test: out of memory for %zu samples", n);
      goto cleanup;
    }
    load_obs(n1, time1, event1, 0, obs);
    load_obs(n2, time2, event2, 1, obs + n1);
    qsort(obs, n, sizeof *obs, compare_obs);
  }

  /* Mantel (1966), Peto and Peto (1972): at each distinct event time, with d events among n
   * at risk of which n1 are in sample 1, sample 1 expects d n1 / n events; the hypergeometric
   * variance of its count is d (n1 / n)(1 - n1 / n)(n - d) / (n - 1). The statistic is
   * (O - E)^2 / V on one degree of freedom. V = 0 happens only when every term of O - E is
   * 0 as well (no events, or only one sample at risk at each), so the statistic is 0. */
  {
    size_t at_risk = n;
    size_t at_risk1 = n1;
    for (size_t i = 0; i < n;) {
      size_t end = tie_end(obs, n, i);
      size_t deaths = 0;
      size_t deaths1 = 0;
      size_t leaving1 = 0;
      for (size_t j = i; j < end; j++) {
        deaths += obs[j].event;
        if (obs[j].group == 0) {
          deaths1 += obs[j].event;
          leaving1++;
        }
      }
      if (deaths > 0) {
        double share1 = (double)at_risk1 / (double)at_risk;
        observed_minus_expected += (double)deaths1 - (double)deaths * share1;
        if (at_risk > 1)
          variance += (double)deaths * share1 * (1.0 - share1) * (double)(at_risk - deaths) /
                      (double)(at_risk - 1);
      }
      at_risk -= end - i;
      at_risk1 -= leaving1;
      i = end;
    }
  }
  if (variance > 0.0)
    chi = observed_minus_expected * observed_minus_expected / variance;
  if (chi_square != NULL)
    *chi_square = chi;
  if (p_value != NULL)
    *p_value = gsl_cdf_chisq_Q(chi, 1.0);

cleanup:
  free(obs);
  return status;
}

void cs_wilson_interval(size_t successes, size_t n, double z, double *lower, double *upper)
{
  double lo = 0.0;
  double hi = 1.0;

  if (successes > n) {
    lo = NAN;
    hi = NAN;
  } else if (n > 0) {
    /* Wilson (1927), multiplied through by n: the roots in p of (x - n p)^2 = z^2 n p (1 - p),
     * (x + z^2/2 -+ z sqrt(x (n - x) / n + z^2 / 4)) / (n + z^2). At x = n the upper root
     * is 1 exactly, but the formula can round it to just below (n = 127 at z = 1.96), so it
     * is set. At x = 0 the two terms are computed identically and cancel to 0 exactly. */
    double x = (double)successes;
    double trials = (double)n;
    double z2 = z * z;
    double centre = (x + z2 / 2.0) / (trials + z2);
    double half = z * sqrt(x * (trials - x) / trials + z2 / 4.0) / (trials + z2);
    lo = centre - half;
    hi = successes == n ? 1.0 : centre + half;
  }
  if (lower != NULL)
    *lower = lo;
  if (upper != NULL)
    *upper = hi;
}
