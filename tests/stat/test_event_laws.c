/* Statistical tests of events against exact answers.
 *
 * The SBML test suite's stochastic cases 00028 and 00029 (immigration-death with a timed
 * reset) and 00033 (dimerisation with a state reset), whose exact means and SDs at every
 * day are tests/data/events/000NN-results.csv, judged by the suite's own rule: at each
 * time, Z = (mean - mu)/(sigma/sqrt(n)) within (-3, 3) and Y = sqrt(n/2)(s^2/sigma^2 - 1)
 * within (-5, 5); where sigma is 0 (just after a reset) every patient must hold mu.
 * Then the hybrid engine where it leaps: a scaled-up case 00028 against its analytic law,
 * and its rule for state events (a leap is cut back to the firing where the trigger
 * turned true) compared with the exact engine on a large population reset by a state
 * event, the means within their standard errors, and judged by the exact law of the time
 * a trigger fires (a Yule process's hitting time).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/records.h"
#include "cs_test_support.h"

#define SUITE_MEAN_LIMIT 3.0
#define SUITE_SD_LIMIT 5.0
#define LIMIT_SIGMA 4.0

typedef struct suite_results {
  int n_rows;
  double time[64];
  double mean[64][2], sd[64][2]; /* up to two variables, in the file's column order */
} suite_results;

/* Reads "time,A-mean,[B-mean,]A-sd[,B-sd]" (the suite's column order). */
static void read_results(const char *relative, int n_vars, suite_results *res)
{
  FILE *in = fopen(cs_test_source_path(relative), "r");
  assert_non_null(in);
  char line[512];
  assert_non_null(fgets(line, sizeof line, in)); /* header */
  res->n_rows = 0;
  while (fgets(line, sizeof line, in) != NULL && res->n_rows < 64) {
    if (line[0] < '0' || line[0] > '9')
      continue; /* a blank last line */
    double v[5];
    char *p = line;
    for (int k = 0; k < 1 + 2 * n_vars; k++) {
      v[k] = strtod(p, &p);
      if (*p == ',')
        p++;
    }
    const int i = res->n_rows++;
    res->time[i] = v[0];
    for (int j = 0; j < n_vars; j++) {
      res->mean[i][j] = v[1 + j];
      res->sd[i][j] = v[1 + n_vars + j];
    }
  }
  fclose(in);
}

/* The burden of every patient at grid point k (arm 0). */
static void burden_at(const cs_records *r, size_t k, double *values)
{
  for (size_t i = 0; i < r->n_patients; i++)
    values[i] = r->burden[i * r->n_grid + k];
}

/* The suite's judgement of one variable (the burden) at every time of the results. */
static void judge(const char *what, const cs_records *r, const suite_results *res, int var)
{
  const size_t n = r->n_patients;
  double *values = malloc(n * sizeof *values);
  assert_non_null(values);
  assert_int_equal(r->n_grid, (size_t)res->n_rows);
  int worst_row = 0;
  double worst_z = 0, worst_y = 0;
  for (int k = 0; k < res->n_rows; k++) {
    burden_at(r, (size_t)k, values);
    double mean, variance, fourth;
    cs_test_moments(values, n, &mean, &variance, &fourth);
    const double mu = res->mean[k][var], sigma = res->sd[k][var];
    if (sigma == 0) {
      if (mean != mu || variance != 0)
        fail_msg("%s at t = %g: mean %g, variance %g; exactly %g expected", what, res->time[k],
                 mean, variance, mu);
      continue;
    }
    const double z = (mean - mu) / (sigma / sqrt((double)n));
    const double y = sqrt((double)n / 2.0) * (variance / (sigma * sigma) - 1);
    if (fabs(z) > fabs(worst_z))
      worst_z = z, worst_row = k;
    if (fabs(y) > fabs(worst_y))
      worst_y = y;
    if (!(fabs(z) < SUITE_MEAN_LIMIT) || !(fabs(y) < SUITE_SD_LIMIT))
      fail_msg("%s at t = %g: mean %g (exact %g, Z = %+.2f), sd %g (exact %g, Y = %+.2f)", what,
               res->time[k], mean, mu, z, sqrt(variance), sigma, y);
  }
  printf("  %-40s worst Z %+.2f (t = %g), worst Y %+.2f\n", what, worst_z, res->time[worst_row],
         worst_y);
  free(values);
}

static void sbml_case(const char *cohort_file, const char *results, const char *method,
                      const char *what)
{
  const char *sets[] = {method};
  cs_cohort *cohort = cs_test_load_cohort(cohort_file, 1, sets);
  cs_records *r = cs_test_simulate(cohort, 10000, 2801);
  suite_results res;
  read_results(results, 1, &res);
  judge(what, r, &res, 0);
  cs_records_destroy(&r);
  cs_cohort_destroy(&cohort);
}

static void test_sbml_00028(void **state)
{
  (void)state;
  sbml_case("tests/data/events/sbml_00028.yaml", "tests/data/events/00028-results.csv",
            "method=exact", "00028 X, exact");
  sbml_case("tests/data/events/sbml_00028.yaml", "tests/data/events/00028-results.csv",
            "method=hybrid", "00028 X, hybrid (exact stretches)");
}

static void test_sbml_00029(void **state)
{
  (void)state;
  sbml_case("tests/data/events/sbml_00029.yaml", "tests/data/events/00029-results.csv",
            "method=exact", "00029 X, exact");
  sbml_case("tests/data/events/sbml_00029.yaml", "tests/data/events/00029-results.csv",
            "method=hybrid", "00029 X, hybrid (exact stretches)");
}

/* A cohort file of the source tree with the text `old` replaced by `new`, loaded with
 * the overrides `sets`. */
static cs_cohort *load_variant(const char *relative, const char *old, const char *new, int n_sets,
                               const char *const *sets)
{
  char *text = NULL;
  size_t length = 0;
  cs_error err = {0};
  assert_int_equal(cs_cohort_read_text(cs_test_source_path(relative), &text, &length, &err), CS_OK);
  const char *at = strstr(text, old);
  assert_non_null(at);
  const size_t size = length + strlen(new) + 1;
  char *variant = malloc(size);
  assert_non_null(variant);
  snprintf(variant, size, "%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
  cs_cohort *cohort = NULL;
  if (cs_cohort_load_string(variant, relative, n_sets, sets, &cohort, &err) != CS_OK)
    fail_msg("%s", err.message);
  free(variant);
  free(text);
  return cohort;
}

/* Case 00033 with the burden switched to `species` (P or P2). */
static void sbml_00033(const char *species, int var, const char *method, const char *what)
{
  char tumour[32];
  snprintf(tumour, sizeof tumour, "tumour: [%s]", species);
  const char *sets[] = {method};
  cs_cohort *cohort =
      load_variant("tests/data/events/sbml_00033.yaml", "tumour: [P2]", tumour, 1, sets);
  cs_records *r = cs_test_simulate(cohort, 10000, 3301);
  suite_results res;
  read_results("tests/data/events/00033-results.csv", 2, &res);
  judge(what, r, &res, var);
  cs_records_destroy(&r);
  cs_cohort_destroy(&cohort);
}

static void test_sbml_00033(void **state)
{
  (void)state;
  sbml_00033("P", 0, "method=exact", "00033 P, exact");
  sbml_00033("P2", 1, "method=exact", "00033 P2, exact");
  sbml_00033("P", 0, "method=hybrid", "00033 P, hybrid");
  sbml_00033("P2", 1, "method=hybrid", "00033 P2, hybrid");
}

/* Case 00028 scaled up 10^4 times (Alpha = 10^4, reset to X = 5 10^5 at day 25), where
 * the hybrid engine leaps. Every patient holds 5 10^5 at day 25, and by the Markov
 * property X(25 + s) has the law of X(s) from 5 10^5 at time 0 without the event, which
 * the same engine gives (their means and variances compared within standard errors):
 * so the event is judged apart from the leaps' own error at this scale. And the mean
 * before and just after the reset against the exact law, Binomial(x, e^{-Mu s}) +
 * Poisson((Alpha/Mu)(1 - e^{-Mu s})) from x = 0, then 5 10^5. */
static void scaled_law(double t, double *mean, double *variance)
{
  const double alpha = 1e4, mu = 0.1, reset = 25, x_reset = 5e5;
  const double s = t < reset ? t : t - reset, x0 = t < reset ? 0 : x_reset;
  const double survive = exp(-mu * s), immigrants = (alpha / mu) * (1 - survive);
  *mean = x0 * survive + immigrants;
  *variance = x0 * survive * (1 - survive) + immigrants;
}

static void test_hybrid_scaled_timed_reset(void **state)
{
  (void)state;
  const char *sets[] = {"method=hybrid", "parameters.Alpha=10000"};
  const char *file = "tests/data/events/sbml_00028.yaml";
  cs_cohort *cohort = load_variant(file, "set: {X: 50}", "set: {X: 500000}", 2, sets);
  cs_records *r = cs_test_simulate(cohort, 2000, 2802);
  const char *from_reset_sets[] = {"method=hybrid", "parameters.Alpha=10000",
                                   "species.X.initial=500000", "followup_days=25"};
  cs_cohort *from_reset =
      load_variant(file, "when: \"t >= 25\"", "when: \"t >= 99\"", 4, from_reset_sets);
  cs_records *plain = cs_test_simulate(from_reset, 2000, 2803);
  const size_t n = r->n_patients;
  double *values = malloc(n * sizeof *values), *reference = malloc(n * sizeof *reference);
  assert_non_null(values);
  assert_non_null(reference);
  double mean, variance, fourth, m, v;
  burden_at(r, 25, values);
  cs_test_moments(values, n, &mean, &variance, &fourth);
  assert_true(mean == 5e5 && variance == 0);
  for (size_t s = 1; s <= 25; s += 4) {
    burden_at(r, 25 + s, values);
    burden_at(plain, s, reference);
    cs_test_moments(values, n, &mean, &variance, &fourth);
    cs_test_moments(reference, n, &m, &v, &fourth);
    char what[64];
    snprintf(what, sizeof what, "scaled 00028, hybrid, X(25 + %zu) - X(%zu)", s, s);
    cs_test_assert_within_sigma(what, mean - m, 0, sqrt((variance + v) / (double)n), LIMIT_SIGMA);
  }
  const int days[] = {10, 24, 26};
  for (size_t d = 0; d < sizeof days / sizeof *days; d++) {
    scaled_law(days[d], &m, &v);
    burden_at(r, (size_t)days[d], values);
    cs_test_moments(values, n, &mean, &variance, &fourth);
    char what[64];
    snprintf(what, sizeof what, "scaled 00028, hybrid, mean X(%d)", days[d]);
    cs_test_assert_within_sigma(what, mean, m, sqrt(variance / (double)n), LIMIT_SIGMA);
  }
  /* It leaps: far fewer steps than firings (about 10^4 immigrations a day). */
  int64_t steps = 0, firings = 0;
  for (size_t i = 0; i < n; i++) {
    steps += r->events[i];
    for (int k = 0; k < r->n_reactions; k++)
      firings += r->reaction_count[i * (size_t)r->n_reactions + (size_t)k];
  }
  printf("  scaled 00028, hybrid: %.0f firings per step\n", (double)firings / (double)steps);
  assert_true(firings > 100 * steps);
  free(values);
  free(reference);
  cs_records_destroy(&plain);
  cs_records_destroy(&r);
  cs_cohort_destroy(&from_reset);
  cs_cohort_destroy(&cohort);
}

/* The hybrid trigger rule's bias: immigration-death at about 10^4 copies, reset to 2000
 * whenever X exceeds 12000 (a sawtooth: the trigger turns true a few times per patient),
 * the mean of X on the grid from both engines compared within the standard error of
 * their difference. The exact engine fires every reset at X = 12001; the hybrid one
 * too (its cut ends at one firing), so what is compared is when. */
static const char *const sawtooth = "name: sawtooth\n"
                                    "followup_days: 30\n"
                                    "report_every_days: 1\n"
                                    "parameters: {Alpha: 2000, Mu: 0.1}\n"
                                    "species: {X: {initial: 2000}}\n"
                                    "reactions:\n"
                                    "  immigration: {products: {X: 1}, rate: Alpha}\n"
                                    "  death: {reactants: {X: 1}, mass_action: Mu}\n"
                                    "events:\n"
                                    "  - {when: \"X > 12000\", set: {X: 2000}}\n"
                                    "arms: {baseline: {}}\n"
                                    "outcomes: {tumour: [X]}\n";

static cs_records *simulate_text(const char *text, const char *method, size_t n, uint64_t seed)
{
  const char *sets[] = {method};
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, "sawtooth.yaml", 1, sets, &cohort, &err) != CS_OK)
    fail_msg("%s", err.message);
  cs_records *r = cs_test_simulate(cohort, n, seed);
  cs_cohort_destroy(&cohort);
  return r;
}

static void test_hybrid_state_event_bias(void **state)
{
  (void)state;
  const size_t n = 2000;
  cs_records *exact = simulate_text(sawtooth, "method=exact", n, 4001);
  cs_records *hybrid = simulate_text(sawtooth, "method=hybrid", n, 4002);
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  assert_non_null(a);
  assert_non_null(b);
  for (size_t k = 5; k < exact->n_grid; k += 5) {
    burden_at(exact, k, a);
    burden_at(hybrid, k, b);
    double ma, va, mb, vb, f;
    cs_test_moments(a, n, &ma, &va, &f);
    cs_test_moments(b, n, &mb, &vb, &f);
    char what[64];
    snprintf(what, sizeof what, "sawtooth X(%zu), hybrid - exact", k);
    cs_test_assert_within_sigma(what, mb - ma, 0, sqrt((va + vb) / (double)n), LIMIT_SIGMA);
  }
  free(a);
  free(b);
  cs_records_destroy(&exact);
  cs_records_destroy(&hybrid);
}

/* When a trigger fires, against an exact law: a Yule process (N -> 2N at b N) from 1000
 * whose state event `N > 20000` stops the growth and records the time it fired (S =
 * round(1000 t)). The hitting time of 20001 is a sum of independent exponentials,
 * sum_{k=1000}^{20000} Exp(b k): mean sum 1/(b k), variance sum 1/(b k)^2. The exact
 * engine must match it; the hybrid engine leaps (about 10^4 copies) and its cut rule
 * decides the time, so its mean and variance are held to the same standard errors. */
static const char *const yule = "name: yule\n"
                                "followup_days: 40\n"
                                "report_every_days: 40\n"
                                "parameters: {b: 0.1}\n"
                                "species: {N: {initial: 1000}, S: {initial: 0}}\n"
                                "reactions:\n"
                                "  birth: {reactants: {N: 1}, products: {N: 2}, mass_action: b}\n"
                                "events:\n"
                                "  - {when: \"N > 20000\", set: {b: 0, S: 1000 * t}}\n"
                                "arms: {baseline: {}}\n"
                                "outcomes: {tumour: [N]}\n";

static void test_trigger_time(void **state)
{
  (void)state;
  double mean = 0, variance = 0;
  for (int k = 1000; k <= 20000; k++) {
    mean += 1 / (0.1 * k);
    variance += 1 / (0.01 * k * k);
  }
  variance += 1e-6 / 12; /* the rounding of S to 1/1000 day */
  const char *methods[] = {"method=exact", "method=hybrid"};
  for (int m = 0; m < 2; m++) {
    const size_t n = 2000;
    cs_records *r = simulate_text(yule, methods[m], n, 5001 + (uint64_t)m);
    double *when = malloc(n * sizeof *when);
    assert_non_null(when);
    for (size_t i = 0; i < n; i++) {
      when[i] = r->species_peak[i * (size_t)r->n_species + 1] / 1000;
      assert_true(r->final_burden[i] == 20001); /* it fired at the firing that made 20001 */
    }
    char what[64];
    snprintf(what, sizeof what, "Yule hitting time of 20001, %s", methods[m] + 7);
    cs_test_assert_moments(what, when, n, mean, variance, LIMIT_SIGMA);
    int64_t steps = 0;
    for (size_t i = 0; i < n; i++)
      steps += r->events[i];
    if (m == 1) /* the hybrid engine leaps: 19000 firings in far fewer steps */
      assert_true(steps < (int64_t)n * 1000);
    free(when);
    cs_records_destroy(&r);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sbml_00028),
      cmocka_unit_test(test_sbml_00029),
      cmocka_unit_test(test_sbml_00033),
      cmocka_unit_test(test_hybrid_scaled_timed_reset),
      cmocka_unit_test(test_hybrid_state_event_bias),
      cmocka_unit_test(test_trigger_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
