/* Unit tests of the cohort module: a valid cohort resolved into the expected structure
 * (every factor kind, expressions, half-life conversion, arms with like/set, every
 * distribution form, correlations with their Cholesky factor, traits, timing), the --set
 * overrides (a distribution fixed by --set, its correlations dropped), the printed model,
 * loading from a file, and every error path provoked on purpose with its message checked
 * for file:line:column and key path.
 *
 * Error positions are not counted by hand: each test names the text the error must
 * point at, and the expected "FILE:LINE:COLUMN" is computed from where that text is.
 */
/* mkstemp and fdopen, for the file tests; a feature-test macro, reserved by design. */
#define _POSIX_C_SOURCE 200809L // NOLINT(bugprone-reserved-identifier)

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "cohortsim/cohort.h"
#include "cohortsim/yamltree.h"
#include "cs_test_support.h"

#define LN2 0.693147180559945309417232121458176568

/* A few units in the last place suffice here (and 0 must be exactly 0). */
#define assert_close(actual, expected)                                                             \
  assert_within((actual), (expected), 1e-15 * fabs((double)(expected)))

/* ---- the cohorts under test ---------------------------------------------------------- */

/* Every factor kind, expressions of each shape, both drug forms, and an arm built with
 * like + set + an overriding dose. */
static const char full_cohort[] =
    "name: small\n"
    "description: A test cohort.\n"
    "method: hybrid\n"
    "hybrid: {epsilon: 0.05, critical: 20}\n"
    "followup_days: 30\n"
    "report_every_days: 0.5\n"
    "parameters:\n"
    "  b: 0.7\n"
    "  d0: 0.2\n"
    "  K: 2.0e9\n"
    "  N0: 1.0e5\n"
    "  kH: 2\n"
    "  qN: 10\n"
    "  KD: 1.0e5\n"
    "  kill: 1.0e-7\n"
    "  kmax: 4\n"
    "  rE: 1.0e5\n"
    "  immune: 1\n"
    "  knec: 1.5\n"
    "  kapo: 1\n"
    "  t_casp: 0.25\n"
    "species:\n"
    "  A: {initial: N0}\n"
    "  M: {initial: 0}\n"
    "  D: {initial: 0}\n"
    "  E: {initial: 3*immune/2}\n"
    "drugs:\n"
    "  hma: {half_life_days: 2.0}\n"
    "  smac: {elimination_per_day: 0.5}\n"
    "  casp: {half_life_days: t_casp}\n"
    "reactions:\n"
    "  division_A: {change: {A: +1}, rate: b, factors: [{species: A}, {logistic: [A, M], "
    "capacity: K}]}\n"
    "  death_A: {change: {A: -1}, rate: d0, factors: [{species: A}]}\n"
    "  reexpress: {change: {A: -1, M: +1}, rate: kH*b, factors: [{species: A}, {effect: hma}]}\n"
    "  necroptosis: {change: {M: -1, D: +qN}, rate: knec, factors: [{species: M}, "
    "{effect: smac}, {effect: casp}]}\n"
    "  drug_apoptosis_A: {change: {A: -1}, rate: kapo, factors: [{species: A}, "
    "{effect: smac}, {inhibit: casp}]}\n"
    "  recruitment: {change: {E: +1}, rate: immune*rE, factors: [{hill: D, half: KD, n: 2}]}\n"
    "  immune_kill_A: {change: {A: -1}, rate: kill, factors: [{species: E}, {species: A}, "
    "{saturate: [A, M], half: kmax/kill}]}\n"
    "  expansion: {change: {E: 2}, rate: \"2*b\", factors: [{species: E}, {hill: D, half: "
    "KD}]}\n"
    "  influx: {change: {E: 1}, rate: 5}\n"
    "arms:\n"
    "  untreated: {}\n"
    "  triple:\n"
    "    doses:\n"
    "      hma: {amount: 3, every_days: 1, count: 5, cycles: 2, cycle_gap_days: 2}\n"
    "      smac: {amount: 3, count: 5}\n"
    "      casp: {amount: 5, start_day: 1}\n"
    "  immunodeficient:\n"
    "    doses:\n"
    "      casp: {amount: 2}\n"
    "    like: triple\n"
    "    set: {immune: 0, kH: 1}\n"
    "outcomes:\n"
    "  tumour: [A, M]\n"
    "  reference_cells: 3.0e8\n"
    "  mrd_negative_below: 1.0e-4\n"
    "  relapse_at: 1.0e-4\n"
    "  lethal_cells: 1.0e9\n";

/* Every distribution form, correlations, traits and timing. */
static const char var_cohort[] = "name: var\n"
                                 "followup_days: 30\n"
                                 "parameters:\n"
                                 "  b: {lognormal: {median: 0.7, cv: 0.3}}\n"
                                 "  d0: 0.2\n"
                                 "  N0: {lognormal: {median: 1.0e4, sigma: 0.5}}\n"
                                 "  kH: {lognormal: {mu: 0, sigma: 0.47}}\n"
                                 "  qN: {normal: {mean: 10, sd: 5, min: 0}}\n"
                                 "  delta: {normal: {mean: 1, sd: 0.1}}\n"
                                 "  u: {uniform: [1, 3]}\n"
                                 "  v: {uniform: {min: -1, max: 1}}\n"
                                 "  f: {beta: {a: 2, b: 5}}\n"
                                 "  g: {beta: {a: 0.5, b: 0.5, min: 10, max: 20}}\n"
                                 "  knec: 1.5\n"
                                 "correlations:\n"
                                 "  - [kH, qN, -0.3]\n"
                                 "  - [b, N0, 0.5]\n"
                                 "traits:\n"
                                 "  ripk3_loss: {probability: 0.1, set: {knec: 0}}\n"
                                 "  marker: {probability: 1}\n"
                                 "species:\n"
                                 "  A: {initial: N0}\n"
                                 "reactions:\n"
                                 "  division: {change: {A: +1}, rate: b, factors: [{species: A}]}\n"
                                 "  death: {change: {A: -1}, rate: d0*delta, factors: [{species: "
                                 "A}]}\n"
                                 "  necro: {change: {A: -1}, rate: knec*kH, factors: [{species: "
                                 "A}]}\n"
                                 "arms:\n"
                                 "  untreated: {}\n"
                                 "timing:\n"
                                 "  start_delay_days: {uniform: [0, 3]}\n"
                                 "  dose_jitter_days: {normal: {mean: 0, sd: 0.08}}\n"
                                 "  missed_dose_probability: 0.05\n"
                                 "outcomes: {tumour: [A]}\n";

/* The smallest valid cohort; error tests change one piece of it. */
static const char tiny_cohort[] = "name: tiny\n"
                                  "followup_days: 10\n"
                                  "parameters:\n"
                                  "  b: 0.5\n"
                                  "  d: 0.1\n"
                                  "species:\n"
                                  "  A: {initial: 10}\n"
                                  "drugs:\n"
                                  "  x: {half_life_days: 1}\n"
                                  "reactions:\n"
                                  "  birth: {change: {A: +1}, rate: b, factors: [{species: A}]}\n"
                                  "  death: {change: {A: -1}, rate: d, factors: [{species: A}]}\n"
                                  "arms:\n"
                                  "  untreated: {}\n"
                                  "outcomes:\n"
                                  "  tumour: [A]\n";

/* ---- helpers ------------------------------------------------------------------------- */

/* tiny_cohort with the first `old` replaced by `new` (a malloc'ed string). */
static char *variant(const char *old, const char *new)
{
  const char *at = strstr(tiny_cohort, old);
  assert_non_null(at);
  const size_t head = (size_t)(at - tiny_cohort);
  const size_t size = sizeof tiny_cohort + strlen(new);
  char *text = malloc(size);
  assert_non_null(text);
  memcpy(text, tiny_cohort, head);
  snprintf(text + head, size - head, "%s%s", new, at + strlen(old));
  return text;
}

static void assert_contains_at(const char *message, const char *part, const char *file, int line)
{
  if (strstr(message, part) == NULL) {
    print_error("message \"%s\"\n  lacks \"%s\"\n", message, part);
    _fail(file, line);
  }
}
#define assert_contains(message, part) assert_contains_at((message), (part), __FILE__, __LINE__)

/* Loads `text` with overrides; the load must fail with `status` and a message that
 * contains `part`. The message is returned in `err` for further checks. */
static void expect_failure_at(const char *text, int n_sets, const char *const *sets,
                              cs_status status, const char *part, cs_error *err, const char *file,
                              int line)
{
  static cs_cohort sentinel;
  cs_cohort *cohort = &sentinel; /* must be reset to NULL */
  *err = (cs_error){0};
  const cs_status got = cs_cohort_load_string(text, "tiny.yaml", n_sets, sets, &cohort, err);
  if (got != status || cohort != NULL) {
    print_error("status %d (\"%s\"), expected %d\n", (int)got, err->message, (int)status);
    _fail(file, line);
  }
  assert_contains_at(err->message, part, file, line);
}
#define expect_failure(text, n_sets, sets, status, part, err)                                      \
  expect_failure_at((text), (n_sets), (sets), (status), (part), (err), __FILE__, __LINE__)

/* Replaces `old` by `new` in tiny_cohort; the load must fail with CS_ERR_COHORT at the
 * position of `marker` (in the changed text), naming `path`, saying `what`. */
static void expect_cohort_error_at(const char *old, const char *new, const char *marker,
                                   const char *path, const char *what, const char *file, int line)
{
  char *text = variant(old, new);
  char location[64];
  char head[256];
  cs_test_location_of("tiny.yaml", text, marker, location, sizeof location);
  if (path[0] == '\0')
    snprintf(head, sizeof head, "%s ", location);
  else
    snprintf(head, sizeof head, "%s %s: ", location, path);
  cs_error err;
  expect_failure_at(text, 0, NULL, CS_ERR_COHORT, head, &err, file, line);
  assert_contains_at(err.message, what, file, line);
  free(text);
}
#define expect_cohort_error(old, new, marker, path, what)                                          \
  expect_cohort_error_at((old), (new), (marker), (path), (what), __FILE__, __LINE__)

static cs_cohort *load_ok(const char *text, int n_sets, const char *const *sets)
{
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  const cs_status status = cs_cohort_load_string(text, "test.yaml", n_sets, sets, &cohort, &err);
  if (status != CS_OK)
    print_error("%s\n", err.message);
  assert_int_equal(status, CS_OK);
  assert_non_null(cohort);
  return cohort;
}

static const cs_reaction *reaction(const cs_cohort *c, const char *name)
{
  const int r = cs_cohort_find_reaction(c, name);
  assert_true(r >= 0);
  return &c->reaction[r];
}

/* ---- a valid cohort ------------------------------------------------------------------ */

static void test_settings_and_parameters(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(full_cohort, 0, NULL);
  assert_string_equal(c->name, "small");
  assert_string_equal(c->description, "A test cohort.");
  assert_string_equal(c->path, "test.yaml");
  assert_string_equal(c->text, full_cohort);
  assert_string_equal(c->overrides, "");
  assert_int_equal(c->method, CS_METHOD_HYBRID);
  assert_close(c->hybrid_epsilon, 0.05);
  assert_int_equal(c->hybrid_critical, 20);
  assert_close(c->followup_days, 30);
  assert_close(c->report_every_days, 0.5);
  assert_int_equal(c->n_params, 14);
  assert_int_equal(cs_cohort_find_param(c, "b"), 0);
  assert_int_equal(cs_cohort_find_param(c, "t_casp"), 13);
  assert_int_equal(cs_cohort_find_param(c, "nope"), -1);
  assert_int_equal(c->param[2].dist.kind, CS_DIST_FIXED);
  assert_close(c->param[2].dist.value, 2.0e9);
  assert_int_equal(c->n_species, 4);
  assert_int_equal(cs_cohort_find_species(c, "E"), 3);
  assert_int_equal(c->n_drugs, 3);
  assert_int_equal(cs_cohort_find_drug(c, "casp"), 2);
  assert_int_equal(c->n_reactions, 9);
  assert_int_equal(c->n_arms, 3);
  assert_int_equal(cs_cohort_find_arm(c, "immunodeficient"), 2);
  cs_cohort_destroy(&c);
  assert_null(c);
}

static void test_defaults(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(tiny_cohort, 0, NULL);
  assert_string_equal(c->description, "");
  assert_int_equal(c->method, CS_METHOD_HYBRID);
  assert_close(c->hybrid_epsilon, 0.03);
  assert_int_equal(c->hybrid_critical, 10);
  assert_close(c->report_every_days, 1);
  assert_close(c->outcomes.reference_cells, 1);
  assert_true(c->outcomes.mrd_negative_below == 0 && c->outcomes.relapse_at == 0 &&
              c->outcomes.lethal_cells == 0);
  cs_cohort_destroy(&c);

  /* A follow-up shorter than a day is reported at its end, not rejected. */
  char *text = variant("followup_days: 10", "followup_days: 0.25");
  c = load_ok(text, 0, NULL);
  assert_close(c->report_every_days, 0.25);
  cs_cohort_destroy(&c);
  free(text);
}

/* The hybrid method's absolute tolerance per species: 1 count unless set, positive. */
static void test_leap_tolerance(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(tiny_cohort, 0, NULL);
  assert_close(c->species[0].leap_tolerance, 1);
  cs_cohort_destroy(&c);
  char *text = variant("A: {initial: 10}", "A: {initial: 10, leap_tolerance: 250}");
  c = load_ok(text, 0, NULL);
  assert_close(c->species[0].leap_tolerance, 250);
  cs_cohort_destroy(&c);
  free(text);
  expect_cohort_error("A: {initial: 10}", "A: {initial: 10, leap_tolerance: -3}", "-3",
                      "species.A.leap_tolerance", "expected a number > 0");
}

static void test_expressions(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(full_cohort, 0, NULL);
  const int b = cs_cohort_find_param(c, "b");
  const int kH = cs_cohort_find_param(c, "kH");
  const int kmax = cs_cohort_find_param(c, "kmax");
  const int kill = cs_cohort_find_param(c, "kill");
  const int immune = cs_cohort_find_param(c, "immune");
  const int qN = cs_cohort_find_param(c, "qN");
  double values[14];
  for (int p = 0; p < c->n_params; p++)
    values[p] = c->param[p].dist.value;

  const cs_expr *e = &reaction(c, "reexpress")->rate; /* kH*b */
  assert_close(e->coef, 1);
  assert_int_equal(e->n_terms, 2);
  assert_true(e->param[0] == kH && e->power[0] == 1 && e->param[1] == b && e->power[1] == 1);
  assert_close(cs_expr_eval(e, values), 1.4);

  e = &reaction(c, "expansion")->rate; /* "2*b": the number folds into coef */
  assert_close(e->coef, 2);
  assert_int_equal(e->n_terms, 1);
  assert_int_equal(e->param[0], b);

  e = &reaction(c, "influx")->rate; /* a YAML number */
  assert_close(e->coef, 5);
  assert_int_equal(e->n_terms, 0);
  assert_int_equal(reaction(c, "influx")->n_factors, 0);

  e = &reaction(c, "immune_kill_A")->factor[2].scale; /* kmax/kill */
  assert_int_equal(e->n_terms, 2);
  assert_true(e->param[0] == kmax && e->power[0] == 1);
  assert_true(e->param[1] == kill && e->power[1] == -1);
  assert_close(cs_expr_eval(e, values), 4e7);

  e = &c->species[3].initial; /* 3*immune/2 */
  assert_close(e->coef, 1.5);
  assert_int_equal(e->n_terms, 1);
  assert_int_equal(e->param[0], immune);

  const cs_reaction *necro = reaction(c, "necroptosis"); /* D: +qN */
  assert_int_equal(necro->n_changes, 2);
  assert_int_equal(necro->change_species[1], cs_cohort_find_species(c, "D"));
  assert_close(necro->change[1].coef, 1);
  assert_int_equal(necro->change[1].n_terms, 1);
  assert_int_equal(necro->change[1].param[0], qN);
  assert_close(necro->change[0].coef, -1);
  assert_int_equal(necro->change[0].n_terms, 0);
  cs_cohort_destroy(&c);
}

static void test_factors(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(full_cohort, 0, NULL);
  const int A = cs_cohort_find_species(c, "A");
  const int M = cs_cohort_find_species(c, "M");
  const int D = cs_cohort_find_species(c, "D");
  const int E = cs_cohort_find_species(c, "E");

  const cs_reaction *r = reaction(c, "division_A");
  assert_int_equal(r->n_factors, 2);
  assert_int_equal(r->factor[0].kind, CS_FACTOR_SPECIES);
  assert_int_equal(r->factor[0].target, A);
  assert_int_equal(r->factor[1].kind, CS_FACTOR_LOGISTIC);
  assert_int_equal(r->factor[1].n_sum, 2);
  assert_true(r->factor[1].sum[0] == A && r->factor[1].sum[1] == M);
  assert_int_equal(r->factor[1].scale.param[0], cs_cohort_find_param(c, "K"));
  assert_int_equal(r->n_changes, 1);
  assert_int_equal(r->change_species[0], A);
  assert_close(r->change[0].coef, 1);

  r = reaction(c, "drug_apoptosis_A");
  assert_int_equal(r->factor[1].kind, CS_FACTOR_EFFECT);
  assert_int_equal(r->factor[1].target, cs_cohort_find_drug(c, "smac"));
  assert_int_equal(r->factor[2].kind, CS_FACTOR_INHIBIT);
  assert_int_equal(r->factor[2].target, cs_cohort_find_drug(c, "casp"));

  r = reaction(c, "recruitment");
  assert_int_equal(r->factor[0].kind, CS_FACTOR_HILL);
  assert_int_equal(r->factor[0].target, D);
  assert_close(r->factor[0].hill_n, 2);
  assert_close(reaction(c, "expansion")->factor[1].hill_n, 1); /* the default */

  r = reaction(c, "immune_kill_A");
  assert_int_equal(r->factor[0].target, E);
  assert_int_equal(r->factor[2].kind, CS_FACTOR_SATURATE);
  assert_int_equal(r->factor[2].n_sum, 2);
  cs_cohort_destroy(&c);
}

static void test_half_life(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(full_cohort, 0, NULL);
  double values[14];
  for (int p = 0; p < c->n_params; p++)
    values[p] = c->param[p].dist.value;
  const cs_expr *hma = &c->drug[0].elimination_per_day;
  assert_int_equal(hma->n_terms, 0);
  assert_close(hma->coef, LN2 / 2.0);
  const cs_expr *smac = &c->drug[1].elimination_per_day;
  assert_close(smac->coef, 0.5);
  const cs_expr *casp = &c->drug[2].elimination_per_day; /* ln2 / t_casp */
  assert_close(casp->coef, LN2);
  assert_int_equal(casp->n_terms, 1);
  assert_int_equal(casp->param[0], cs_cohort_find_param(c, "t_casp"));
  assert_int_equal(casp->power[0], -1);
  assert_close(cs_expr_eval(casp, values), LN2 / 0.25);
  cs_cohort_destroy(&c);
}

static void test_arms(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(full_cohort, 0, NULL);
  const int hma = cs_cohort_find_drug(c, "hma");
  const int smac = cs_cohort_find_drug(c, "smac");
  const int casp = cs_cohort_find_drug(c, "casp");
  assert_int_equal(c->arm[0].n_doses, 0);
  assert_int_equal(c->arm[0].n_sets, 0);

  const cs_arm *triple = &c->arm[1];
  assert_int_equal(triple->n_doses, 3);
  const cs_dose_plan *d = &triple->dose[0];
  assert_int_equal(d->drug, hma);
  assert_close(d->amount.coef, 3);
  assert_close(d->every_days, 1);
  assert_int_equal(d->count, 5);
  assert_int_equal(d->cycles, 2);
  assert_close(d->cycle_gap_days, 2);
  assert_close(d->start_day, 0);
  d = &triple->dose[2];
  assert_int_equal(d->drug, casp);
  assert_close(d->start_day, 1);
  assert_int_equal(d->count, 1);
  assert_int_equal(d->cycles, 1);
  assert_close(d->every_days, 1);

  /* like: triple copies the doses; the arm's own casp plan replaces the copied one as a
   * whole (start_day back to its default), and set adds parameter values. */
  const cs_arm *deficient = &c->arm[2];
  assert_int_equal(deficient->n_doses, 3);
  assert_int_equal(deficient->dose[0].drug, hma);
  assert_int_equal(deficient->dose[0].count, 5);
  assert_int_equal(deficient->dose[1].drug, smac);
  assert_int_equal(deficient->dose[2].drug, casp);
  assert_close(deficient->dose[2].amount.coef, 2);
  assert_close(deficient->dose[2].start_day, 0);
  assert_int_equal(deficient->n_sets, 2);
  assert_int_equal(deficient->set[0].param, cs_cohort_find_param(c, "immune"));
  assert_close(deficient->set[0].value, 0);
  assert_int_equal(deficient->set[1].param, cs_cohort_find_param(c, "kH"));
  assert_close(deficient->set[1].value, 1);

  const cs_outcomes *o = &c->outcomes;
  assert_int_equal(o->n_tumour, 2);
  assert_true(o->tumour[0] == 0 && o->tumour[1] == 1);
  assert_close(o->reference_cells, 3e8);
  assert_close(o->mrd_negative_below, 1e-4);
  assert_close(o->relapse_at, 1e-4);
  assert_close(o->lethal_cells, 1e9);
  cs_cohort_destroy(&c);
}

static void test_like_overrides_sets(void **state)
{
  (void)state;
  char *text = variant("  untreated: {}\n", "  a: {set: {b: 0.6, d: 0.2}}\n"
                                            "  c: {like: a, set: {d: 0.3}}\n");
  cs_cohort *c = load_ok(text, 0, NULL);
  const cs_arm *arm = &c->arm[1];
  assert_int_equal(arm->n_sets, 2);
  assert_close(arm->set[0].value, 0.6);
  assert_close(arm->set[1].value, 0.3);
  cs_cohort_destroy(&c);
  free(text);
}

static char *print_to_string(const cs_cohort *c)
{
  FILE *file = tmpfile();
  assert_non_null(file);
  cs_cohort_print(c, file);
  const long size = ftell(file);
  assert_true(size > 0);
  rewind(file);
  char *text = calloc((size_t)size + 1, 1);
  assert_non_null(text);
  assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
  fclose(file);
  return text;
}

static void test_print(void **state)
{
  (void)state;
  const char *sets[] = {"parameters.b=0.8"};
  cs_cohort *c = load_ok(full_cohort, 1, sets);
  char *text = print_to_string(c);
  assert_contains(text, "cohort small (test.yaml)");
  assert_contains(text, "overrides: parameters.b=0.8");
  assert_contains(text, "method: hybrid (epsilon 0.05, critical 20)");
  assert_contains(text, "  b            = 0.8\n");
  assert_contains(text, "  A            N0 (= 100000)\n");
  assert_contains(text, "  hma          elimination 0.346574 per day, half-life 2 days\n");
  assert_contains(text, "casp         elimination 0.693147/t_casp (= 2.77259) per day");
  assert_contains(text, "division_A: A -> 2A   propensity = b * A * max(0, 1 - (A+M)/K)\n");
  assert_contains(text, "death_A: A -> 0   propensity = d0 * A\n");
  assert_contains(text, "reexpress: A -> M   propensity = kH*b * A * f_hma\n");
  assert_contains(text, "necroptosis: M -> qN D   propensity = knec * M * f_smac * f_casp\n");
  assert_contains(text, "propensity = kapo * A * f_smac * (1 - f_casp)\n");
  assert_contains(text, "recruitment: 0 -> E   propensity = immune*rE * D^2/(KD^2 + D^2)\n");
  assert_contains(text, "immune_kill_A: E + A -> E   propensity = kill * E * A * "
                        "1/(1 + (A+M)/(kmax/kill))\n");
  assert_contains(text, "expansion: E -> 3E   propensity = 2*b * E * D/(KD + D)\n");
  assert_contains(text, "  untreated: no doses\n");
  assert_contains(text, "    hma: 3 per dose, 10 doses at days 0, 1, 2, 3, 4, 7, 8, 9, 10, 11\n");
  assert_contains(text, "    casp: 5 per dose, 1 dose at day 1\n");
  assert_contains(text, "    set: immune = 0, kH = 1\n");
  assert_contains(text, "tumour burden = A + M");
  assert_contains(text, "MRD-negative below 0.0001 of reference (30000 cells)");
  assert_contains(text, "death at 1e+09 cells");
  free(text);
  cs_cohort_destroy(&c);
}

/* ---- variability --------------------------------------------------------------------- */

#define assert_near(actual, expected, tolerance)                                                   \
  assert_near_at((actual), (expected), (tolerance), __FILE__, __LINE__)

static void assert_near_at(double actual, double expected, double tolerance, const char *file,
                           int line)
{
  if (!(fabs(actual - expected) <= tolerance)) {
    print_error("%.17g is not %.17g within %g\n", actual, expected, tolerance);
    _fail(file, line);
  }
}

static const cs_dist *dist_of(const cs_cohort *c, const char *name)
{
  const int p = cs_cohort_find_param(c, name);
  assert_true(p >= 0);
  return &c->param[p].dist;
}

static void test_distributions(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(var_cohort, 0, NULL);
  assert_int_equal(c->n_params, 11);
  /* Every parameter but d0 and knec is sampled, in parameter order. */
  assert_int_equal(c->n_sampled, 9);
  static const int sampled[9] = {0, 2, 3, 4, 5, 6, 7, 8, 9};
  assert_memory_equal(c->sampled, sampled, sizeof sampled);
  assert_int_equal(dist_of(c, "d0")->kind, CS_DIST_FIXED);
  assert_close(dist_of(c, "d0")->value, 0.2);

  /* lognormal {median, cv}: mu = ln(median), sigma = sqrt(ln(1 + cv^2)) */
  const cs_dist *d = dist_of(c, "b");
  assert_int_equal(d->kind, CS_DIST_LOGNORMAL);
  assert_close(d->mu, log(0.7));
  assert_close(d->sigma, sqrt(log(1.09)));
  assert_near(d->value, 0.7, 1e-15); /* the median */
  d = dist_of(c, "N0");              /* {median, sigma} */
  assert_close(d->mu, log(1e4));
  assert_close(d->sigma, 0.5);
  assert_near(d->value, 1e4, 1e-11);
  d = dist_of(c, "kH"); /* {mu, sigma} */
  assert_true(d->mu == 0);
  assert_close(d->sigma, 0.47);
  assert_close(d->value, 1.0);

  /* normal with min only: truncated to [0, inf); the median is the truncated one */
  d = dist_of(c, "qN");
  assert_int_equal(d->kind, CS_DIST_NORMAL);
  assert_true(d->mean == 10 && d->sd == 5 && d->lower == 0 && isinf(d->upper) && d->upper > 0);
  const double below = gsl_cdf_ugaussian_P(-2.0);
  assert_near(d->value, 10 + 5 * gsl_cdf_ugaussian_Pinv(below + 0.5 * (1 - below)), 1e-12);
  d = dist_of(c, "delta");
  assert_true(isinf(d->lower) && d->lower < 0 && isinf(d->upper));
  assert_close(d->value, 1.0);

  d = dist_of(c, "u");
  assert_int_equal(d->kind, CS_DIST_UNIFORM);
  assert_true(d->lower == 1 && d->upper == 3);
  assert_close(d->value, 2.0);
  d = dist_of(c, "v"); /* the {min, max} spelling */
  assert_true(d->lower == -1 && d->upper == 1 && d->value == 0);

  d = dist_of(c, "f");
  assert_int_equal(d->kind, CS_DIST_BETA);
  assert_true(d->a == 2 && d->b == 5 && d->lower == 0 && d->upper == 1);
  assert_near(d->value, gsl_cdf_beta_Pinv(0.5, 2, 5), 1e-15);
  d = dist_of(c, "g"); /* scaled to [10, 20]; symmetric, so the median is the middle */
  assert_true(d->lower == 10 && d->upper == 20);
  assert_near(d->value, 15.0, 1e-12);
  cs_cohort_destroy(&c);
}

/* The factor L of the correlation matrix R over the 9 sampled parameters: lower
 * triangular, L L^T = R (identity but for the two pairs), unit first row. */
static void test_correlations(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(var_cohort, 0, NULL);
  assert_int_equal(c->n_correlations, 2);
  assert_int_equal(c->correlation[0].param[0], cs_cohort_find_param(c, "kH"));
  assert_int_equal(c->correlation[0].param[1], cs_cohort_find_param(c, "qN"));
  assert_close(c->correlation[0].rho, -0.3);
  assert_non_null(c->correlation_factor);
  enum { N = 9 };
  double want[N][N] = {{0}};
  for (int i = 0; i < N; i++)
    want[i][i] = 1;
  want[2][3] = want[3][2] = -0.3; /* kH, qN: sampled 2 and 3 */
  want[0][1] = want[1][0] = 0.5;  /* b, N0: sampled 0 and 1 */
  const double *L = c->correlation_factor;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      if (j > i)
        assert_true(L[i * N + j] == 0.0);
      double sum = 0;
      for (int k = 0; k < N; k++)
        sum += L[i * N + k] * L[j * N + k];
      assert_near(sum, want[i][j], 1e-15);
    }
  assert_true(L[0] == 1.0);
  assert_near(L[1 * N + 0], 0.5, 1e-15);
  assert_near(L[1 * N + 1], sqrt(0.75), 1e-15);
  cs_cohort_destroy(&c);

  /* Without correlations there is no factor: the identity. */
  c = load_ok(tiny_cohort, 0, NULL);
  assert_int_equal(c->n_sampled, 0);
  assert_int_equal(c->n_correlations, 0);
  assert_null(c->correlation_factor);
  cs_cohort_destroy(&c);
}

static void test_traits_and_timing(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(var_cohort, 0, NULL);
  assert_int_equal(c->n_traits, 2);
  assert_string_equal(c->trait[0].name, "ripk3_loss");
  assert_close(c->trait[0].probability, 0.1);
  assert_int_equal(c->trait[0].n_sets, 1);
  assert_int_equal(c->trait[0].set[0].param, cs_cohort_find_param(c, "knec"));
  assert_true(c->trait[0].set[0].value == 0);
  assert_string_equal(c->trait[1].name, "marker");
  assert_true(c->trait[1].probability == 1);
  assert_int_equal(c->trait[1].n_sets, 0);

  const cs_timing *t = &c->timing;
  assert_int_equal(t->start_delay_days.kind, CS_DIST_UNIFORM);
  assert_true(t->start_delay_days.lower == 0 && t->start_delay_days.upper == 3);
  assert_close(t->start_delay_days.value, 1.5);
  assert_int_equal(t->dose_jitter_days.kind, CS_DIST_NORMAL);
  assert_close(t->dose_jitter_days.sd, 0.08);
  assert_close(t->missed_dose_probability, 0.05);
  cs_cohort_destroy(&c);

  /* No traits, no timing: treatment starts at enrolment, doses on time. */
  c = load_ok(tiny_cohort, 0, NULL);
  assert_int_equal(c->n_traits, 0);
  assert_int_equal(c->timing.start_delay_days.kind, CS_DIST_FIXED);
  assert_true(c->timing.start_delay_days.value == 0);
  assert_int_equal(c->timing.dose_jitter_days.kind, CS_DIST_FIXED);
  assert_true(c->timing.dose_jitter_days.value == 0);
  assert_true(c->timing.missed_dose_probability == 0);
  cs_cohort_destroy(&c);

  /* A start delay may be a normal truncated at 0, and timing values are overridable. */
  char *text = variant("followup_days: 10",
                       "followup_days: 10\ntiming: {start_delay_days: {normal: {mean: 1, sd: "
                       "0.5, min: 0}}, dose_jitter_days: {uniform: [-0.1, 0.1]}}");
  c = load_ok(text, 0, NULL);
  assert_int_equal(c->timing.start_delay_days.kind, CS_DIST_NORMAL);
  assert_int_equal(c->timing.dose_jitter_days.kind, CS_DIST_UNIFORM);
  cs_cohort_destroy(&c);
  const char *sets[] = {"timing.start_delay_days=2", "timing.missed_dose_probability=0.5"};
  c = load_ok(text, 2, sets);
  assert_int_equal(c->timing.start_delay_days.kind, CS_DIST_FIXED);
  assert_true(c->timing.start_delay_days.value == 2);
  assert_true(c->timing.missed_dose_probability == 0.5);
  cs_cohort_destroy(&c);
  free(text);
}

static void test_print_variability(void **state)
{
  (void)state;
  cs_cohort *c = load_ok(var_cohort, 0, NULL);
  char *text = print_to_string(c);
  assert_contains(text, "parameters (11, 9 sampled per patient):\n");
  assert_contains(text, "  b            ~ lognormal(median 0.7, cv 0.3; mu -0.356675, sigma "
                        "0.29356), median 0.7\n");
  assert_contains(text, "  d0           = 0.2\n");
  assert_contains(text, "  qN           ~ normal(mean 10, sd 5) truncated to [0, inf), median");
  assert_contains(text, "  delta        ~ normal(mean 1, sd 0.1), median 1\n");
  assert_contains(text, "  u            ~ uniform(1, 3), median 2\n");
  assert_contains(text, "  g            ~ beta(a 0.5, b 0.5) on [10, 20], median 15\n");
  assert_contains(text, "correlations (Gaussian copula of the sampled parameters):\n"
                        "  kH ~ qN: -0.3\n  b ~ N0: 0.5\n");
  assert_contains(text, "traits (2):\n  ripk3_loss: probability 0.1, sets knec = 0\n"
                        "  marker: probability 1\n");
  assert_contains(text, "  start delay: uniform(0, 3) days\n");
  assert_contains(text, "  dose jitter: normal(mean 0, sd 0.08) days\n");
  assert_contains(text, "  missed doses: probability 0.05 each\n");
  free(text);
  cs_cohort_destroy(&c);

  c = load_ok(tiny_cohort, 0, NULL);
  text = print_to_string(c);
  assert_contains(text, "  start delay: 0 days\n  dose jitter: 0 days\n");
  assert_null(strstr(text, "correlations"));
  assert_null(strstr(text, "traits"));
  free(text);
  cs_cohort_destroy(&c);
}

/* --set parameters.NAME=VALUE fixes a distribution for every patient; a correlation
 * with it has nothing left to correlate and is dropped, the others stay. */
static void test_override_fixes_distribution(void **state)
{
  (void)state;
  const char *sets[] = {"parameters.b=0.75", "traits.ripk3_loss.probability=0.5"};
  cs_cohort *c = load_ok(var_cohort, 2, sets);
  assert_int_equal(dist_of(c, "b")->kind, CS_DIST_FIXED);
  assert_close(dist_of(c, "b")->value, 0.75);
  assert_int_equal(c->n_sampled, 8);
  assert_int_equal(c->n_correlations, 1);
  assert_int_equal(c->correlation[0].param[0], cs_cohort_find_param(c, "kH"));
  assert_non_null(c->correlation_factor);
  assert_close(c->trait[0].probability, 0.5);
  cs_cohort_destroy(&c);

  const char *both[] = {"parameters.kH=1", "parameters.b=0.7"};
  c = load_ok(var_cohort, 2, both);
  assert_int_equal(c->n_correlations, 0);
  assert_null(c->correlation_factor);
  assert_int_equal(c->n_sampled, 7);
  cs_cohort_destroy(&c);
}

/* ---- overrides ----------------------------------------------------------------------- */

static void test_overrides(void **state)
{
  (void)state;
  const char *sets[] = {"parameters.b=0.8",          "followup_days=60",
                        "outcomes.lethal_cells=1e9", "description=added by --set",
                        "parameters.b=0.9",          "arms.untreated.set=~"};
  cs_cohort *c = load_ok(tiny_cohort, 6, sets);
  assert_close(c->param[0].dist.value, 0.9); /* the later override wins */
  assert_close(c->followup_days, 60);
  assert_close(c->outcomes.lethal_cells, 1e9);
  assert_string_equal(c->description, "added by --set");
  assert_string_equal(c->overrides, "parameters.b=0.8 followup_days=60 "
                                    "outcomes.lethal_cells=1e9 description=added by --set "
                                    "parameters.b=0.9 arms.untreated.set=~");
  assert_string_equal(c->text, tiny_cohort); /* the text is the file's, not the result */
  cs_cohort_destroy(&c);
}

static void test_override_replaces_mapping(void **state)
{
  (void)state;
  /* --set fixing the parameter replaces the whole distribution mapping. */
  char *text = variant("  b: 0.5", "  b: {lognormal: {median: 0.5, cv: 0.3}}");
  cs_cohort *sampled = load_ok(text, 0, NULL);
  assert_int_equal(sampled->param[0].dist.kind, CS_DIST_LOGNORMAL);
  cs_cohort_destroy(&sampled);
  const char *sets[] = {"parameters.b=0.75"};
  cs_cohort *c = load_ok(text, 1, sets);
  assert_close(c->param[0].dist.value, 0.75);
  assert_int_equal(c->param[0].dist.kind, CS_DIST_FIXED);
  cs_cohort_destroy(&c);
  free(text);
}

static void test_override_errors(void **state)
{
  (void)state;
  cs_error err;
  const char *no_equals[] = {"followup_days"};
  expect_failure(tiny_cohort, 1, no_equals, CS_ERR_USAGE,
                 "--set followup_days: expected KEY.PATH=VALUE", &err);
  const char *empty_key[] = {"=3"};
  expect_failure(tiny_cohort, 1, empty_key, CS_ERR_USAGE, "--set =3: expected KEY.PATH", &err);
  const char *empty_part[] = {"outcomes..lethal_cells=3"};
  expect_failure(tiny_cohort, 1, empty_part, CS_ERR_USAGE, "expected KEY.PATH=VALUE", &err);
  const char *unknown_path[] = {"reactions.growth.rate=1"};
  expect_failure(tiny_cohort, 1, unknown_path, CS_ERR_USAGE,
                 "--set reactions.growth.rate=1: reactions.growth: no such key", &err);
  const char *through_scalar[] = {"name.first=x"};
  expect_failure(tiny_cohort, 1, through_scalar, CS_ERR_USAGE,
                 "--set name.first=x: name is not a mapping", &err);
  const char *unknown_param[] = {"followup_days=20", "parameters.bb=1"};
  expect_failure(tiny_cohort, 2, unknown_param, CS_ERR_USAGE,
                 "unknown parameter bb in --set parameters.bb=1 (parameters are: b, d)", &err);

  /* Errors in what an override put in cite the argument, not a file position. */
  const char *not_number[] = {"parameters.b=abc"};
  expect_failure(tiny_cohort, 1, not_number, CS_ERR_COHORT,
                 "--set parameters.b=abc: parameters.b: expected a number, got 'abc'", &err);
  const char *typo[] = {"outcomes.lethal_cell=5"};
  expect_failure(tiny_cohort, 1, typo, CS_ERR_COHORT,
                 "--set outcomes.lethal_cell=5: outcomes.lethal_cell: unknown key (did you "
                 "mean 'lethal_cells'?)",
                 &err);
  const char *negative[] = {"followup_days=-1"};
  expect_failure(tiny_cohort, 1, negative, CS_ERR_COHORT,
                 "--set followup_days=-1: followup_days: expected a number > 0, got -1", &err);
  /* A value an override makes invalid elsewhere is reported where it is used. */
  const char *negative_rate[] = {"parameters.d=-0.5"};
  char location[64];
  cs_test_location_of("tiny.yaml", tiny_cohort, "d, factors", location, sizeof location);
  expect_failure(tiny_cohort, 1, negative_rate, CS_ERR_COHORT, location, &err);
  assert_contains(err.message, "reactions.death.rate: negative or non-finite rate");
}

/* ---- errors -------------------------------------------------------------------------- */

static void test_yaml_errors(void **state)
{
  (void)state;
  cs_error err;
  char *text = variant("  b: 0.5\n", "  b: [0.5\n");
  expect_failure(text, 0, NULL, CS_ERR_SYNTAX, "tiny.yaml:", &err);
  assert_contains(err.message, ": YAML syntax error: ");
  free(text);

  text = variant("name: tiny", "name: tiny\n  oops: : x");
  expect_failure(text, 0, NULL, CS_ERR_SYNTAX, "tiny.yaml:2:", &err);
  free(text);

  expect_cohort_error("  b: 0.5\n  d: 0.1", "  b: &rate 0.5\n  d: *rate", "&rate", "",
                      "anchors (&rate) are not supported");

  text = variant("  tumour: [A]\n", "  tumour: [A]\n---\nname: second\n");
  char location[64];
  cs_test_location_of("tiny.yaml", text, "---", location, sizeof location);
  expect_failure(text, 0, NULL, CS_ERR_COHORT, location, &err);
  assert_contains(err.message, "a second YAML document");
  free(text);

  expect_failure("", 0, NULL, CS_ERR_COHORT, "tiny.yaml: the file is empty", &err);
  expect_failure("# only a comment\n", 0, NULL, CS_ERR_COHORT, "the file is empty", &err);
  expect_failure("- a\n- b\n", 0, NULL, CS_ERR_COHORT,
                 "tiny.yaml:1:1: expected a mapping, got a list", &err);

  expect_cohort_error("  d: 0.1\n", "  d: 0.1\n  b: 0.6\n", "b: 0.6", "parameters.b",
                      "duplicate key (first given at tiny.yaml:4:3)");
  expect_cohort_error("  untreated: {}", "  untreated: {}\n  untreated: {like: x}",
                      "untreated: {like", "arms.untreated", "duplicate key");
}

/* Nesting and size are bounded: 40,000 nested lists once took libyaml 15 s (its time
 * grows with the square of the depth); now the reader stops at level 65, where it is. */
static void test_yaml_bounds(void **state)
{
  (void)state;
  enum { DEPTH = 40000 };
  const size_t size = 2 * DEPTH + 64;
  char *text = malloc(size);
  assert_non_null(text);
  int used = snprintf(text, size, "name: deep\nparameters: {b: ");
  memset(text + used, '[', DEPTH);
  memset(text + used + DEPTH, ']', DEPTH);
  snprintf(text + used + 2 * DEPTH, size - (size_t)used - 2 * DEPTH, "}\n");
  cs_error err;
  expect_failure(text, 0, NULL, CS_ERR_COHORT, "tiny.yaml:2:79: nesting deeper than 64 levels",
                 &err);
  /* 64 levels are read (the error is then the next one, not the nesting): the mapping
   * at the top, the flow mapping and 62 lists. */
  memset(text + used + 62, ']', 62);
  snprintf(text + used + 124, size - (size_t)used - 124, "}\n");
  expect_failure(text, 0, NULL, CS_ERR_COHORT, "followup_days: required key is missing", &err);
  free(text);

  const size_t big = CS_YTREE_TEXT_MAX + 1;
  text = malloc(big + 1);
  assert_non_null(text);
  memset(text, '#', big);
  memcpy(text, "name: big\n", 10);
  text[big] = '\0';
  expect_failure(text, 0, NULL, CS_ERR_COHORT,
                 "tiny.yaml: the text is larger than 16 MiB, the most a cohort file may hold",
                 &err);
  free(text);
}

static void test_key_errors(void **state)
{
  (void)state;
  expect_cohort_error("followup_days", "followup_day", "followup_day", "followup_day",
                      "unknown key (did you mean 'followup_days'?)");
  expect_cohort_error("{initial: 10}", "{inital: 10}", "inital", "species.A.inital",
                      "unknown key (did you mean 'initial'?)");
  expect_cohort_error("name: tiny", "name: tiny\nspecies_list: 3", "species_list", "species_list",
                      "unknown key (expected one of: name, description");
  expect_cohort_error("{species: A}]}\n  death", "{species: A, half: 3}]}\n  death", "half: 3",
                      "reactions.birth.factors[0].half", "unknown key (expected one of: species)");
  expect_cohort_error("{species: A}]}\n  death", "{species: A, hill: A}]}\n  death",
                      "{species: A, hill", "reactions.birth.factors[0]",
                      "a factor has one kind, got both 'species' and 'hill'");
  expect_cohort_error("{species: A}]}\n  death", "{specie: A}]}\n  death", "{^specie: A",
                      "reactions.birth.factors[0].specie", "unknown key (did you mean 'species'?)");
  expect_cohort_error("name: tiny", "name: tiny\ntraits: {loss: {probabilty: 0.1}}", "probabilty",
                      "traits.loss.probabilty", "unknown key (did you mean 'probability'?)");
  expect_cohort_error("  A: {initial", "  A-1: {initial", "A-1", "species.A-1",
                      "'A-1' is not a valid name");
}

static void test_missing_sections(void **state)
{
  (void)state;
  /* `outcomes` is optional (test_observables), but once written it needs its tumour. */
  expect_cohort_error("name: tiny\n", "", "followup", "name", "required key is missing");
  expect_cohort_error("  tumour: [A]\n", "  lethal_cells: 5\n", "lethal", "outcomes.tumour",
                      "required key is missing");
  expect_cohort_error("{change: {A: +1}, rate: b,", "{change: {A: +1},", "{change: {A: +1}",
                      "reactions.birth.rate", "required key is missing");
  expect_cohort_error("{half_life_days: 1}", "{}", "{}", "drugs.x",
                      "expected exactly one of half_life_days or elimination_per_day");
  expect_cohort_error("{half_life_days: 1}", "{half_life_days: 1, elimination_per_day: 2}",
                      "{half_life_days", "drugs.x", "expected exactly one of");
}

static void test_type_errors(void **state)
{
  (void)state;
  expect_cohort_error("followup_days: 10", "followup_days: abc", "abc", "followup_days",
                      "expected a number, got 'abc'");
  expect_cohort_error("followup_days: 10", "followup_days: [10]", "[10]", "followup_days",
                      "expected a number, got a list");
  expect_cohort_error("species:\n  A: {initial: 10}", "species:\n  - A", "- A", "species",
                      "expected a mapping, got a list");
  expect_cohort_error("  A: {initial: 10}", "  A: 10", "A: ^10", "species.A",
                      "expected a mapping, got '10'");
  expect_cohort_error("tumour: [A]", "tumour: {A: 1}", "{A: 1}", "outcomes.tumour",
                      "expected a list, got a mapping");
  expect_cohort_error("name: tiny", "name: tiny\nmethod: fast", "fast", "method",
                      "expected 'exact' or 'hybrid', got 'fast'");
  expect_cohort_error("name: tiny", "name: tiny\nhybrid: {epsilon: 1.5}", "1.5", "hybrid.epsilon",
                      "expected a number between 0 and 1 (exclusive), got 1.5");
  expect_cohort_error("name: tiny", "name: tiny\nhybrid: {critical: 2.5}", "2.5", "hybrid.critical",
                      "expected an integer, got '2.5'");
  expect_cohort_error("name: tiny", "name: tiny\nreport_every_days: 20", "20", "report_every_days",
                      "expected at most followup_days (10), got 20");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {median: 0.5}}", "{median",
                      "parameters.b.lognormal", "with median, give cv (or sigma");
}

static void test_value_errors(void **state)
{
  (void)state;
  expect_cohort_error("  d: 0.1", "  d: -0.1", "d, factors", "reactions.death.rate",
                      "negative or non-finite rate: 'd' evaluates to -0.1, expected a finite "
                      "value >= 0");
  expect_cohort_error("rate: d,", "rate: -2,", "-2,", "reactions.death.rate",
                      "negative or non-finite rate -2");
  expect_cohort_error("followup_days: 10", "followup_days: .inf", ".inf", "followup_days",
                      "expected a finite number, got '.inf'");
  expect_cohort_error("rate: d,", "rate: 1e999,", "1e999", "reactions.death.rate",
                      "expected a finite number, got '1e999'");
  expect_cohort_error("  b: 0.5", "  b: .nan", ".nan", "parameters.b",
                      "expected a finite number, got '.nan'");
  expect_cohort_error("{initial: 10}", "{initial: 1e19}", "1e19", "species.A.initial",
                      "initial count out of range 1e+19, expected a finite value >= 0 and "
                      "at most 2^53");
  expect_cohort_error("{initial: 10}", "{initial: 1e16}", "1e16", "species.A.initial",
                      "initial count out of range 1e+16");
  /* The reporting grid: at least its start and end, at most CS_GRID_MAX_POINTS. */
  expect_cohort_error("followup_days: 10", "followup_days: 1e308", "1e308", "followup_days",
                      "followup_days 1e+308 reported every 1 days gives 1e+308 reporting "
                      "times: expected 2 to 1000000");
  expect_cohort_error("followup_days: 10", "followup_days: 10\nreport_every_days: 1e-320", "1e-320",
                      "report_every_days", "gives inf reporting times");
  expect_cohort_error("followup_days: 10", "followup_days: 10\nreport_every_days: 1e-5", "1e-5",
                      "report_every_days", "gives 1e+06 reporting times: expected 2 to 1000000");
  expect_cohort_error("{initial: 10}", "{initial: -3}", "-3", "species.A.initial",
                      "initial count out of range -3");
  expect_cohort_error("{half_life_days: 1}", "{half_life_days: 0}", "days: ^0}",
                      "drugs.x.half_life_days", "invalid half-life 0, expected a finite value > 0");
  expect_cohort_error("{half_life_days: 1}", "{half_life_days: 1e-320}", "1e-320",
                      "drugs.x.half_life_days", "the elimination rate ln2/half-life is not finite");
  expect_cohort_error("{species: A}]}\n  death",
                      "{species: A}, {hill: A, half: b, n: 0}]}\n  death", "0}]}",
                      "reactions.birth.factors[1].n", "expected a number > 0, got 0");
  expect_cohort_error("{species: A}]}\n  death",
                      "{species: A}, {logistic: A, capacity: 0*b}]}\n  death", "0*b",
                      "reactions.birth.factors[1].capacity",
                      "invalid scale: '0*b' evaluates to 0, expected a finite value > 0");
  expect_cohort_error("tumour: [A]", "tumour: [A]\n  relapse_at: 0.01", "0.01",
                      "outcomes.relapse_at", "set mrd_negative_below too");
  expect_cohort_error("tumour: [A]", "tumour: [A]\n  mrd_negative_below: 0.1\n  relapse_at: 0.01",
                      "0.01", "outcomes.relapse_at",
                      "relapse_at (0.01) must be at least mrd_negative_below (0.1)");
  expect_cohort_error("tumour: [A]", "tumour: [A, A]", "A]", "outcomes.tumour[1]",
                      "species 'A' is listed twice");
}

static void test_expression_errors(void **state)
{
  (void)state;
  expect_cohort_error("rate: d,", "rate: dd,", "dd,", "reactions.death.rate",
                      "unknown parameter 'dd' (parameters are: b, d)");
  /* A rate reading a species is a general rate law (test_stoichiometric_reactions); not
   * the time. */
  expect_cohort_error("rate: d,", "rate: t*d,", "t*d", "reactions.death.rate",
                      "time in a rate law is not supported");
  expect_cohort_error("rate: d,", "rate: d*,", "d*^,", "reactions.death.rate",
                      "cannot read 'd*': expected a number, a name or '(', got the end");
  /* A rate law's syntax error points at the character inside the quoted expression (here
   * its end). */
  expect_cohort_error("rate: d,", "rate: \"A*(d + \",", "\", factors: [{species: A}]}\narms",
                      "reactions.death.rate", "cannot read 'A*(d + ': expected a number");
  expect_cohort_error("rate: d,", "rate: \"\",", "\"\"", "reactions.death.rate",
                      "expected a number or an expression such as kH*b, got nothing");
  expect_cohort_error("rate: d,", "rate: d/0,", "d/0", "reactions.death.rate",
                      "'d/0' divides by zero");
  expect_cohort_error("rate: d,", "rate: {x: 1},", "{x: 1}", "reactions.death.rate",
                      "expected a number or an expression such as kH*b, got a mapping");
}

/* Any formula of parameters where a product was expected: its value per patient, its text
 * for `cohortsim check`, and a product still read into the fast form. */
static void test_formula_expressions(void **state)
{
  (void)state;
  char *text = variant("A: {initial: 10}", "A: {initial: \"10 + 2*b\"}");
  cs_cohort *c = load_ok(text, 0, NULL);
  const cs_expr *e = &c->species[0].initial;
  assert_non_null(e->formula);
  assert_false(cs_expr_is_number(e));
  const double values[2] = {3, 0.1};
  assert_true(cs_expr_eval(e, values) == 16);
  cs_cohort_destroy(&c);
  free(text);

  /* More than 8 parameters in a product: a formula, evaluated as written. */
  text = variant("rate: d,", "rate: b*b*b*b*b*b*b*b*d,");
  c = load_ok(text, 0, NULL);
  e = &reaction(c, "death")->rate;
  assert_non_null(e->formula);
  assert_true(cs_expr_eval(e, values) == 3.0 * 3 * 3 * 3 * 3 * 3 * 3 * 3 * 0.1);
  cs_cohort_destroy(&c);
  free(text);

  /* A formula of numbers is a number; a product keeps the fast form. */
  text = variant("rate: d,", "rate: \"exp(0) + 1\", ");
  c = load_ok(text, 0, NULL);
  e = &reaction(c, "death")->rate;
  assert_true(cs_expr_is_number(e) && e->coef == 2);
  assert_null(reaction(c, "birth")->rate.formula);
  cs_cohort_destroy(&c);
  free(text);

  /* A half-life formula becomes the elimination rate log(2)/(half-life). */
  text = variant("{half_life_days: 1}", "{half_life_days: \"b + d\"}");
  c = load_ok(text, 0, NULL);
  e = &c->drug[0].elimination_per_day;
  assert_string_equal(cs_formula_text(e->formula), "log(2)/(b + d)");
  assert_close(cs_expr_eval(e, values), LN2 / 3.1);
  cs_cohort_destroy(&c);
  free(text);

  /* Dose amounts and produced amounts are formulas too. */
  text = variant("  untreated: {}\n", "  untreated: {}\n  dosed: {doses: {x: {amount: "
                                      "\"max(b, d)*2\"}}}\n");
  c = load_ok(text, 0, NULL);
  assert_non_null(c->arm[1].dose[0].amount.formula);
  assert_true(cs_expr_eval(&c->arm[1].dose[0].amount, values) == 6);
  cs_cohort_destroy(&c);
  free(text);
  text = variant("{A: +1}", "{A: \"floor(1 + b)\"}");
  c = load_ok(text, 0, NULL);
  assert_non_null(reaction(c, "birth")->change[0].formula);
  cs_cohort_destroy(&c);
  free(text);
}

static void test_formula_errors(void **state)
{
  (void)state;
  /* The column is that of the offending character inside the (quoted or plain) scalar. */
  expect_cohort_error("rate: d,", "rate: \"b + dd\",", "b + ^dd", "reactions.death.rate",
                      "unknown parameter 'dd' (parameters are: b, d)");
  expect_cohort_error("rate: d,", "rate: b + dd,", "b + ^dd", "reactions.death.rate",
                      "unknown parameter 'dd' (parameters are: b, d)");
  expect_cohort_error("rate: d,", "rate: \"b + exq(d)\",", "b + ^exq", "reactions.death.rate",
                      "cannot read 'b + exq(d)': unknown function 'exq'");
  /* A rate may read species and drugs (a rate law); a parameter expression may not. */
  expect_cohort_error("{A: +1}", "{A: b + A}", "b + ^A}", "reactions.birth.change.A",
                      "'A' is a species: a species is not allowed here");
  expect_cohort_error("{A: +1}", "{A: \"b + effect(x)\"}", "b + effect(^x)",
                      "reactions.birth.change.A", "'x' is a drug: a drug is not allowed here");
  expect_cohort_error("rate: d,", "rate: \"(b + d\",", "(b + d^\"", "reactions.death.rate",
                      "cannot read '(b + d': expected ')', got the end");
  expect_cohort_error("{A: +1}", "{A: \"b + t\"}", "\"b + t", "reactions.birth.change.A",
                      "'b + t' reads the time (t)");
  expect_cohort_error("rate: d,", "rate: \"b + t\",", "\"b + t", "reactions.death.rate",
                      "time in a rate law is not supported");
  /* Values are checked as products' are: at the median patient. */
  expect_cohort_error("{initial: 10}", "{initial: \"b - 1\"}", "\"b - 1", "species.A.initial",
                      "initial count out of range: 'b - 1' evaluates to -0.5");
  expect_cohort_error("rate: d,", "rate: \"b - 1\",", "\"b - 1", "reactions.death.rate",
                      "'b - 1' evaluates to -0.5");
  /* And again with each arm's and each trait's values. */
  expect_cohort_error("rate: d, factors: [{species: A}]}\narms:\n  untreated: {}",
                      "rate: \"b - 0.25\", factors: [{species: A}]}\narms:\n"
                      "  untreated: {set: {b: 0.125}}",
                      "{set", "arms.untreated",
                      "with this arm's parameters, reactions.death.rate ('b - 0.25') evaluates "
                      "to -0.125");
  expect_cohort_error("  d: 0.1\nspecies:\n  A: {initial: 10}",
                      "  d: 0.1\ntraits: {big: {probability: 0.1, set: {b: 6}}}\nspecies:\n"
                      "  A: {initial: \"10 - 2*b\"}",
                      "{probability", "traits.big",
                      "with this trait's parameters, species.A.initial ('10 - 2*b') evaluates "
                      "to -2");
}

static void test_reference_errors(void **state)
{
  (void)state;
  expect_cohort_error("{A: -1}", "{B: -1}", "B: -1", "reactions.death.change.B",
                      "unknown species 'B' (species are: A)");
  expect_cohort_error("d, factors: [{species: A}]", "d, factors: [{species: Z}]", "Z}]",
                      "reactions.death.factors[0].species", "unknown species 'Z' (species are: A)");
  expect_cohort_error("d, factors: [{species: A}]", "d, factors: [{species: A}, {effect: y}]",
                      "y}]", "reactions.death.factors[1].effect",
                      "unknown drug 'y' (drugs are: x)");
  expect_cohort_error("  untreated: {}", "  untreated: {doses: {y: {amount: 1}}}",
                      "y:", "arms.untreated.doses.y", "unknown drug 'y' (drugs are: x)");
  expect_cohort_error("  untreated: {}", "  untreated: {set: {q: 1}}", "q:", "arms.untreated.set.q",
                      "unknown parameter 'q' (parameters are: b, d)");
  expect_cohort_error("tumour: [A]", "tumour: [A, B]", "B]", "outcomes.tumour[1]",
                      "unknown species 'B'");
}

static void test_stoichiometry_errors(void **state)
{
  (void)state;
  /* Any literal consumption is allowed (the negativity rule keeps counts >= 0), but
   * not one computed from parameters. */
  expect_cohort_error("{A: -1}", "{A: -b}", "-b", "reactions.death.change.A",
                      "a consumption is an integer such as -1, got '-b'");
  expect_cohort_error("{A: -1}", "{A: -1e12}", "-1e12", "reactions.death.change.A",
                      "-1e12 is too large a change");
  expect_cohort_error("{A: -1}", "{A: 0}", "{A: ^0}", "reactions.death.change.A",
                      "a change of 0 does nothing");
  expect_cohort_error("{A: -1}", "{A: 1.5}", "1.5", "reactions.death.change.A",
                      "expected an integer or an expression such as +qN, got '1.5'");
  expect_cohort_error("{A: -1}", "{}", "{}", "reactions.death.change",
                      "expected 1 to 8 species with their changes, got 0");
}

/* Reactions written with reactants and products: stoichiometric mass action (C(X, k)
 * factors), a catalyst dropped from the net change, what is consumed, and how `check`
 * prints them. */
static void test_stoichiometric_reactions(void **state)
{
  (void)state;
  char *text = variant("  death: {change: {A: -1}, rate: d, factors: [{species: A}]}\n",
                       "  dimer: {reactants: {A: 2}, products: {B: 1}, mass_action: d}\n"
                       "  split: {reactants: {B: 1}, products: {A: 2}, mass_action: \"2*b\"}\n"
                       "  catalysed: {reactants: {A: 1, B: 1}, products: {B: 1, C: 1}, "
                       "mass_action: b}\n"
                       "  any: {change: {A: -3, C: +1}, rate: d}\n"
                       "  law: {reactants: {A: 1}, products: {C: 1}, rate: \"b*A/(d + A)\", "
                       "factors: [{effect: x}]}\n"
                       "  drugged: {reactants: {A: 2}, products: {C: 1}, mass_action: "
                       "\"b*effect(x)\"}\n");
  char *full = NULL;
  const char *species_old = "  A: {initial: 10}\n";
  const size_t length = strlen(text) + 64;
  full = calloc(length, 1);
  assert_non_null(full);
  const char *at = strstr(text, species_old);
  assert_non_null(at);
  snprintf(full, length, "%.*s%s  B: {initial: 0}\n  C: {initial: 0}\n%s", (int)(at - text),
           text, species_old, at + strlen(species_old));
  cs_cohort *c = load_ok(full, 0, NULL);
  const int A = cs_cohort_find_species(c, "A"), B = cs_cohort_find_species(c, "B");
  const cs_reaction *dimer = &c->reaction[cs_cohort_find_reaction(c, "dimer")];
  assert_int_equal(dimer->n_factors, 1);
  assert_int_equal(dimer->factor[0].kind, CS_FACTOR_BINOMIAL);
  assert_int_equal(dimer->factor[0].target, A);
  assert_int_equal(dimer->factor[0].order, 2);
  assert_int_equal(dimer->n_changes, 2);
  assert_close(dimer->change[0].coef, -2);
  assert_close(dimer->change[1].coef, 1);
  assert_int_equal(dimer->n_consumed, 1);
  assert_int_equal(dimer->consumed[0], 2);
  /* One molecule: an ordinary mass-action factor, the engines' fast path. */
  const cs_reaction *split = &c->reaction[cs_cohort_find_reaction(c, "split")];
  assert_int_equal(split->factor[0].kind, CS_FACTOR_SPECIES);
  assert_int_equal(split->factor[0].target, B);
  assert_close(split->rate.coef, 2);
  /* B is a catalyst: consumed and produced, so not changed. */
  const cs_reaction *catalysed = &c->reaction[cs_cohort_find_reaction(c, "catalysed")];
  assert_int_equal(catalysed->n_factors, 2);
  assert_int_equal(catalysed->n_changes, 2);
  assert_int_equal(catalysed->n_consumed, 2);
  const cs_reaction *any = &c->reaction[cs_cohort_find_reaction(c, "any")];
  assert_int_equal(any->n_consumed, 1);
  assert_int_equal(any->consumed[0], 3);

  char *printed = print_to_string(c);
  assert_contains(printed, "dimer: 2A -> B   propensity = d * A*(A-1)/2\n");
  assert_contains(printed, "split: B -> 2A   propensity = 2*b * B\n");
  assert_contains(printed, "catalysed: A + B -> B + C   propensity = b * A * B\n");
  assert_contains(printed, "any: 0 -> C   propensity = d\n");
  assert_contains(printed, "law: A -> C   propensity = (b*A/(d + A)) * f_x\n");
  assert_contains(printed, "drugged: 2A -> C   propensity = (b*effect(x)) * A*(A-1)/2\n");
  const cs_reaction *law = &c->reaction[cs_cohort_find_reaction(c, "law")];
  assert_int_equal(law->n_factors, 2);
  assert_int_equal(law->factor[0].kind, CS_FACTOR_FORMULA);
  assert_int_equal(law->factor[1].kind, CS_FACTOR_EFFECT);
  free(printed);
  cs_cohort_destroy(&c);
  free(full);
  free(text);
}

static void test_reaction_form_errors(void **state)
{
  (void)state;
  const char *death = "{change: {A: -1}, rate: d, factors: [{species: A}]}";
  expect_cohort_error(death, "{change: {A: -1}, reactants: {A: 1}, rate: d}", "{change: {A: -1}, r",
                      "reactions.death", "give either change or reactants/products, not both");
  expect_cohort_error(death, "{reactants: {A: 1}, rate: d, mass_action: d}", "{reactants",
                      "reactions.death", "give either rate or mass_action, not both");
  expect_cohort_error(death, "{change: {A: -1}, mass_action: d}", "{change: {A: -1}, m",
                      "reactions.death",
                      "mass_action needs reactants (and products), not change");
  expect_cohort_error(death, "{products: {A: 1}, mass_action: d}", "{products",
                      "reactions.death", "mass_action needs reactants");
  expect_cohort_error(death, "{reactants: {A: 0}, mass_action: d}", "0}, m",
                      "reactions.death.reactants.A", "expected an integer");
  expect_cohort_error(death, "{reactants: {A: -b}, mass_action: d}", "-b}, m",
                      "reactions.death.reactants.A", "expected a number, got '-b'");
  expect_cohort_error(death, "{reactants: {Z: 1}, mass_action: d}", "Z:",
                      "reactions.death.reactants.Z", "unknown species 'Z' (species are: A)");
  expect_cohort_error(death, "{reactants: {A: 1}, products: {A: 1}, mass_action: d}",
                      "{reactants: {A: 1}, p", "reactions.death", "the reaction changes nothing");
  expect_cohort_error(death, "{reactants: {A: 1}, mass_action: d, factors: [{species: A}]}",
                      "{reactants", "reactions.death", "factors go with rate, not with mass_action");
  expect_cohort_error(death, "{reactants: {A: 1}, mass_action: d, products: {A: b}}", "b}}",
                      "reactions.death.products.A", "also a reactant");
  expect_cohort_error(death, "{reactants: {A: 1}, products: {A: 2}}", "{reactants: {A: 1}, p",
                      "reactions.death.rate", "required key is missing");
}

static void test_arm_errors(void **state)
{
  (void)state;
  expect_cohort_error("  untreated: {}\n", "  {}\n", "{}\noutcomes", "arms",
                      "no arms: define at least one");
  expect_cohort_error("arms:\n  untreated: {}\n", "arms: {}\n", "{}\noutcomes", "arms", "no arms");
  expect_cohort_error("  untreated: {}", "  treated: {like: untreated}\n  untreated: {}",
                      "untreated}", "arms.treated.like", "arm 'untreated' is not defined yet");
  expect_cohort_error("  untreated: {}", "  untreated: {}\n  other: {like: placebo}", "placebo",
                      "arms.other.like", "unknown arm 'placebo' (arms are: untreated)");
  expect_cohort_error("  untreated: {}", "  untreated: {like: untreated}", "untreated}",
                      "arms.untreated.like", "an arm cannot be like itself");
  expect_cohort_error("  untreated: {}", "  untreated: {like: placebo}", "placebo",
                      "arms.untreated.like", "unknown arm 'placebo' (no arms are defined)");
  expect_cohort_error("  untreated: {}", "  untreated: {doses: {x: {count: 2}}}", "{count",
                      "arms.untreated.doses.x.amount", "required key is missing");
  expect_cohort_error("  untreated: {}", "  untreated: {doses: {x: {amount: 1, count: 0}}}",
                      "count: ^0}", "arms.untreated.doses.x.count",
                      "expected an integer from 1 to 1000000, got '0'");
  expect_cohort_error("  untreated: {}", "  untreated: {doses: {x: {amount: b, evry_days: 2}}}",
                      "evry", "arms.untreated.doses.x.evry_days",
                      "unknown key (did you mean 'every_days'?)");
  expect_cohort_error("  untreated: {}", "  untreated: {set: {b: -1}}", "{set", "arms.untreated",
                      "with this arm's parameters, reactions.birth.rate ('b') evaluates to -1");
  expect_cohort_error("  untreated: {}", "  untreated: {set: {d: -1}, doses: {x: {amount: d}}}",
                      "d}}", "arms.untreated.doses.x.amount", "invalid dose amount -1");
}

static void test_distribution_errors(void **state)
{
  (void)state;
  /* spreads below 0 */
  expect_cohort_error("  b: 0.5", "  b: {normal: {mean: 0.5, sd: -1}}", "-1}}",
                      "parameters.b.normal.sd", "expected a number >= 0, got -1");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {median: 0.5, cv: -0.3}}", "-0.3",
                      "parameters.b.lognormal.cv", "expected a number >= 0, got -0.3");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {mu: 0, sigma: -2}}", "-2",
                      "parameters.b.lognormal.sigma", "expected a number >= 0, got -2");
  /* the lognormal's two spellings */
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {median: 0, cv: 0.3}}", "median: ^0",
                      "parameters.b.lognormal.median", "expected a number > 0, got 0");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {median: 0.5, cv: 0.3, mu: 0, sigma: 1}}",
                      "{median", "parameters.b.lognormal",
                      "give median (with cv or sigma) or mu (with sigma), not both");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {cv: 0.3}}", "{cv", "parameters.b.lognormal",
                      "expected {median: M, cv: C} or {mu: U, sigma: S}");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {median: 1, cv: 0.3, sigma: 0.3}}", "{median",
                      "parameters.b.lognormal", "give cv or sigma with median, not both");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {mu: 0, cv: 0.3}}", "{mu",
                      "parameters.b.lognormal", "cv goes with median; with mu, give sigma");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {mu: 0}}", "{mu",
                      "parameters.b.lognormal.sigma", "required key is missing");
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {mu: 1000, sigma: 1}}", "{lognormal",
                      "parameters.b.lognormal", "the median, inf, is not finite");
  /* empty ranges */
  expect_cohort_error("  b: 0.5", "  b: {uniform: [2, 1]}", "[2, 1]", "parameters.b.uniform",
                      "the range [2, 1] is empty: min must be below max");
  expect_cohort_error("  b: 0.5", "  b: {uniform: {min: 1, max: 1}}", "{min",
                      "parameters.b.uniform", "the range [1, 1] is empty");
  expect_cohort_error("  b: 0.5", "  b: {uniform: [1]}", "[1]", "parameters.b.uniform",
                      "expected [lo, hi] (two numbers), got 1 item");
  expect_cohort_error("  b: 0.5", "  b: {uniform: 3}", "uniform: ^3", "parameters.b.uniform",
                      "expected [lo, hi] or {min: lo, max: hi}, got '3'");
  expect_cohort_error("  b: 0.5", "  b: {uniform: [0, x]}", "x]", "parameters.b.uniform[1]",
                      "expected a number, got 'x'");
  expect_cohort_error("  b: 0.5", "  b: {beta: {a: 1, b: 2, min: 3, max: 1}}", "{a: 1",
                      "parameters.b.beta", "the range [3, 1] is empty");
  expect_cohort_error("  b: 0.5", "  b: {normal: {mean: 0.5, sd: 0.1, min: 1, max: 0.5}}", "{mean",
                      "parameters.b.normal", "the truncation range [1, 0.5] is empty");
  expect_cohort_error("  b: 0.5", "  b: {normal: {mean: 0.5, sd: 0.01, min: 2, max: 3}}", "{mean",
                      "parameters.b.normal",
                      "the truncation range [2, 3] holds no probability: it lies too far from "
                      "the mean 0.5 for sd 0.01");
  expect_cohort_error("  b: 0.5", "  b: {normal: {mean: 0.5, sd: 0, min: 1}}", "{mean",
                      "parameters.b.normal", "holds no probability");
  /* beta shapes */
  expect_cohort_error("  b: 0.5", "  b: {beta: {a: 0, b: 2}}", "a: ^0", "parameters.b.beta.a",
                      "expected a number > 0, got 0");
  expect_cohort_error("  b: 0.5", "  b: {beta: {a: 1, b: -2}}", "-2", "parameters.b.beta.b",
                      "expected a number > 0, got -2");
  /* beta shapes whose quantiles cannot be computed (check once hung on these) */
  expect_cohort_error("  b: 0.5", "  b: {beta: {a: 1e6, b: 1e6}}", "1e6,", "parameters.b.beta.a",
                      "expected a shape from 0.001 to 100000 (where the beta's quantiles can be "
                      "computed), got 1e+06");
  expect_cohort_error("  b: 0.5", "  b: {beta: {a: 2, b: 1e-320}}", "1e-320", "parameters.b.beta.b",
                      "expected a shape from 0.001 to 100000");
  expect_cohort_error("  b: 0.5", "  b: {beta: {a: 1e300, b: 1}}", "1e300", "parameters.b.beta.a",
                      "got 1e+300");
  /* a spread whose quantiles overflow: patients would fail in the run */
  expect_cohort_error("  b: 0.5", "  b: {lognormal: {mu: 0, sigma: 100}}", "{lognormal",
                      "parameters.b.lognormal",
                      "the quantile at the normal deviate z = +8 is inf, not finite");
  /* kinds */
  expect_cohort_error("  b: 0.5", "  b: {lognormall: {median: 1, cv: 1}}", "lognormall",
                      "parameters.b.lognormall",
                      "unknown distribution 'lognormall' (did you mean 'lognormal'?)");
  expect_cohort_error("  b: 0.5", "  b: {poisson: {mean: 1}}", "poisson", "parameters.b.poisson",
                      "unknown distribution 'poisson' (distributions are: normal, lognormal, "
                      "uniform, beta)");
  expect_cohort_error("  b: 0.5", "  b: {normal: {mean: 1, sd: 1}, uniform: [0, 1]}", "{normal",
                      "parameters.b", "a distribution has one kind, got 'normal' and 'uniform'");
  expect_cohort_error("  b: 0.5", "  b: {}", "{}", "parameters.b",
                      "expected a number or a distribution such as {lognormal:");
  expect_cohort_error("  b: 0.5", "  b: {normal: {mean: 1, sdev: 1}}", "sdev",
                      "parameters.b.normal.sdev",
                      "unknown key (expected one of: mean, sd, min, max)");
  /* The model is checked with the typical (median) patient. */
  expect_cohort_error("  d: 0.1", "  d: {normal: {mean: -0.1, sd: 0.01}}", "d, factors",
                      "reactions.death.rate", "'d' evaluates to -0.1");
}

/* tiny_cohort with b and d sampled, e fixed, and `correlations` as given. */
#define CORRELATED(correlations)                                                                   \
  "  b: {lognormal: {median: 0.5, cv: 0.3}}\n  d: {uniform: [0.05, 0.15]}\n  e: 1\n"               \
  "  f: {normal: {mean: 1, sd: 0.1}}\ncorrelations: " correlations "\n"

static void test_correlation_errors(void **state)
{
  (void)state;
  const char *params = "  b: 0.5\n  d: 0.1\n";
  expect_cohort_error(params, CORRELATED("{b: d}"), "{b: d}", "correlations",
                      "expected a list, got a mapping");
  expect_cohort_error(params, CORRELATED("[[b, d]]"), "[b, d]]", "correlations[0]",
                      "expected [PARAMETER, PARAMETER, rho], e.g. [kH, qN, -0.3], got 2 items");
  expect_cohort_error(params, CORRELATED("[b, d, 0.5]"), "b, d, 0.5]", "correlations[0]",
                      "expected [PARAMETER, PARAMETER, rho], e.g. [kH, qN, -0.3], got 'b'");
  expect_cohort_error(params, CORRELATED("[[b, z, 0.3]]"), "z, 0.3", "correlations[0][1]",
                      "unknown parameter 'z' (parameters are: b, d, e, f)");
  expect_cohort_error(params, CORRELATED("[[b, e, 0.3]]"), "e, 0.3", "correlations[0][1]",
                      "parameter 'e' is a fixed number: correlations are between parameters "
                      "given as distributions");
  expect_cohort_error(params, CORRELATED("[[b, b, 0.3]]"), "[b, b", "correlations[0]",
                      "a parameter cannot be correlated with itself ('b')");
  expect_cohort_error(params, CORRELATED("[[b, d, 1]]"), "1]]", "correlations[0][2]",
                      "expected a correlation strictly between -1 and 1, got 1");
  expect_cohort_error(params, CORRELATED("[[b, d, -1.5]]"), "-1.5", "correlations[0][2]",
                      "expected a correlation strictly between -1 and 1, got -1.5");
  expect_cohort_error(params, CORRELATED("[[b, d, high]]"), "high", "correlations[0][2]",
                      "expected a number, got 'high'");
  expect_cohort_error(params, CORRELATED("[[b, d, 0.3], [d, b, 0.2]]"), "[d, b", "correlations[1]",
                      "the pair (d, b) is correlated twice");
  /* Each pair is a valid correlation, the three together are not: b and d go together,
   * b and f go together, yet d and f go opposite ways. */
  expect_cohort_error(params, CORRELATED("[[b, d, 0.9], [b, f, 0.9], [d, f, -0.9]]"),
                      "[[b, d, 0.9]", "correlations",
                      "the correlation matrix of the sampled parameters is not positive definite");

  /* Fixed by --set: the correlation is dropped, not an error. */
  char *text = variant(params, CORRELATED("[[b, d, 0.3], [b, f, 0.2]]"));
  const char *sets[] = {"parameters.d=0.1"};
  cs_cohort *c = load_ok(text, 1, sets);
  assert_int_equal(c->n_correlations, 1);
  assert_int_equal(c->correlation[0].param[1], cs_cohort_find_param(c, "f"));
  assert_int_equal(c->n_sampled, 2);
  cs_cohort_destroy(&c);
  free(text);
}

static void test_trait_errors(void **state)
{
  (void)state;
  const char *at = "  d: 0.1\n";
  expect_cohort_error(at, "  d: 0.1\ntraits: {loss: {probability: 1.5}}\n", "1.5",
                      "traits.loss.probability", "expected a number between 0 and 1, got 1.5");
  expect_cohort_error(at, "  d: 0.1\ntraits: {loss: {probability: -0.1}}\n", "-0.1",
                      "traits.loss.probability", "expected a number between 0 and 1, got -0.1");
  expect_cohort_error(at, "  d: 0.1\ntraits: {loss: {set: {b: 0}}}\n", "{set",
                      "traits.loss.probability", "required key is missing");
  expect_cohort_error(at, "  d: 0.1\ntraits: {loss: {probability: 0.1, set: {q: 0}}}\n", "q: 0",
                      "traits.loss.set.q", "unknown parameter 'q' (parameters are: b, d)");
  expect_cohort_error(at, "  d: 0.1\ntraits: {loss: {probability: 0.1, set: {b: x}}}\n", "x}}",
                      "traits.loss.set.b", "expected a number, got 'x'");
  expect_cohort_error(at, "  d: 0.1\ntraits: {ripk3-loss: {probability: 0.1}}\n", "ripk3-loss",
                      "traits.ripk3-loss", "'ripk3-loss' is not a valid name");
  expect_cohort_error(at, "  d: 0.1\ntraits: [loss]\n", "[loss]", "traits",
                      "expected a mapping, got a list");
  /* A trait's values must leave the model valid, alone and in every arm. */
  expect_cohort_error(at, "  d: 0.1\ntraits: {loss: {probability: 0.1, set: {d: -1}}}\n",
                      "{probability", "traits.loss",
                      "with this trait's parameters, reactions.death.rate ('d') evaluates to -1");
  expect_cohort_error("  untreated: {}\n",
                      "  untreated: {}\n  treated: {doses: {x: {amount: b/d}}}\n"
                      "traits: {slow: {probability: 0.1, set: {d: 0}}}\n",
                      "{probability", "traits.slow",
                      "with this trait's parameters in arm 'treated', the dose amount of x "
                      "('b/d') evaluates to inf");
}

static void test_timing_errors(void **state)
{
  (void)state;
  const char *at = "followup_days: 10";
  expect_cohort_error(
      at, "followup_days: 10\ntiming: {start_delay_days: {normal: {mean: 1, sd: 1}}}", "{normal",
      "timing.start_delay_days", "a start delay cannot be negative, but this one can be -inf");
  expect_cohort_error(at, "followup_days: 10\ntiming: {start_delay_days: {uniform: [-1, 2]}}",
                      "{uniform", "timing.start_delay_days",
                      "a start delay cannot be negative, but this one can be -1");
  expect_cohort_error(at, "followup_days: 10\ntiming: {start_delay_days: -2}", "-2",
                      "timing.start_delay_days", "a start delay cannot be negative");
  expect_cohort_error(at, "followup_days: 10\ntiming: {missed_dose_probability: 1.2}", "1.2",
                      "timing.missed_dose_probability",
                      "expected a number between 0 and 1, got 1.2");
  expect_cohort_error(at, "followup_days: 10\ntiming: {start_delay_day: 1}", "start_delay_day",
                      "timing.start_delay_day", "unknown key (did you mean 'start_delay_days'?)");
  expect_cohort_error(at,
                      "followup_days: 10\ntiming: {dose_jitter_days: {normal: {mean: 0, sd: -1}}}",
                      "-1}", "timing.dose_jitter_days.normal.sd", "expected a number >= 0, got -1");
  expect_cohort_error(at, "followup_days: 10\ntiming: {dose_jitter_days: {gamma: [1, 2]}}", "gamma",
                      "timing.dose_jitter_days.gamma", "unknown distribution 'gamma'");
  expect_cohort_error(at, "followup_days: 10\ntiming: 3", "timing: ^3", "timing",
                      "expected a mapping, got '3'");
}

/* ---- files --------------------------------------------------------------------------- */

static void test_files(void **state)
{
  (void)state;
  char path[] = "/tmp/test_cohort_XXXXXX";
  const int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *file = fdopen(fd, "w");
  assert_non_null(file);
  char *text = variant("followup_days", "followup_dayz");
  assert_int_equal(fputs(text, file) >= 0, 1);
  assert_int_equal(fclose(file), 0);

  cs_cohort *cohort = NULL;
  cs_error err = {0};
  assert_int_equal(cs_cohort_load_file(path, 0, NULL, &cohort, &err), CS_ERR_COHORT);
  assert_null(cohort);
  char expected[128];
  snprintf(expected, sizeof expected,
           "%s:2:1: followup_dayz: unknown key (did you mean 'followup_days'?)", path);
  assert_string_equal(err.message, expected);

  file = fopen(path, "w");
  assert_non_null(file);
  fputs(tiny_cohort, file);
  fclose(file);
  err = (cs_error){0};
  assert_int_equal(cs_cohort_load_file(path, 0, NULL, &cohort, &err), CS_OK);
  assert_string_equal(cohort->path, path);
  assert_string_equal(cohort->text, tiny_cohort);
  cs_cohort_destroy(&cohort);
  remove(path);
  free(text);

  err = (cs_error){0};
  static cs_cohort sentinel;
  cohort = &sentinel;
  assert_int_equal(cs_cohort_load_file("/nonexistent/cohort.yaml", 0, NULL, &cohort, &err),
                   CS_ERR_IO);
  assert_null(cohort);
  assert_contains(err.message, "/nonexistent/cohort.yaml: cannot open");
  err = (cs_error){0};
  assert_int_equal(cs_cohort_load_file("/tmp", 0, NULL, &cohort, &err), CS_ERR_IO);
  assert_contains(err.message, "/tmp: cannot read");
}

static void test_destroy_null(void **state)
{
  (void)state;
  cs_cohort_destroy(NULL);
  cs_cohort *cohort = NULL;
  cs_cohort_destroy(&cohort);
  assert_null(cohort);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_settings_and_parameters),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_leap_tolerance),
      cmocka_unit_test(test_expressions),
      cmocka_unit_test(test_factors),
      cmocka_unit_test(test_half_life),
      cmocka_unit_test(test_arms),
      cmocka_unit_test(test_like_overrides_sets),
      cmocka_unit_test(test_print),
      cmocka_unit_test(test_distributions),
      cmocka_unit_test(test_correlations),
      cmocka_unit_test(test_traits_and_timing),
      cmocka_unit_test(test_print_variability),
      cmocka_unit_test(test_override_fixes_distribution),
      cmocka_unit_test(test_overrides),
      cmocka_unit_test(test_override_replaces_mapping),
      cmocka_unit_test(test_override_errors),
      cmocka_unit_test(test_yaml_errors),
      cmocka_unit_test(test_yaml_bounds),
      cmocka_unit_test(test_key_errors),
      cmocka_unit_test(test_missing_sections),
      cmocka_unit_test(test_type_errors),
      cmocka_unit_test(test_value_errors),
      cmocka_unit_test(test_expression_errors),
      cmocka_unit_test(test_formula_expressions),
      cmocka_unit_test(test_formula_errors),
      cmocka_unit_test(test_reference_errors),
      cmocka_unit_test(test_stoichiometry_errors),
      cmocka_unit_test(test_stoichiometric_reactions),
      cmocka_unit_test(test_reaction_form_errors),
      cmocka_unit_test(test_arm_errors),
      cmocka_unit_test(test_distribution_errors),
      cmocka_unit_test(test_correlation_errors),
      cmocka_unit_test(test_trait_errors),
      cmocka_unit_test(test_timing_errors),
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_destroy_null),
  };
  /* As main does: a GSL failure is a status, never an abort. */
  gsl_set_error_handler_off();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
