/* Statistical oracle test of the exact engine: immigration-death (shared/oracles.md
 * section 4), E(t) ~ Poisson((s/delta)(1 - e^{-delta t})) + Binomial(E0, e^{-delta t}),
 * checked at the end of follow-up and at a point of the reporting grid. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cohortsim/records.h"
#include "cs_test_support.h"

#define COHORT "cohorts/validation/immigration_death.yaml"
#define LIMIT_SIGMA 4.0

static const double s = 100, delta = 0.5, e0 = 40;

static void expected(double t, double *mean, double *variance)
{
  const double survive = exp(-delta * t), immigrants = (s / delta) * (1 - survive);
  *mean = immigrants + e0 * survive;
  *variance = immigrants + e0 * survive * (1 - survive);
}

static void test_poisson_binomial_law(void **state)
{
  (void)state;
  cs_cohort *cohort = cs_test_load_cohort(COHORT, 0, NULL);
  cs_records *r = cs_test_simulate(cohort, 20000, 301);
  const size_t n = r->n_patients;
  double mean, variance;

  expected(10, &mean, &variance);
  cs_test_assert_moments("E(10)", r->final_burden, n, mean, variance, LIMIT_SIGMA);

  /* Grid point 4 is t = 2 (reported every half day). */
  double *at_two = malloc(n * sizeof *at_two);
  assert_non_null(at_two);
  for (size_t i = 0; i < n; i++)
    at_two[i] = r->burden[i * r->n_grid + 4];
  expected(2, &mean, &variance);
  cs_test_assert_moments("E(2) on the reporting grid", at_two, n, mean, variance, LIMIT_SIGMA);
  free(at_two);
  cs_records_destroy(&r);
  cs_cohort_destroy(&cohort);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_poisson_binomial_law),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
