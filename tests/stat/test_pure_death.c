/* Statistical oracle test of the exact engine: pure death under a decaying drug
 * (shared/oracles.md section 3). Each cell survives to t independently with probability
 * S(t) = exp(-integral_0^t k), k(s) = kd C(s)/(1+C(s)), so N(t) ~ Binomial(n0, S(t)) and
 * the extinction time has CDF (1 - S(t))^n0, checked with a Kolmogorov-Smirnov test. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cohortsim/records.h"
#include "cs_test_support.h"

#define COHORT "cohorts/validation/birth_death.yaml"
#define LIMIT_SIGMA 4.0
/* sqrt(n) D exceeds 1.95 with probability 0.001 under the null (Kolmogorov). */
#define KS_CRITICAL 1.95

static const double kd = 2, c0 = 3, ke = 0.5, n0 = 50, t_end = 4;

static double survival(double t)
{
  return pow((1 + c0 * exp(-ke * t)) / (1 + c0), kd / ke);
}

static double extinction_cdf(double t)
{
  return pow(1 - survival(t), n0);
}

static cs_records *simulate(size_t n_patients, uint64_t seed)
{
  const char *sets[] = {"parameters.b=0",  "parameters.d=0",    "parameters.kd=2",
                        "parameters.C0=3", "parameters.ke=0.5", "parameters.n0=50",
                        "followup_days=4"};
  cs_cohort *cohort = cs_test_load_cohort(COHORT, 7, sets);
  cs_records *records = cs_test_simulate(cohort, n_patients, seed);
  cs_cohort_destroy(&cohort);
  return records;
}

static int compare_doubles(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_binomial_survivors(void **state)
{
  (void)state;
  cs_records *r = simulate(20000, 201);
  const double s = survival(t_end);
  cs_test_assert_moments("N(4) ~ Binomial(50, S)", r->final_burden, r->n_patients, n0 * s,
                         n0 * s * (1 - s), LIMIT_SIGMA);
  cs_records_destroy(&r);
}

/* KS over [0, t_end]: patients not extinct by t_end are censored there, and the
 * supremum over the observed range is a conservative version of the full test. */
static void test_extinction_time_distribution(void **state)
{
  (void)state;
  cs_records *r = simulate(20000, 202);
  const size_t n = r->n_patients;
  double *times = malloc(n * sizeof *times);
  assert_non_null(times);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (r->cleared[i])
      times[m++] = r->clearance_time[i];
  qsort(times, m, sizeof *times, compare_doubles);
  double d = 0;
  for (size_t k = 0; k < m; k++) {
    const double f = extinction_cdf(times[k]);
    d = fmax(d, fmax(fabs((double)(k + 1) / (double)n - f), fabs((double)k / (double)n - f)));
  }
  d = fmax(d, fabs((double)m / (double)n - extinction_cdf(t_end)));
  print_message("  KS: sqrt(n) D = %.3f (critical %.2f), %zu of %zu extinct\n", sqrt((double)n) * d,
                KS_CRITICAL, m, n);
  assert_true(sqrt((double)n) * d < KS_CRITICAL);
  free(times);
  cs_records_destroy(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_binomial_survivors),
      cmocka_unit_test(test_extinction_time_distribution),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
