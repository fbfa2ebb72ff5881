#include "cs_oracle.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>
#include <gsl/gsl_integration.h>

#include "cs_test_support.h"

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
double cs_oracle_extinction_probability(const birth_death *p)
{
  const double one = 1 - 1 / (exp(rho(p, p->t_end)) + integrate(birth_integrand, p));
  return pow(one, p->n0);
}

double cs_oracle_mean_count(const birth_death *p)
{
  return p->n0 * exp(-rho(p, p->t_end));
}

/* Var N(t) = n0 e^{-2 rho(t)} integral_0^t (b + d(s)) e^{rho(s)} ds. */
double cs_oracle_variance_count(const birth_death *p)
{
  return p->n0 * exp(-2 * rho(p, p->t_end)) * integrate(variance_integrand, p);
}

cs_records *cs_oracle_simulate_text(const birth_death *p, const char *method, const char *text,
                                    size_t n_patients, uint64_t seed)
{
  char sets[8][64];
  snprintf(sets[0], sizeof sets[0], "parameters.b=%.17g", p->b);
  snprintf(sets[1], sizeof sets[1], "parameters.d=%.17g", p->d);
  snprintf(sets[2], sizeof sets[2], "parameters.kd=%.17g", p->kd);
  snprintf(sets[3], sizeof sets[3], "parameters.C0=%.17g", p->c0);
  snprintf(sets[4], sizeof sets[4], "parameters.ke=%.17g", p->ke);
  snprintf(sets[5], sizeof sets[5], "parameters.n0=%.17g", p->n0);
  snprintf(sets[6], sizeof sets[6], "followup_days=%.17g", p->t_end);
  snprintf(sets[7], sizeof sets[7], "method=%s", method);
  const char *set_list[8];
  for (int i = 0; i < 8; i++)
    set_list[i] = sets[i];
  cs_cohort *cohort = NULL;
  if (text == NULL) {
    cohort = cs_test_load_cohort("cohorts/validation/birth_death.yaml", 8, set_list);
  } else {
    cs_error err = {0};
    if (cs_cohort_load_string(text, "birth_death variant", 8, set_list, &cohort, &err) != CS_OK)
      fail_msg("loading the birth_death variant: %s", err.message);
  }
  cs_records *records = cs_test_simulate(cohort, n_patients, seed);
  cs_cohort_destroy(&cohort);
  return records;
}

cs_records *cs_oracle_simulate(const birth_death *p, const char *method, size_t n_patients,
                               uint64_t seed)
{
  return cs_oracle_simulate_text(p, method, NULL, n_patients, seed);
}

size_t cs_oracle_count_cleared(const cs_records *r)
{
  size_t cleared = 0;
  for (size_t i = 0; i < r->n_patients; i++)
    cleared += r->cleared[i];
  return cleared;
}
