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
#include <gsl/gsl_integration.h>

#include "cohortsim/records.h"
#include "cs_test_support.h"

#define COHORT "cohorts/validation/birth_death.yaml"
#define LIMIT_SIGMA 4.0

typedef struct birth_death {
  double b, d, kd, c0, ke, n0, t_end;
} birth_death;

/* rho(t) = integral_0^t (d(s) - b) ds, with the drug part in closed form. */
static double rho(const birth_death *p, double t)
{
  double drug = 0;
  if (p->kd > 0)
    drug = (p->kd / p->ke) * log((1 + p->c0) / (1 + p->c0 * exp(-p->ke * t)));
  return (p->d - p->b) * t + drug;
}

static double death_rate(const birth_death *p, double t)
{
  const double c = p->c0 * exp(-p->ke * t);
  return p->d + p->kd * c / (1 + c);
}

static double birth_integrand(double s, void *params)
{
  const birth_death *p = params;
  return p->b * exp(rho(p, s));
}

static double variance_integrand(double s, void *params)
{
  const birth_death *p = params;
  return (p->b + death_rate(p, s)) * exp(rho(p, s));
}

static double integrate(double (*f)(double, void *), const birth_death *p)
{
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
  gsl_function function = {.function = f, .params = (void *)(uintptr_t)p};
  double result, error;
  const int rc = gsl_integration_qag(&function, 0, p->t_end, 0, 1e-10, 1000, GSL_INTEG_GAUSS61, w,
                                     &result, &error);
  gsl_integration_workspace_free(w);
  assert_int_equal(rc, 0);
  return result;
}

/* Kendall: P0(t) = [1 - 1/(e^rho(t) + integral_0^t b e^rho(s) ds)]^n0. */
static double extinction_probability(const birth_death *p)
{
  const double one = 1 - 1 / (exp(rho(p, p->t_end)) + integrate(birth_integrand, p));
  return pow(one, p->n0);
}

static double mean_count(const birth_death *p)
{
  return p->n0 * exp(-rho(p, p->t_end));
}

/* Var N(t) = n0 e^{-2 rho(t)} integral_0^t (b + d(s)) e^{rho(s)} ds. */
static double variance_count(const birth_death *p)
{
  return p->n0 * exp(-2 * rho(p, p->t_end)) * integrate(variance_integrand, p);
}

static cs_records *simulate(const birth_death *p, size_t n_patients, uint64_t seed)
{
  char sets[7][64];
  snprintf(sets[0], sizeof sets[0], "parameters.b=%.17g", p->b);
  snprintf(sets[1], sizeof sets[1], "parameters.d=%.17g", p->d);
  snprintf(sets[2], sizeof sets[2], "parameters.kd=%.17g", p->kd);
  snprintf(sets[3], sizeof sets[3], "parameters.C0=%.17g", p->c0);
  snprintf(sets[4], sizeof sets[4], "parameters.ke=%.17g", p->ke);
  snprintf(sets[5], sizeof sets[5], "parameters.n0=%.17g", p->n0);
  snprintf(sets[6], sizeof sets[6], "followup_days=%.17g", p->t_end);
  const char *set_list[7];
  for (int i = 0; i < 7; i++)
    set_list[i] = sets[i];
  cs_cohort *cohort = cs_test_load_cohort(COHORT, 7, set_list);
  cs_records *records = cs_test_simulate(cohort, n_patients, seed);
  cs_cohort_destroy(&cohort);
  return records;
}

static size_t count_cleared(const cs_records *r)
{
  size_t cleared = 0;
  for (size_t i = 0; i < r->n_patients; i++)
    cleared += r->cleared[i];
  return cleared;
}

/* The oracle code itself reduces to section 1's closed forms at constant rates. */
static void test_oracle_matches_closed_forms(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 1.1, .n0 = 3, .t_end = 5};
  const double r = p.b - p.d, e = exp(r * p.t_end);
  assert_true(fabs(extinction_probability(&p) - pow(p.d * (e - 1) / (p.b * e - p.d), p.n0)) <
              1e-9);
  assert_true(fabs(mean_count(&p) - p.n0 * e) < 1e-9);
  assert_true(fabs(variance_count(&p) - p.n0 * (p.b + p.d) / r * e * (e - 1)) < 1e-8);
}

static void test_constant_rates_moments(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.8, .ke = 1, .n0 = 100, .t_end = 2};
  cs_records *r = simulate(&p, 20000, 101);
  cs_test_assert_moments("N(2), b=1 d=0.8 n0=100", r->final_burden, r->n_patients, mean_count(&p),
                         variance_count(&p), LIMIT_SIGMA);
  cs_records_destroy(&r);
}

static void test_constant_rates_extinction(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 1.1, .ke = 1, .n0 = 3, .t_end = 5};
  cs_records *r = simulate(&p, 40000, 102);
  const double p0 = extinction_probability(&p);
  assert_true(p0 > 0.2 && p0 < 0.8);
  cs_test_assert_proportion("P0(5), b=1 d=1.1 n0=3", count_cleared(r), r->n_patients, p0,
                            LIMIT_SIGMA);
  cs_records_destroy(&r);
}

/* b = d: P0 = (bt/(1+bt))^n0, Var = 2 n0 b t. */
static void test_critical_process(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 1, .ke = 1, .n0 = 5, .t_end = 4};
  cs_records *r = simulate(&p, 40000, 103);
  cs_test_assert_proportion("P0(4), b=d=1 n0=5", count_cleared(r), r->n_patients,
                            pow(4.0 / 5.0, 5), LIMIT_SIGMA);
  cs_test_assert_moments("N(4), b=d=1 n0=5", r->final_burden, r->n_patients, 5.0, 40.0,
                         LIMIT_SIGMA);
  cs_records_destroy(&r);
}

static void test_kendall_drug_extinction(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.5, .kd = 1, .c0 = 2, .ke = 0.7, .n0 = 2, .t_end = 10};
  const double p0 = extinction_probability(&p);
  assert_true(p0 > 0.2 && p0 < 0.8);
  cs_records *r = simulate(&p, 100000, 104);
  cs_test_assert_proportion("Kendall P0(10), drug bolus, n0=2", count_cleared(r), r->n_patients,
                            p0, LIMIT_SIGMA);
  cs_records_destroy(&r);
}

static void test_kendall_drug_moments(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.5, .kd = 1, .c0 = 2, .ke = 0.7, .n0 = 1000, .t_end = 3};
  cs_records *r = simulate(&p, 4000, 105);
  cs_test_assert_moments("N(3), drug bolus, n0=1000", r->final_burden, r->n_patients,
                         mean_count(&p), variance_count(&p), LIMIT_SIGMA);
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
