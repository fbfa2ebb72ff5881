/* Statistical oracle tests of the exact engine on the birth-death validation cohort:
 * constant rates (shared/oracles.md section 1) and a drug-driven death rate, Kendall's
 * (1948) time-varying formula (section 2). Fixed seeds, limits of 4 standard errors,
 * sample sizes chosen so a bias of one or two percent fails.
 *
 * The drug tests are the ones that catch an engine which freezes drug levels over a
 * step: the drug's effect halves within a day, and both the extinction probability and
 * the mean depend on its exact integral. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cohortsim/records.h"
#include "cs_oracle.h"
#include "cs_test_support.h"

#define LIMIT_SIGMA 4.0

/* The oracle code itself reduces to section 1's closed forms at constant rates. */
static void test_oracle_matches_closed_forms(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 1.1, .n0 = 3, .t_end = 5};
  const double r = p.b - p.d, e = exp(r * p.t_end);
  assert_true(fabs(cs_oracle_extinction_probability(&p) -
                   pow(p.d * (e - 1) / (p.b * e - p.d), p.n0)) < 1e-9);
  assert_true(fabs(cs_oracle_mean_count(&p) - p.n0 * e) < 1e-9);
  assert_true(fabs(cs_oracle_variance_count(&p) - p.n0 * (p.b + p.d) / r * e * (e - 1)) < 1e-8);
}

static void test_constant_rates_moments(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.8, .ke = 1, .n0 = 100, .t_end = 2};
  cs_records *r = cs_oracle_simulate(&p, "exact", 20000, 101);
  cs_test_assert_moments("N(2), b=1 d=0.8 n0=100", r->final_burden, r->n_patients,
                         cs_oracle_mean_count(&p), cs_oracle_variance_count(&p), LIMIT_SIGMA);
  cs_records_destroy(&r);
}

static void test_constant_rates_extinction(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 1.1, .ke = 1, .n0 = 3, .t_end = 5};
  cs_records *r = cs_oracle_simulate(&p, "exact", 40000, 102);
  const double p0 = cs_oracle_extinction_probability(&p);
  assert_true(p0 > 0.2 && p0 < 0.8);
  cs_test_assert_proportion("P0(5), b=1 d=1.1 n0=3", cs_oracle_count_cleared(r), r->n_patients, p0,
                            LIMIT_SIGMA);
  cs_records_destroy(&r);
}

/* b = d: P0 = (bt/(1+bt))^n0, Var = 2 n0 b t. */
static void test_critical_process(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 1, .ke = 1, .n0 = 5, .t_end = 4};
  cs_records *r = cs_oracle_simulate(&p, "exact", 40000, 103);
  cs_test_assert_proportion("P0(4), b=d=1 n0=5", cs_oracle_count_cleared(r), r->n_patients,
                            pow(4.0 / 5.0, 5), LIMIT_SIGMA);
  cs_test_assert_moments("N(4), b=d=1 n0=5", r->final_burden, r->n_patients, 5.0, 40.0,
                         LIMIT_SIGMA);
  cs_records_destroy(&r);
}

static void test_kendall_drug_extinction(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.5, .kd = 1, .c0 = 2, .ke = 0.7, .n0 = 2, .t_end = 10};
  const double p0 = cs_oracle_extinction_probability(&p);
  assert_true(p0 > 0.2 && p0 < 0.8);
  cs_records *r = cs_oracle_simulate(&p, "exact", 100000, 104);
  cs_test_assert_proportion("Kendall P0(10), drug bolus, n0=2", cs_oracle_count_cleared(r),
                            r->n_patients, p0, LIMIT_SIGMA);
  cs_records_destroy(&r);
}

static void test_kendall_drug_moments(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.5, .kd = 1, .c0 = 2, .ke = 0.7, .n0 = 1000, .t_end = 3};
  cs_records *r = cs_oracle_simulate(&p, "exact", 4000, 105);
  cs_test_assert_moments("N(3), drug bolus, n0=1000", r->final_burden, r->n_patients,
                         cs_oracle_mean_count(&p), cs_oracle_variance_count(&p), LIMIT_SIGMA);
  cs_records_destroy(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_oracle_matches_closed_forms),
      cmocka_unit_test(test_constant_rates_moments),
      cmocka_unit_test(test_constant_rates_extinction),
      cmocka_unit_test(test_critical_process),
      cmocka_unit_test(test_kendall_drug_extinction),
      cmocka_unit_test(test_kendall_drug_moments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
