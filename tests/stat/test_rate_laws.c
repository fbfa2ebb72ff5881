/* Statistical oracle tests of the model language's reactions (issue 9) in both engines:
 *
 * - Dimerisation 2P <-> P2 with stoichiometric mass action (propensity k1 C(P, 2)), the
 *   SBML stochastic test suite's case 00030 (DSMTS-003-01), whose exact means and
 *   standard deviations (shared/sbml-test-suite-stochastic/00030) are the oracle at a
 *   few times, exact and hybrid methods.
 * - The birth-death validation cohort with its rates written as general rate laws
 *   ("b*N"): the same seed gives the same path as the factor form, event for event.
 * - Kendall's time-varying birth-death with the drug written inside a rate law
 *   ("kd*effect(C)*N"): the exact engine's thinning bound then comes from the formula's
 *   interval arithmetic over each window, and the extinction probability and moments
 *   must still match Kendall's formula.
 *
 * Fixed seeds, limits of 4 standard errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/records.h"
#include "cs_oracle.h"
#include "cs_test_support.h"

#define LIMIT_SIGMA 4.0

static cs_cohort *load_text(const char *text, int n_sets, const char *const *sets)
{
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, "rate_laws", n_sets, sets, &cohort, &err) != CS_OK)
    fail_msg("loading: %s", err.message);
  return cohort;
}

/* ---- dimerisation (SBML test suite case 00030) --------------------------------------- */

static const char dimerisation_yaml[] =
    "name: dsmts_dimerisation\n"
    "followup_days: 50\n"
    "report_every_days: 1\n"
    "parameters: {k1: 0.001, k2: 0.01}\n"
    "species:\n"
    "  P: {initial: 100}\n"
    "  P2: {initial: 0}\n"
    "reactions:\n"
    "  dimerisation: {reactants: {P: 2}, products: {P2: 1}, mass_action: k1}\n"
    "  dissociation: {reactants: {P2: 1}, products: {P: 2}, mass_action: k2}\n"
    "arms:\n"
    "  untreated: {}\n"
    "outcomes: {tumour: [P]}\n";

/* The suite's exact P-mean and P-sd (00030-results.csv) at these days. */
static const struct {
  int day;
  double mean, sd;
} dimer_oracle[] = {
    {1, 91.031766, 3.862504},
    {5, 67.583559, 5.592782},
    {20, 38.315665, 5.085969},
    {50, 28.542298, 4.789331},
};

static void check_dimerisation(const char *method, uint64_t seed)
{
  char set[32];
  snprintf(set, sizeof set, "method=%s", method);
  const char *sets[] = {set};
  cs_cohort *cohort = load_text(dimerisation_yaml, 1, sets);
  const size_t n = 4000;
  cs_records *r = cs_test_simulate(cohort, n, seed);
  double *values = calloc(n, sizeof *values);
  assert_non_null(values);
  for (size_t k = 0; k < sizeof dimer_oracle / sizeof dimer_oracle[0]; k++) {
    for (size_t i = 0; i < n; i++)
      values[i] = cs_records_row(r, 0, i).burden[dimer_oracle[k].day];
    char what[96];
    snprintf(what, sizeof what, "%s: P(%d), 2P <-> P2", method, dimer_oracle[k].day);
    cs_test_assert_moments(what, values, n, dimer_oracle[k].mean,
                           dimer_oracle[k].sd * dimer_oracle[k].sd, LIMIT_SIGMA);
  }
  free(values);
  cs_records_destroy(&r);
  cs_cohort_destroy(&cohort);
}

static void test_dimerisation_exact(void **state)
{
  (void)state;
  check_dimerisation("exact", 301);
}

static void test_dimerisation_hybrid(void **state)
{
  (void)state;
  check_dimerisation("hybrid", 302);
}

/* ---- the birth-death cohort with rates as formulas ----------------------------------- */

/* birth_death.yaml with each `old` replaced by its `new` (malloc'ed). */
static char *birth_death_variant(int n, const char *const *old, const char *const *replacement)
{
  char *text = NULL;
  size_t length = 0;
  cs_error err = {0};
  if (cs_cohort_read_text(cs_test_source_path("cohorts/validation/birth_death.yaml"), &text,
                          &length, &err) != CS_OK)
    fail_msg("%s", err.message);
  for (int i = 0; i < n; i++) {
    const char *at = strstr(text, old[i]);
    if (at == NULL)
      fail_msg("'%s' is not in birth_death.yaml", old[i]);
    const size_t size = strlen(text) + strlen(replacement[i]) + 1;
    char *changed = malloc(size);
    assert_non_null(changed);
    snprintf(changed, size, "%.*s%s%s", (int)(at - text), text, replacement[i],
             at + strlen(old[i]));
    free(text);
    text = changed;
  }
  return text;
}

static const char *const factor_birth = "{change: {N: +1}, rate: b, factors: [{species: N}]}";
static const char *const factor_death = "{change: {N: -1}, rate: d, factors: [{species: N}]}";
static const char *const factor_drug =
    "{change: {N: -1}, rate: kd, factors: [{species: N}, {effect: C}]}";

/* The same seed, the same path: a rate law "b*N" is the product b*N the factor form
 * computes, and the engines draw the same random numbers for both. */
static void test_formula_birth_death_same_path(void **state)
{
  (void)state;
  const char *old[] = {factor_birth, factor_death};
  const char *formulas[] = {"{change: {N: +1}, rate: \"b*N\"}", "{change: {N: -1}, rate: \"d*N\"}"};
  char *text = birth_death_variant(2, old, formulas);
  const char *sets[] = {"parameters.n0=50", "parameters.d=1.05"};
  cs_cohort *formula_cohort = load_text(text, 2, sets);
  cs_cohort *factor_cohort = cs_test_load_cohort("cohorts/validation/birth_death.yaml", 2, sets);
  const size_t n = 300;
  cs_records *a = cs_test_simulate(factor_cohort, n, 303);
  cs_records *b = cs_test_simulate(formula_cohort, n, 303);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(a->events[i], b->events[i]);
    assert_true(a->final_burden[i] == b->final_burden[i]);
    assert_true(a->clearance_time[i] == b->clearance_time[i] ||
                (isnan(a->clearance_time[i]) && isnan(b->clearance_time[i])));
  }
  cs_records_destroy(&a);
  cs_records_destroy(&b);
  cs_cohort_destroy(&formula_cohort);
  cs_cohort_destroy(&factor_cohort);
  free(text);
}

/* ---- Kendall's oracle with the drug inside a rate law -------------------------------- */

static cs_records *simulate_drug_formula(const birth_death *p, const char *method,
                                         size_t n_patients, uint64_t seed)
{
  const char *old[] = {factor_drug};
  const char *formula[] = {"{change: {N: -1}, rate: \"kd*effect(C)*N\"}"};
  char *text = birth_death_variant(1, old, formula);
  cs_records *records = cs_oracle_simulate_text(p, method, text, n_patients, seed);
  free(text);
  return records;
}

static void test_kendall_formula_extinction(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.5, .kd = 1, .c0 = 2, .ke = 0.7, .n0 = 2, .t_end = 10};
  const double p0 = cs_oracle_extinction_probability(&p);
  assert_true(p0 > 0.2 && p0 < 0.8);
  cs_records *r = simulate_drug_formula(&p, "exact", 100000, 304);
  cs_test_assert_proportion("Kendall P0(10), drug in a rate law, n0=2",
                            cs_oracle_count_cleared(r), r->n_patients, p0, LIMIT_SIGMA);
  cs_records_destroy(&r);
}

static void test_kendall_formula_moments(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.5, .kd = 1, .c0 = 2, .ke = 0.7, .n0 = 1000, .t_end = 3};
  cs_records *r = simulate_drug_formula(&p, "exact", 4000, 305);
  cs_test_assert_moments("N(3), drug in a rate law, n0=1000", r->final_burden, r->n_patients,
                         cs_oracle_mean_count(&p), cs_oracle_variance_count(&p), LIMIT_SIGMA);
  cs_records_destroy(&r);
}

/* The hybrid engine integrates a rate law reading a drug over each leap (Gauss-Legendre
 * on the whole propensity): Kendall's extinction probability from a million cells, as
 * test_hybrid checks it for the factor form. */
static void test_kendall_formula_hybrid_million_cells(void **state)
{
  (void)state;
  const birth_death p = {.b = 1, .d = 0.5, .kd = 2.07, .c0 = 20, .ke = 0.3, .n0 = 1e6, .t_end = 20};
  const double p0 = cs_oracle_extinction_probability(&p);
  assert_true(p0 > 0.2 && p0 < 0.8);
  cs_records *r = simulate_drug_formula(&p, "hybrid", 10000, 306);
  cs_test_assert_proportion("hybrid Kendall P0(20), drug in a rate law, n0=1e6",
                            cs_oracle_count_cleared(r), r->n_patients, p0, LIMIT_SIGMA);
  cs_records_destroy(&r);
}

/* Dimerisation at 100 times the suite's counts (P0 = 10^4, k1 = 10^-5), where the hybrid
 * engine leaps with CGP's g = 2 + 1/(P - 1) for the second-order reaction: its moments of
 * P against the exact engine's (two samples), and far fewer steps than events. */
static void test_dimerisation_hybrid_leaps(void **state)
{
  (void)state;
  const char *exact_sets[] = {"method=exact", "species.P.initial=10000", "parameters.k1=1e-5"};
  const char *hybrid_sets[] = {"method=hybrid", "species.P.initial=10000", "parameters.k1=1e-5"};
  cs_cohort *exact = load_text(dimerisation_yaml, 3, exact_sets);
  cs_cohort *hybrid = load_text(dimerisation_yaml, 3, hybrid_sets);
  const size_t n = 2000;
  cs_records *a = cs_test_simulate(exact, n, 307);
  cs_records *b = cs_test_simulate(hybrid, n, 308);
  double *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
  assert_non_null(x);
  assert_non_null(y);
  static const int days[] = {1, 5, 20, 50};
  for (size_t k = 0; k < sizeof days / sizeof days[0]; k++) {
    for (size_t i = 0; i < n; i++) {
      x[i] = cs_records_row(a, 0, i).burden[days[k]];
      y[i] = cs_records_row(b, 0, i).burden[days[k]];
    }
    double mean_x, var_x, mean_y, var_y, m4;
    cs_test_moments(x, n, &mean_x, &var_x, &m4);
    cs_test_moments(y, n, &mean_y, &var_y, &m4);
    char what[96];
    snprintf(what, sizeof what, "hybrid - exact mean P(%d), P0 = 10^4", days[k]);
    cs_test_assert_within_sigma(what, mean_y - mean_x, 0, sqrt((var_x + var_y) / (double)n),
                                LIMIT_SIGMA);
    /* Sample variances of normal-like counts have relative SE sqrt(2/(n-1)) each, so
     * their ratio has SE about 2/sqrt(n-1). */
    snprintf(what, sizeof what, "hybrid / exact variance P(%d), P0 = 10^4", days[k]);
    cs_test_assert_within_sigma(what, var_y / var_x, 1, 2 / sqrt((double)(n - 1)), LIMIT_SIGMA);
  }
  double events_exact = 0, steps_hybrid = 0;
  for (size_t i = 0; i < n; i++) {
    events_exact += (double)a->events[i];
    steps_hybrid += (double)b->events[i];
  }
  print_message("  events per patient: exact %.0f, hybrid steps %.0f\n",
                events_exact / (double)n, steps_hybrid / (double)n);
  assert_true(steps_hybrid < 0.2 * events_exact);
  free(x);
  free(y);
  cs_records_destroy(&a);
  cs_records_destroy(&b);
  cs_cohort_destroy(&exact);
  cs_cohort_destroy(&hybrid);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dimerisation_exact),
      cmocka_unit_test(test_dimerisation_hybrid),
      cmocka_unit_test(test_formula_birth_death_same_path),
      cmocka_unit_test(test_kendall_formula_extinction),
      cmocka_unit_test(test_kendall_formula_moments),
      cmocka_unit_test(test_kendall_formula_hybrid_million_cells),
      cmocka_unit_test(test_dimerisation_hybrid_leaps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
