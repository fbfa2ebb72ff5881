/* Unit tests of the sweep module: a grid expanded into arms (their order, names, doses
 * and settings, the values cs_sweep_arm_value reports), names of values that need
 * escaping and of axes that share a key, the printed grid, and every error path
 * provoked on purpose with its file:line:column, key path and message checked.
 */
/* fmemopen, for the printed grid; a feature-test macro, reserved by design. */
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

#include "cohortsim/cohort.h"
#include "cohortsim/sweep.h"
#include "cs_test_support.h"

/* Everything but the sweep section, which each test appends. */
static const char head[] = "name: tiny\n"
                           "followup_days: 10\n"
                           "parameters:\n"
                           "  b: 0.7\n"
                           "  d: 0.2\n"
                           "  c: 0\n" /* unused: any value is valid */
                           "species:\n"
                           "  A: {initial: 100}\n"
                           "drugs:\n"
                           "  x: {half_life_days: 1}\n"
                           "  y: {half_life_days: 2}\n"
                           "reactions:\n"
                           "  birth: {change: {A: +1}, rate: b, factors: [{species: A}]}\n"
                           "  death: {change: {A: -1}, rate: d, factors: [{species: A}, "
                           "{effect: x}, {effect: y}]}\n"
                           "outcomes:\n"
                           "  tumour: [A]\n"
                           "arms:\n"
                           "  untreated: {}\n"
                           "  treated:\n"
                           "    doses: {x: {amount: 4, every_days: 7, count: 2}, y: {amount: 1}}\n"
                           "    set: {d: 0.3}\n";

static const char grid[] = "sweep:\n"
                           "  base: treated\n"
                           "  axes:\n"
                           "    doses.x.amount: [0.5, 2]\n"
                           "    doses.x.every_days: [1, 3.5, 7]\n";

static char *with_sweep(const char *sweep)
{
  const size_t size = strlen(head) + strlen(sweep) + 1;
  char *text = malloc(size);
  assert_non_null(text);
  snprintf(text, size, "%s%s", head, sweep);
  return text;
}

static cs_cohort *load_sweep(const char *sweep)
{
  char *text = with_sweep(sweep);
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  const cs_status status = cs_cohort_load_string(text, "tiny.yaml", 0, NULL, &cohort, &err);
  if (status != CS_OK)
    print_error("%s\n", err.message);
  assert_int_equal(status, CS_OK);
  free(text);
  return cohort;
}

static const cs_dose_plan *plan(const cs_cohort *c, int arm, const char *drug)
{
  const int d = cs_cohort_find_drug(c, drug);
  for (int i = 0; i < c->arm[arm].n_doses; i++)
    if (c->arm[arm].dose[i].drug == d)
      return &c->arm[arm].dose[i];
  fail_msg("arm %s gives no %s", c->arm[arm].name, drug);
  return NULL;
}

/* The cohort with `sweep` must fail with CS_ERR_COHORT at the first `marker` in the
 * sweep, naming `path` and saying `what`. */
static void expect_sweep_error_at(const char *sweep, const char *marker, const char *path,
                                  const char *what, const char *file, int line)
{
  char *text = with_sweep(sweep);
  char location[64], where[256];
  cs_test_location_of("tiny.yaml", text + strlen(head), marker, location, sizeof location);
  /* The marker was searched in the sweep alone; shift its line past the head's. */
  int sweep_line = 0, column = 0, head_lines = 0;
  sscanf(location, "tiny.yaml:%d:%d:", &sweep_line, &column);
  for (const char *p = head; *p != '\0'; p++)
    head_lines += *p == '\n';
  snprintf(where, sizeof where, "tiny.yaml:%d:%d: %s: ", sweep_line + head_lines, column, path);
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  const cs_status status = cs_cohort_load_string(text, "tiny.yaml", 0, NULL, &cohort, &err);
  if (status != CS_ERR_COHORT || cohort != NULL || strstr(err.message, where) == NULL ||
      strstr(err.message, what) == NULL) {
    print_error("status %d, message \"%s\"\n  expected \"%s\" and \"%s\"\n", (int)status,
                err.message, where, what);
    _fail(file, line);
  }
  free(text);
}
#define expect_sweep_error(sweep, marker, path, what)                                              \
  expect_sweep_error_at((sweep), (marker), (path), (what), __FILE__, __LINE__)

/* ---- expansion ----------------------------------------------------------------------- */

static void test_expansion(void **state)
{
  (void)state;
  cs_cohort *c = load_sweep(grid);
  const cs_sweep *s = &c->sweep;
  assert_int_equal(c->n_arms, 2 + 6);
  assert_int_equal(s->base_arm, 1);
  assert_int_equal(s->first_arm, 2);
  assert_int_equal(s->n_arms, 6);
  assert_int_equal(s->n_axes, 2);
  assert_string_equal(s->axis[0].key, "doses.x.amount");
  assert_int_equal(s->axis[1].field, CS_SWEEP_EVERY_DAYS);
  /* The last axis varies fastest. */
  const char *const names[] = {"treated_amount0p5_every1", "treated_amount0p5_every3p5",
                               "treated_amount0p5_every7", "treated_amount2_every1",
                               "treated_amount2_every3p5", "treated_amount2_every7"};
  const double amount[] = {0.5, 0.5, 0.5, 2, 2, 2}, every[] = {1, 3.5, 7, 1, 3.5, 7};
  for (int g = 0; g < 6; g++) {
    const int a = 2 + g;
    assert_string_equal(c->arm[a].name, names[g]);
    assert_int_equal(cs_cohort_find_arm(c, names[g]), a);
    assert_true(cs_sweep_arm_value(s, a, 0) == amount[g]);
    assert_true(cs_sweep_arm_value(s, a, 1) == every[g]);
    /* The base arm's plans and settings, with the axes' values applied. */
    const cs_dose_plan *x = plan(c, a, "x");
    assert_true(x->amount.coef == amount[g] && x->amount.n_terms == 0);
    assert_true(x->every_days == every[g]);
    assert_int_equal(x->count, 2);
    assert_true(plan(c, a, "y")->amount.coef == 1);
    assert_int_equal(c->arm[a].n_sets, 1);
    assert_true(c->arm[a].set[0].value == 0.3);
  }
  assert_true(isnan(cs_sweep_arm_value(s, 0, 0)));
  assert_true(isnan(cs_sweep_arm_value(s, 1, 1)));
  cs_cohort_destroy(&c);
}

static void test_every_key(void **state)
{
  (void)state;
  cs_cohort *c = load_sweep("sweep:\n"
                            "  base: treated\n"
                            "  axes:\n"
                            "    doses.x.start_day: [2]\n"
                            "    doses.x.count: [3]\n"
                            "    doses.x.cycles: [4]\n"
                            "    doses.x.cycle_gap_days: [5]\n"
                            "    set.b: [0.5]\n"
                            "    set.d: [1.5]\n");
  assert_int_equal(c->n_arms, 3);
  assert_string_equal(c->arm[2].name, "treated_start2_count3_cycles4_gap5_b0p5_d1p5");
  const cs_dose_plan *x = plan(c, 2, "x");
  assert_true(x->start_day == 2 && x->count == 3 && x->cycles == 4 && x->cycle_gap_days == 5);
  /* set.d replaces the base's setting, set.b adds one. */
  assert_int_equal(c->arm[2].n_sets, 2);
  assert_int_equal(c->arm[2].set[0].param, cs_cohort_find_param(c, "d"));
  assert_true(c->arm[2].set[0].value == 1.5);
  assert_int_equal(c->arm[2].set[1].param, cs_cohort_find_param(c, "b"));
  assert_true(c->arm[2].set[1].value == 0.5);
  cs_cohort_destroy(&c);
}

static void test_names(void **state)
{
  (void)state;
  /* Two axes of the same key are told apart by their drug; values that are not
   * identifier characters are spelled out. */
  cs_cohort *c = load_sweep("sweep:\n"
                            "  base: treated\n"
                            "  axes:\n"
                            "    doses.x.amount: [1e-05, 2.5e6]\n"
                            "    doses.y.amount: [0.25]\n"
                            "    set.c: [-1.5]\n");
  assert_string_equal(c->arm[2].name, "treated_x_amount1em05_y_amount0p25_cm1p5");
  assert_string_equal(c->arm[3].name, "treated_x_amount2p5e06_y_amount0p25_cm1p5");
  cs_cohort_destroy(&c);
}

static void test_print(void **state)
{
  (void)state;
  cs_cohort *c = load_sweep(grid);
  char buffer[8192] = "";
  FILE *out = fmemopen(buffer, sizeof buffer - 1, "w");
  assert_non_null(out);
  cs_cohort_print(c, out);
  fclose(out);
  assert_non_null(strstr(buffer, "arms (8):"));
  assert_non_null(strstr(buffer,
                         "  treated_amount2_every3p5:\n    x: 2 per dose, 2 doses at days 0, "
                         "3.5\n"));
  assert_non_null(strstr(buffer, "sweep of treated: 6 arms, treated_amount0p5_every1 to "
                                 "treated_amount2_every7 (the last axis varies fastest):\n"
                                 "  doses.x.amount: 0.5, 2\n"
                                 "  doses.x.every_days: 1, 3.5, 7\n"));
  cs_cohort_destroy(&c);
}

/* ---- errors -------------------------------------------------------------------------- */

static void test_section_errors(void **state)
{
  (void)state;
  expect_sweep_error("sweep:\n  base: treatd\n  axes: {doses.x.amount: [1]}\n", "treatd",
                     "sweep.base", "unknown arm 'treatd' (arms are: untreated, treated)");
  expect_sweep_error("sweep:\n  axes: {doses.x.amount: [1]}\n", "axes", "sweep.base",
                     "required key is missing");
  expect_sweep_error("sweep:\n  base: treated\n  axis: {doses.x.amount: [1]}\n", "axis",
                     "sweep.axis", "unknown key (did you mean 'axes'?)");
  expect_sweep_error("sweep:\n  base: treated\n  axes: {}\n", "{}", "sweep.axes",
                     "0 axes, expected 1 to 8");
  expect_sweep_error("sweep:\n  base: treated\n  axes: {doses.x.amount: [1, 2, 3, 4, 5, 6, 7, 8, "
                     "9, 10], doses.x.every_days: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "
                     "doses.x.start_day: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}\n",
                     "{doses", "sweep.axes", "the grid has more than 1000 arms");
}

static void test_axis_key_errors(void **state)
{
  (void)state;
  const char *const prefix = "sweep:\n  base: treated\n  axes:\n    ";
  char sweep[256];
  const struct {
    const char *axis, *marker, *path, *what;
  } cases[] = {
      {"dose.x.amount: [1]", "dose", "sweep.axes.dose.x.amount",
       "unknown axis key 'dose.x.amount', expected doses.DRUG.KEY"},
      {"doses.x: [1]", "doses", "sweep.axes.doses.x", "doses.x is a dose plan, not a scalar"},
      {"set: [1]", "set", "sweep.axes.set", "set is the arm's parameter settings, not a scalar"},
      {"doses.z.amount: [1]", "doses", "sweep.axes.doses.z.amount", "unknown drug 'z'"},
      {"set.bb: [1]", "set", "sweep.axes.set.bb", "unknown parameter 'bb'"},
      {"doses.x.amont: [1]", "doses", "sweep.axes.doses.x.amont",
       "unknown dose plan key 'amont' (did you mean 'amount'?)"},
      {"doses.x.amount.more: [1]", "doses", "sweep.axes.doses.x.amount.more", "unknown axis key"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(sweep, sizeof sweep, "%s%s\n", prefix, cases[i].axis);
    expect_sweep_error(sweep, cases[i].marker, cases[i].path, cases[i].what);
  }
  /* The base arm must give the drug whose plan an axis varies. */
  expect_sweep_error("sweep:\n  base: untreated\n  axes: {doses.x.amount: [1]}\n", "doses",
                     "sweep.axes.doses.x.amount",
                     "the base arm untreated gives no x: an axis varies a dose plan of the base "
                     "arm");
}

static void test_value_errors(void **state)
{
  (void)state;
  const char *const prefix = "sweep:\n  base: treated\n  axes:\n    ";
  char sweep[256];
  const struct {
    const char *axis, *marker, *path, *what;
  } cases[] = {
      {"doses.x.amount: []", "[]", "sweep.axes.doses.x.amount", "empty axis"},
      {"doses.x.amount: 1", "1", "sweep.axes.doses.x.amount", "expected a list"},
      {"doses.x.amount: [1, -1]", "-1", "sweep.axes.doses.x.amount[1]",
       "invalid amount -1, expected a number >= 0"},
      {"doses.x.every_days: [0]", "0]", "sweep.axes.doses.x.every_days[0]",
       "invalid every_days 0, expected a number > 0"},
      {"doses.x.start_day: [-2]", "-2", "sweep.axes.doses.x.start_day[0]",
       "expected a number >= 0"},
      {"doses.x.count: [1.5]", "1.5", "sweep.axes.doses.x.count[0]", "expected an integer"},
      {"doses.x.cycles: [0]", "0]", "sweep.axes.doses.x.cycles[0]",
       "expected an integer from 1 to 1000000"},
      {"set.b: [abc]", "abc", "sweep.axes.set.b[0]", "expected a number, got 'abc'"},
      {"doses.x.amount: [1, 2, 1.0]", "1.0", "sweep.axes.doses.x.amount[2]",
       "1 is already the axis's value [0]: each value once"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(sweep, sizeof sweep, "%s%s\n", prefix, cases[i].axis);
    expect_sweep_error(sweep, cases[i].marker, cases[i].path, cases[i].what);
  }
  /* A parameter value the model cannot take, like an arm's own setting. */
  expect_sweep_error("sweep:\n  base: treated\n  axes: {set.b: [1, -1]}\n", "base", "sweep",
                     "with the parameters of the generated arm treated_bm1, reactions.birth.rate "
                     "('b') evaluates to -1");
  /* More doses than a plan may have, from two values each valid alone. */
  expect_sweep_error("sweep:\n  base: treated\n  axes: {doses.x.count: [1000], doses.x.cycles: "
                     "[1001]}\n",
                     "{doses", "sweep",
                     "the generated arm treated_count1000_cycles1001 gives "
                     "more than 1000000 doses of x");
}

static void test_name_errors(void **state)
{
  (void)state;
  /* A generated name equal to an arm of the file. */
  char *text = with_sweep("  treated_amount2: {}\n"
                          "sweep:\n  base: treated\n  axes: {doses.x.amount: [1, 2]}\n");
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  assert_int_equal(cs_cohort_load_string(text, "tiny.yaml", 0, NULL, &cohort, &err), CS_ERR_COHORT);
  assert_null(cohort);
  assert_non_null(strstr(err.message, "sweep: the generated arm name treated_amount2 is already "
                                      "an arm of the file"));
  free(text);
  /* Values that print alike make the same name. */
  expect_sweep_error("sweep:\n  base: treated\n  axes: {doses.x.amount: [0.1234561, 0.1234564]}\n",
                     "{doses", "sweep",
                     "the generated arm name treated_amount0p123456 is already a generated arm");
  expect_sweep_error("sweep:\n  base: treated\n  axes: {doses.x.amount: [1], doses.x.every_days: "
                     "[1], doses.x.start_day: [1], doses.x.count: [1], doses.x.cycles: [1], "
                     "doses.x.cycle_gap_days: [1], set.b: [1.23456789], set.d: [0.123456]}\n",
                     "{doses", "sweep", "is longer than 63 characters");
  expect_sweep_error("sweep:\n  base: treated\n  axes: {set.b: [1], set.d: [1], doses.x.amount: "
                     "[1], doses.y.amount: [1], doses.x.count: [1], doses.y.count: [1], "
                     "doses.x.cycles: [1], doses.y.cycles: [1], doses.x.start_day: [1]}\n",
                     "{set", "sweep.axes", "9 axes, expected 1 to 8");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expansion),      cmocka_unit_test(test_every_key),
      cmocka_unit_test(test_names),          cmocka_unit_test(test_print),
      cmocka_unit_test(test_section_errors), cmocka_unit_test(test_axis_key_errors),
      cmocka_unit_test(test_value_errors),   cmocka_unit_test(test_name_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
