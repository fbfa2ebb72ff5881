/* Unit tests of the `observables` and `record` sections and of the optional `outcomes`
 * (cohort_observables.c, the reader's hook in cohort_yaml.c): observables compiled and
 * evaluated, the default record rule in each case, an explicit and an empty record, a
 * cohort without outcomes; and every error path provoked on purpose, its message checked
 * for file:line:column (the column inside the formula for a problem in one) and key path.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cs_test_support.h"

static const char base[] = "name: obs\n"
                           "followup_days: 10\n"
                           "parameters:\n"
                           "  b: 0.5\n"
                           "  K: 4\n"
                           "species:\n"
                           "  A: {initial: 10}\n"
                           "  M: {initial: 2}\n"
                           "drugs:\n"
                           "  x: {half_life_days: 1}\n"
                           "reactions:\n"
                           "  birth: {change: {A: +1}, rate: b, factors: [{species: A}]}\n"
                           "arms:\n"
                           "  untreated: {}\n";

/* base followed by `tail` (a malloc'ed string). */
static char *with(const char *tail)
{
  const size_t size = sizeof base + strlen(tail);
  char *text = malloc(size);
  assert_non_null(text);
  snprintf(text, size, "%s%s", base, tail);
  return text;
}

static cs_cohort *load(const char *tail)
{
  char *text = with(tail);
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  const cs_status status = cs_cohort_load_string(text, "obs.yaml", 0, NULL, &cohort, &err);
  free(text);
  if (status != CS_OK)
    fail_msg("%s", err.message);
  return cohort;
}

/* An error case: base + tail must fail at `marker` (of the tail), naming `path` and
 * saying `what`. */
typedef struct {
  const char *tail, *marker, *path, *what;
} error_case;

/* Every case of a table, in order; the first that does not fail as it should fails the
 * test, named by its index and tail (the line cmocka reports is the loop's). */
static void expect_errors(const error_case *cases, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    const error_case *e = &cases[i];
    char *text = with(e->tail);
    char location[64], head[256];
    cs_test_location_of("obs.yaml", text, e->marker, location, sizeof location);
    snprintf(head, sizeof head, "%s %s: ", location, e->path);
    cs_cohort *cohort = NULL;
    cs_error err = {0};
    const cs_status status = cs_cohort_load_string(text, "obs.yaml", 0, NULL, &cohort, &err);
    free(text);
    if (status != CS_ERR_COHORT || cohort != NULL || strstr(err.message, head) == NULL ||
        strstr(err.message, e->what) == NULL)
      fail_msg("case %zu, tail \"%s\": status %d, message \"%s\"\n  wanted \"%s\" and \"%s\"", i,
               e->tail, (int)status, err.message, head, e->what);
    cs_cohort_destroy(&cohort);
  }
}

static void test_observables_read(void **state)
{
  (void)state;
  cs_cohort *c = load("observables:\n"
                      "  total: \"A + M\"\n"
                      "  ratio: \"M / (A + M + K) + x\"\n"
                      "  two: 2\n"
                      "  active: effect(x)\n"
                      "outcomes: {tumour: [A]}\n");
  assert_int_equal(c->n_observables, 4);
  assert_string_equal(c->observable[0].name, "total");
  assert_string_equal(c->observable[3].name, "active");
  const double param[] = {0.5, 4};
  const int64_t count[] = {10, 2};
  const double drug[] = {1.0};
  const cs_formula_state s = {.param = param, .count = count, .drug = drug, .time = 0};
  assert_true(cs_formula_eval(c->observable[0].formula, &s) == 12.0);
  assert_true(cs_formula_eval(c->observable[1].formula, &s) == 2.0 / 16.0 + 1.0);
  assert_true(cs_formula_eval(c->observable[2].formula, &s) == 2.0);
  assert_true(cs_formula_eval(c->observable[3].formula, &s) == 0.5);
  /* Default with observables: every species, then every observable. */
  assert_int_equal(c->n_recorded, 6);
  for (int q = 0; q < 6; q++)
    assert_int_equal(c->recorded[q], q);
  assert_int_equal(c->outcomes.n_tumour, 1);
  cs_cohort_destroy(&c);
}

static void test_record_rule(void **state)
{
  (void)state;
  /* Outcomes and no observables: nothing (existing cohorts' files keep their shape). */
  cs_cohort *c = load("outcomes: {tumour: [A]}\n");
  assert_int_equal(c->n_recorded, 0);
  assert_int_equal(c->n_observables, 0);
  cs_cohort_destroy(&c);
  /* No outcomes: every species; no tumour, so nothing is ever cleared. */
  c = load("");
  assert_int_equal(c->n_recorded, 2);
  assert_int_equal(c->recorded[0], 0);
  assert_int_equal(c->recorded[1], 1);
  assert_int_equal(c->outcomes.n_tumour, 0);
  cs_cohort_destroy(&c);
  /* An explicit list, in its own order, species and observables mixed. */
  c = load("observables: {total: A + M}\nrecord: [total, M]\n");
  assert_int_equal(c->n_recorded, 2);
  assert_int_equal(c->recorded[0], 2);
  assert_int_equal(c->recorded[1], 1);
  cs_cohort_destroy(&c);
  c = load("observables: {total: A + M}\nrecord: []\n");
  assert_int_equal(c->n_recorded, 0);
  cs_cohort_destroy(&c);
}

static void test_observable_errors(void **state)
{
  (void)state;
  static const error_case cases[] = {
      {"observables:\n  total: \"A + Q\"\n", "Q\"", "observables.total", "unknown name 'Q'"},
      {"observables:\n  total: \"A + M\"\n  more: \"2 * total\"\n", "total\"\n", "observables.more",
       "'total' is an observable: an observable may not read another"},
      {"observables:\n  early: \"2 * later\"\n  later: A\n", "later\"", "observables.early",
       "'later' is an observable: an observable may not read another"},
      {"observables:\n  self: \"self + A\"\n", "self +", "observables.self",
       "'self' is an observable: an observable may not read another"},
      {"observables:\n  grows: \"A * t\"\n", "t\"", "observables.grows", "may not read the time"},
      {"observables:\n  late: \"time + A\"\n", "time +", "observables.late",
       "may not read the time"},
      {"observables:\n  total: \"A + (M\"\n", "\"\n", "observables.total", "cannot read 'A + (M'"},
      {"observables:\n  A: \"2 * M\"\n", "A: \"2", "observables.A", "'A' is already a species"},
      {"observables:\n  b: \"2 * M\"\n", "b: \"2", "observables.b", "'b' is already a parameter"},
      {"observables:\n  x: \"2 * M\"\n", "x: \"2", "observables.x", "'x' is already a drug"},
      {"observables:\n  birth: \"2 * M\"\n", "birth: \"2", "observables.birth",
       "'birth' is already a reaction"},
      {"observables:\n  total: {A: 1}\n", "{A: 1}", "observables.total", "expected a formula"},
      {"observables:\n  2x: A\n", "2x:", "observables.2x", "'2x' is not a valid name"},
      {"observables: [A]\n", "[A]", "observables", "expected a mapping"},
      {"observables:\n  and: A\n", "and:", "observables.and",
       "'and' is not a valid name: formulas read it as an operator"},
  };
  expect_errors(cases, sizeof cases / sizeof cases[0]);
}

static void test_record_errors(void **state)
{
  (void)state;
  static const error_case cases[] = {
      {"record: [A, Z]\n", "Z]", "record[1]", "'Z' is neither a species nor an observable"},
      {"record: [A, A]\n", "A]\n", "record[1]", "'A' is listed twice"},
      {"record: [b]\n", "b]", "record[0]", "'b' is neither a species nor an observable"},
      {"record: A\n", "A\n", "record", "expected a list"},
  };
  expect_errors(cases, sizeof cases / sizeof cases[0]);
}

/* time_course_statistics: true by default, false read, anything else refused. */
static void test_time_course_statistics(void **state)
{
  (void)state;
  cs_cohort *cohort = load("");
  assert_true(cohort->time_course_statistics);
  cs_cohort_destroy(&cohort);
  cohort = load("time_course_statistics: false\n");
  assert_false(cohort->time_course_statistics);
  cs_cohort_destroy(&cohort);
  static const error_case cases[] = {
      {"time_course_statistics: no\n", "no\n", "time_course_statistics",
       "expected true or false, got 'no'"},
  };
  expect_errors(cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_observables_read),       cmocka_unit_test(test_record_rule),
      cmocka_unit_test(test_observable_errors),      cmocka_unit_test(test_record_errors),
      cmocka_unit_test(test_time_course_statistics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
