/* Unit tests of dose schedules: cycles, counts, intervals and gaps expanded to dose days;
 * doses of several drugs merged in time order with ties broken by drug index (not by the
 * order of the plans in the file); parameter-driven amounts evaluated per patient; doses
 * after the end of follow-up dropped (one exactly at its end kept); and the error when a
 * patient's parameters make an amount negative or non-finite, naming the arm and drug.
 *
 * Treatment timing (schedule.h): the start delay shifts every dose of every arm by the
 * same amount, the same in every arm; missed doses are dropped at the stated rate; the
 * jitter has the stated spread and a jittered time never goes below 0; a drug given by
 * the same plan in two arms gets identical times (common random numbers); the result
 * stays sorted; the same (seed, patient) gives the same schedule and another patient
 * another one; and a cohort without timing draws nothing and gives the plan's days.
 *
 * The cohorts are read from YAML text with cs_cohort_load_string, the way every cohort
 * is made. Their parameter values pass validation; the error path passes other values,
 * as a patient whose sampled parameters differ would. Statistical checks use fixed seeds
 * and 4-sigma limits (shared/oracles.md).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/rng.h"
#include "cohortsim/schedule.h"
#include "cs_test_support.h"

#define SEED UINT64_C(20240611)

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
  gsl_rng *rng;
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
  f.rng = gsl_rng_alloc(cs_rng_philox);
  if (f.rng == NULL || cs_schedule_create(f.cohort, &f.schedule, &err) != CS_OK) {
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
  gsl_rng_free(f->rng);
  return 0;
}

static void plan_or_fail(fixture *f, int arm)
{
  cs_error err = {0};
  if (cs_schedule_plan(f->cohort, arm, f->param, f->rng, SEED, 0, f->schedule, &err) != CS_OK)
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
    assert_int_equal(
        cs_schedule_plan(f->cohort, ARM_BOTH, f->param, f->rng, SEED, 0, f->schedule, &err),
        CS_ERR_COHORT);
    assert_int_equal(err.status, CS_ERR_COHORT);
    assert_non_null(strstr(err.message, "'both'"));
    assert_non_null(strstr(err.message, "'smac'"));
    plan_or_fail(f, ARM_CYCLES);
    assert_int_equal(f->schedule->n_doses, 10);
  }
}

/* A cohort without a timing section draws nothing: every patient, whatever the seed,
 * gets the plan's days and a start delay of 0. */
static void test_no_timing_is_the_plan(void **state)
{
  fixture *f = *state;
  cs_error err = {0};
  plan_or_fail(f, ARM_BOTH);
  cs_dose first[7];
  assert_int_equal(f->schedule->n_doses, 7);
  memcpy(first, f->schedule->dose, sizeof first);
  for (size_t patient = 1; patient < 50; patient++) {
    assert_int_equal(cs_schedule_plan(f->cohort, ARM_BOTH, f->param, f->rng, SEED + patient,
                                      patient, f->schedule, &err),
                     CS_OK);
    assert_int_equal(f->schedule->n_doses, 7);
    assert_memory_equal(f->schedule->dose, first, sizeof first);
    assert_true(f->schedule->start_delay_days == 0.0);
  }
}

/* ---- treatment timing ---------------------------------------------------------------- */

/* hma (drug 0) on days 5-9 and 12-16, smac (drug 1) on days 5.5, 7.5, 9.5, 11.5 in arm
 * "both"; the same hma plan alone in "hma_only" and one cycle longer in "hma_long";
 * eight smac doses from day 0 in "early", for the clamp at 0. */
static const char timing_yaml[] =
    "name: timing_test\n"
    "followup_days: 40\n"
    "parameters: {k: 1.0}\n"
    "species: {N: {initial: 10}}\n"
    "drugs: {hma: {half_life_days: 2}, smac: {half_life_days: 1.3}}\n"
    "reactions:\n"
    "  death: {change: {N: -1}, rate: 0.1, factors: [{species: N}]}\n"
    "arms:\n"
    "  both:\n"
    "    doses:\n"
    "      smac: {amount: 2, start_day: 5.5, every_days: 2, count: 4}\n"
    "      hma: {amount: 3, start_day: 5, count: 5, cycles: 2, cycle_gap_days: 2}\n"
    "  hma_only:\n"
    "    doses: {hma: {amount: 3, start_day: 5, count: 5, cycles: 2, cycle_gap_days: 2}}\n"
    "  hma_long:\n"
    "    doses: {hma: {amount: 3, start_day: 5, count: 5, cycles: 3, cycle_gap_days: 2}}\n"
    "  early:\n"
    "    doses: {smac: {amount: 1, every_days: 0.25, count: 8}}\n"
    "timing:\n"
    "  start_delay_days: {uniform: [0, 3]}\n"
    "  dose_jitter_days: {normal: {mean: 0, sd: 0.08}}\n"
    "  missed_dose_probability: 0.2\n"
    "outcomes: {tumour: [N]}\n";

enum { T_BOTH, T_HMA_ONLY, T_HMA_LONG, T_EARLY };

/* Arm "both" without timing, sorted: (day, drug). */
static const double both_days[14] = {5, 5.5, 6, 7, 7.5, 8, 9, 9.5, 11.5, 12, 13, 14, 15, 16};
static const int both_drugs[14] = {0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0};
static const double hma_days[10] = {5, 6, 7, 8, 9, 12, 13, 14, 15, 16};

#define TIMING_PATIENTS 2000

typedef struct timing {
  cs_cohort *cohort;
  cs_schedule *schedule;
  gsl_rng *rng;
  double param[1];
} timing;

static void timing_load(timing *t, int n_sets, const char *const *sets)
{
  cs_error err = {0};
  memset(t, 0, sizeof *t);
  if (cs_cohort_load_string(timing_yaml, "timing_test", n_sets, sets, &t->cohort, &err) != CS_OK)
    fail_msg("timing cohort: %s", err.message);
  if (cs_schedule_create(t->cohort, &t->schedule, &err) != CS_OK)
    fail_msg("schedule: %s", err.message);
  t->rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(t->rng);
  t->param[0] = 1.0;
}

static void timing_free(timing *t)
{
  cs_schedule_destroy(&t->schedule);
  cs_cohort_destroy(&t->cohort);
  gsl_rng_free(t->rng);
}

static const cs_schedule *timing_plan(timing *t, int arm, uint64_t seed, size_t patient)
{
  cs_error err = {0};
  if (cs_schedule_plan(t->cohort, arm, t->param, t->rng, seed, patient, t->schedule, &err) != CS_OK)
    fail_msg("planning arm %d of patient %zu: %s", arm, patient, err.message);
  return t->schedule;
}

static void assert_sorted(const cs_schedule *s)
{
  for (size_t i = 1; i < s->n_doses; i++) {
    const cs_dose *a = &s->dose[i - 1], *b = &s->dose[i];
    if (a->t_days > b->t_days || (a->t_days == b->t_days && a->drug > b->drug))
      fail_msg("doses %zu and %zu out of order: (%g, %d) then (%g, %d)", i - 1, i, a->t_days,
               a->drug, b->t_days, b->drug);
  }
}

/* Without jitter and missed doses, every dose of every arm moves by the patient's start
 * delay, which is the same in every arm and uniform on [0, 3] over patients. */
static void test_start_delay_shifts_every_dose(void **state)
{
  (void)state;
  const char *sets[] = {"timing.dose_jitter_days=0", "timing.missed_dose_probability=0"};
  timing t;
  timing_load(&t, 2, sets);
  static double delays[TIMING_PATIENTS];
  for (size_t p = 0; p < TIMING_PATIENTS; p++) {
    const cs_schedule *s = timing_plan(&t, T_BOTH, SEED, p);
    const double delay = s->start_delay_days;
    assert_true(delay >= 0 && delay <= 3);
    assert_int_equal(s->n_doses, 14);
    for (size_t i = 0; i < 14; i++)
      if (s->dose[i].t_days != both_days[i] + delay || s->dose[i].drug != both_drugs[i])
        fail_msg("patient %zu, dose %zu: (%g, %d), expected (%g, %d)", p, i, s->dose[i].t_days,
                 s->dose[i].drug, both_days[i] + delay, both_drugs[i]);
    delays[p] = delay;
    s = timing_plan(&t, T_HMA_ONLY, SEED, p);
    assert_true(s->start_delay_days == delay);
    assert_true(s->dose[0].t_days == 5 + delay);
  }
  cs_test_assert_moments("start delay ~ uniform(0, 3)", delays, TIMING_PATIENTS, 1.5, 0.75, 4.0);
  timing_free(&t);

  /* A fixed delay moves every dose by exactly that much, for every patient. */
  const char *fixed[] = {"timing.start_delay_days=2.5", "timing.dose_jitter_days=0",
                         "timing.missed_dose_probability=0"};
  timing_load(&t, 3, fixed);
  for (size_t p = 0; p < 20; p++) {
    const cs_schedule *s = timing_plan(&t, T_BOTH, SEED, p);
    assert_true(s->start_delay_days == 2.5);
    for (size_t i = 0; i < 14; i++)
      assert_true(s->dose[i].t_days == both_days[i] + 2.5);
  }
  timing_free(&t);
}

/* Each dose is missed with probability 0.2, independently; what remains are planned
 * doses. Probabilities 0 and 1 keep all and none. */
static void test_missed_doses_dropped(void **state)
{
  (void)state;
  const char *sets[] = {"timing.dose_jitter_days=0", "timing.start_delay_days=0"};
  timing t;
  timing_load(&t, 2, sets);
  size_t kept = 0;
  for (size_t p = 0; p < TIMING_PATIENTS; p++) {
    const cs_schedule *s = timing_plan(&t, T_BOTH, SEED, p);
    kept += s->n_doses;
    for (size_t i = 0; i < s->n_doses; i++) {
      size_t k = 0;
      while (k < 14 && !(both_days[k] == s->dose[i].t_days && both_drugs[k] == s->dose[i].drug))
        k++;
      if (k == 14)
        fail_msg("patient %zu: dose at %g of drug %d was never planned", p, s->dose[i].t_days,
                 s->dose[i].drug);
    }
  }
  const size_t planned = 14 * (size_t)TIMING_PATIENTS;
  cs_test_assert_proportion("missed doses, p = 0.2", planned - kept, planned, 0.2, 4.0);
  timing_free(&t);

  const char *never[] = {"timing.missed_dose_probability=0"};
  timing_load(&t, 1, never);
  for (size_t p = 0; p < 50; p++)
    assert_int_equal(timing_plan(&t, T_BOTH, SEED, p)->n_doses, 14);
  timing_free(&t);
  const char *always[] = {"timing.missed_dose_probability=1"};
  timing_load(&t, 1, always);
  for (size_t p = 0; p < 50; p++)
    assert_int_equal(timing_plan(&t, T_BOTH, SEED, p)->n_doses, 0);
  timing_free(&t);
}

/* The jitter is normal with sd 0.08 days around each planned time (the doses are a day
 * apart, so sorting keeps them in plan order); with sd 1, doses planned near day 0 are
 * clamped at 0, never below, and the list stays sorted. */
static void test_jitter_spread_and_clamp(void **state)
{
  (void)state;
  const char *sets[] = {"timing.start_delay_days=0", "timing.missed_dose_probability=0"};
  timing t;
  timing_load(&t, 2, sets);
  static double deviation[TIMING_PATIENTS * 10];
  for (size_t p = 0; p < TIMING_PATIENTS; p++) {
    const cs_schedule *s = timing_plan(&t, T_HMA_ONLY, SEED, p);
    assert_int_equal(s->n_doses, 10);
    for (size_t i = 0; i < 10; i++)
      deviation[p * 10 + i] = s->dose[i].t_days - hma_days[i];
  }
  cs_test_assert_moments("dose jitter ~ normal(0, 0.08)", deviation, (size_t)TIMING_PATIENTS * 10,
                         0.0, 0.08 * 0.08, 4.0);
  timing_free(&t);

  const char *wide[] = {"timing.start_delay_days=0", "timing.missed_dose_probability=0",
                        "timing.dose_jitter_days.normal.sd=1"};
  timing_load(&t, 3, wide);
  size_t at_zero = 0;
  for (size_t p = 0; p < 200; p++) {
    const cs_schedule *s = timing_plan(&t, T_EARLY, SEED, p);
    assert_int_equal(s->n_doses, 8);
    assert_sorted(s);
    for (size_t i = 0; i < s->n_doses; i++) {
      assert_true(s->dose[i].t_days >= 0);
      at_zero += s->dose[i].t_days == 0;
    }
    assert_sorted(timing_plan(&t, T_BOTH, SEED, p));
  }
  assert_true(at_zero > 200); /* about half of the doses fall below 0 */
  timing_free(&t);
}

/* A drug given by the same plan in two arms gets the same times and the same missed
 * doses in both (its draws come from its own stream, not the arm's); a longer course of
 * the same plan shares the doses the two have in common. */
static void test_shared_drug_same_timing(void **state)
{
  (void)state;
  timing t;
  timing_load(&t, 0, NULL);
  size_t compared = 0;
  for (size_t p = 0; p < 500; p++) {
    cs_dose hma[10];
    size_t n = 0;
    const cs_schedule *s = timing_plan(&t, T_BOTH, SEED, p);
    const double delay = s->start_delay_days;
    for (size_t i = 0; i < s->n_doses; i++)
      if (s->dose[i].drug == 0) {
        assert_true(n < 10);
        hma[n++] = s->dose[i];
      }
    s = timing_plan(&t, T_HMA_ONLY, SEED, p);
    assert_true(s->start_delay_days == delay);
    assert_int_equal(s->n_doses, n);
    assert_memory_equal(s->dose, hma, n * sizeof *hma);
    s = timing_plan(&t, T_HMA_LONG, SEED, p);
    for (size_t k = 0; k < n; k++) {
      size_t i = 0;
      while (i < s->n_doses && s->dose[i].t_days != hma[k].t_days)
        i++;
      if (i == s->n_doses)
        fail_msg("patient %zu: hma dose at %g is missing from the longer course", p, hma[k].t_days);
    }
    compared += n;
  }
  assert_true(compared > (size_t)500 * 6); /* about 8 of 10 doses kept */
  timing_free(&t);
}

/* The same (seed, patient) gives the same schedule, whatever was planned in between;
 * another patient or another seed gives another one. */
static void test_timing_deterministic(void **state)
{
  (void)state;
  timing t;
  timing_load(&t, 0, NULL);
  cs_dose first[14];
  const cs_schedule *s = timing_plan(&t, T_BOTH, SEED, 7);
  const size_t n = s->n_doses;
  const double delay = s->start_delay_days;
  memcpy(first, s->dose, n * sizeof *first);
  timing_plan(&t, T_HMA_LONG, SEED, 8);
  s = timing_plan(&t, T_BOTH, SEED, 7);
  assert_int_equal(s->n_doses, n);
  assert_true(s->start_delay_days == delay);
  assert_memory_equal(s->dose, first, n * sizeof *first);
  assert_true(timing_plan(&t, T_BOTH, SEED, 8)->start_delay_days != delay);
  assert_true(timing_plan(&t, T_BOTH, SEED + 1, 7)->start_delay_days != delay);
  timing_free(&t);
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
      cmocka_unit_test_setup_teardown(test_no_timing_is_the_plan, setup, teardown),
      cmocka_unit_test(test_start_delay_shifts_every_dose),
      cmocka_unit_test(test_missed_doses_dropped),
      cmocka_unit_test(test_jitter_spread_and_clamp),
      cmocka_unit_test(test_shared_drug_same_timing),
      cmocka_unit_test(test_timing_deterministic),
      cmocka_unit_test(test_destroy_accepts_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
