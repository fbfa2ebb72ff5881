/* Unit tests of dose schedules: cycles, counts, intervals and gaps expanded to dose days;
 * doses of several drugs merged in time order with ties broken by drug index (not by the
 * order of the plans in the file); parameter-driven amounts evaluated per patient; doses
 * after the end of follow-up dropped (one exactly at its end kept); and the error when a
 * patient's parameters make an amount negative or non-finite, naming the arm and drug.
 *
 * The cohort is read from YAML text with cs_cohort_load_string, the way every cohort is
 * made. Its parameter values pass validation; the error path passes other values, as a
 * patient whose sampled parameters differ would.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/schedule.h"

/* Drug indices follow the file: hma 0, smac 1. In arm "both" the smac plan comes first. */
static const char cohort_yaml[] =
    "name: schedule_test\n"
    "followup_days: 20\n"
    "parameters:\n"
    "  amt: 2.5\n"
    "  k: 1.0\n"
    "species:\n"
    "  N: {initial: 10}\n"
    "drugs:\n"
    "  hma: {elimination_per_day: k}\n"
    "  smac: {half_life_days: 1.3}\n"
    "reactions:\n"
    "  death: {change: {N: -1}, rate: 0.1, factors: [{species: N}]}\n"
    "arms:\n"
    "  untreated: {}\n"
    "  cycles:\n"
    "    doses: {hma: {amount: 3, every_days: 1, count: 5, cycles: 2, cycle_gap_days: 2}}\n"
    "  both:\n"
    "    doses:\n"
    "      smac: {amount: amt, start_day: 0.5, every_days: 2, count: 3}\n"
    "      hma: {amount: 2*amt, every_days: 0.5, count: 4}\n"
    "  late:\n"
    "    doses: {hma: {amount: 1, start_day: 14, every_days: 2, count: 5}}\n"
    "outcomes:\n"
    "  tumour: [N]\n";

enum { ARM_UNTREATED, ARM_CYCLES, ARM_BOTH, ARM_LATE };
enum { PARAM_AMT, PARAM_K };

typedef struct fixture {
  cs_cohort *cohort;
  cs_schedule *schedule;
  double param[2];
} fixture;

static int setup(void **state)
{
  static fixture f;
  cs_error err = {0};
  memset(&f, 0, sizeof f);
  if (cs_cohort_load_string(cohort_yaml, "schedule_test", 0, NULL, &f.cohort, &err) != CS_OK) {
    print_error("cohort: %s\n", err.message);
    return -1;
  }
  if (cs_schedule_create(f.cohort, &f.schedule, &err) != CS_OK) {
    cs_cohort_destroy(&f.cohort);
    return -1;
  }
  f.param[PARAM_AMT] = 2.5;
  f.param[PARAM_K] = 1.0;
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  cs_schedule_destroy(&f->schedule);
  cs_cohort_destroy(&f->cohort);
  return 0;
}

static void plan_or_fail(fixture *f, int arm)
{
  cs_error err = {0};
  if (cs_schedule_plan(f->cohort, arm, f->param, f->schedule, &err) != CS_OK)
    fail_msg("planning arm %d: %s", arm, err.message);
  assert_int_equal(err.status, CS_OK);
}

static void assert_dose(const cs_schedule *s, size_t i, double t, int drug, double amount)
{
  if (i >= s->n_doses)
    fail_msg("dose %zu expected, but there are %zu", i, s->n_doses);
  const cs_dose *d = &s->dose[i];
  if (d->t_days != t || d->drug != drug || d->amount_ec50 != amount)
    fail_msg("dose %zu is (t %g, drug %d, amount %g), expected (t %g, drug %d, amount %g)", i,
             d->t_days, d->drug, d->amount_ec50, t, drug, amount);
}

static void test_cohort_as_expected(void **state)
{
  const fixture *f = *state;
  assert_int_equal(cs_cohort_find_drug(f->cohort, "hma"), 0);
  assert_int_equal(cs_cohort_find_drug(f->cohort, "smac"), 1);
  assert_int_equal(cs_cohort_find_arm(f->cohort, "both"), ARM_BOTH);
  assert_int_equal(cs_cohort_find_param(f->cohort, "amt"), PARAM_AMT);
  /* Room for the largest arm: 2 cycles of 5. */
  assert_true(f->schedule->capacity >= 10);
}

static void test_untreated_has_no_doses(void **state)
{
  fixture *f = *state;
  plan_or_fail(f, ARM_UNTREATED);
  assert_int_equal(f->schedule->n_doses, 0);
}

/* count 5, every 1 day, 2 cycles, gap 2 days: days 0-4, then 7-11 (the second cycle
 * starts 5 * 1 + 2 days after the first). */
static void test_cycles_count_every_gap(void **state)
{
  fixture *f = *state;
  plan_or_fail(f, ARM_CYCLES);
  static const double days[10] = {0, 1, 2, 3, 4, 7, 8, 9, 10, 11};
  assert_int_equal(f->schedule->n_doses, 10);
  for (size_t i = 0; i < 10; i++)
    assert_dose(f->schedule, i, days[i], 0, 3.0);
}

/* hma at 0, 0.5, 1, 1.5 (amount 2*amt = 5), smac at 0.5, 2.5, 4.5 (amount amt = 2.5).
 * At the tie at 0.5, hma (drug 0) comes first although the smac plan is listed first. */
static void test_drugs_merged_ties_by_drug(void **state)
{
  fixture *f = *state;
  plan_or_fail(f, ARM_BOTH);
  const cs_schedule *s = f->schedule;
  assert_int_equal(s->n_doses, 7);
  assert_dose(s, 0, 0.0, 0, 5.0);
  assert_dose(s, 1, 0.5, 0, 5.0);
  assert_dose(s, 2, 0.5, 1, 2.5);
  assert_dose(s, 3, 1.0, 0, 5.0);
  assert_dose(s, 4, 1.5, 0, 5.0);
  assert_dose(s, 5, 2.5, 1, 2.5);
  assert_dose(s, 6, 4.5, 1, 2.5);
}

/* The amounts are the patient's: other parameter values give other amounts, and a plan
 * replaces the previous one rather than adding to it. */
static void test_amounts_follow_parameters(void **state)
{
  fixture *f = *state;
  plan_or_fail(f, ARM_BOTH);
  f->param[PARAM_AMT] = 0.75;
  plan_or_fail(f, ARM_BOTH);
  const cs_schedule *s = f->schedule;
  assert_int_equal(s->n_doses, 7);
  for (size_t i = 0; i < s->n_doses; i++)
    assert_true(s->dose[i].amount_ec50 == (s->dose[i].drug == 0 ? 1.5 : 0.75));
  /* An amount of 0 is allowed (a placebo dose). */
  f->param[PARAM_AMT] = 0.0;
  plan_or_fail(f, ARM_BOTH);
  assert_int_equal(s->n_doses, 7);
  assert_true(s->dose[0].amount_ec50 == 0.0);
}

/* Follow-up is 20 days: of 14, 16, 18, 20, 22 the last is dropped, the one at 20 kept. */
static void test_doses_after_followup_dropped(void **state)
{
  fixture *f = *state;
  plan_or_fail(f, ARM_LATE);
  const cs_schedule *s = f->schedule;
  assert_int_equal(s->n_doses, 4);
  assert_dose(s, 0, 14, 0, 1.0);
  assert_dose(s, 1, 16, 0, 1.0);
  assert_dose(s, 2, 18, 0, 1.0);
  assert_dose(s, 3, 20, 0, 1.0);
}

/* A patient whose parameters make an amount negative or not finite: CS_ERR_COHORT,
 * naming the arm and the drug. Arms whose amounts do not use the parameter still plan. */
static void test_bad_amount_names_arm_and_drug(void **state)
{
  fixture *f = *state;
  const double bad[] = {-1.0, NAN, INFINITY};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    f->param[PARAM_AMT] = bad[i];
    cs_error err = {0};
    assert_int_equal(cs_schedule_plan(f->cohort, ARM_BOTH, f->param, f->schedule, &err),
                     CS_ERR_COHORT);
    assert_int_equal(err.status, CS_ERR_COHORT);
    assert_non_null(strstr(err.message, "'both'"));
    assert_non_null(strstr(err.message, "'smac'"));
    plan_or_fail(f, ARM_CYCLES);
    assert_int_equal(f->schedule->n_doses, 10);
  }
}

static void test_destroy_accepts_null(void **state)
{
  (void)state;
  cs_schedule *s = NULL;
  cs_schedule_destroy(&s);
  cs_schedule_destroy(NULL);
  assert_null(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_cohort_as_expected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_untreated_has_no_doses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cycles_count_every_gap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_drugs_merged_ties_by_drug, setup, teardown),
      cmocka_unit_test_setup_teardown(test_amounts_follow_parameters, setup, teardown),
      cmocka_unit_test_setup_teardown(test_doses_after_followup_dropped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_amount_names_arm_and_drug, setup, teardown),
      cmocka_unit_test(test_destroy_accepts_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
