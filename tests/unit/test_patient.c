/* Unit tests of a patient's simulation ending in every case: a state the engines cannot
 * go on from (a propensity or count that overflows, time that cannot advance) is a
 * CS_ERR_NUMERIC naming the patient, arm, reaction or species and the simulated time,
 * and a stop flag makes a patient in progress fail with CS_ERR_INTERRUPTED, in both
 * engines. Before these checks each of these patients ran for ever. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/model.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"
#include "cs_test_support.h"

static const char *const methods[] = {"method=exact", "method=hybrid"};

/* The birth-death cohort with the method and one more setting. */
static cs_cohort *load(const char *method, const char *setting)
{
  const char *const sets[] = {method, setting};
  return cs_test_load_cohort("cohorts/validation/birth_death.yaml", 2, sets);
}

/* Simulates patient 0 of `cohort` with `stop` handed to the simulation (NULL: none);
 * its status, and the message in *err. */
static cs_status run_patient(const cs_cohort *cohort, const volatile sig_atomic_t *stop,
                             cs_error *err)
{
  cs_model *model = NULL;
  cs_patient_sim *sim = NULL;
  cs_records *records = NULL;
  if (cs_model_create(cohort, &model, err) != CS_OK ||
      cs_patient_sim_create(model, &sim, err) != CS_OK ||
      cs_records_create(cohort, 0, 1, &records, err) != CS_OK)
    fail_msg("setting up a simulation: %s", err->message);
  cs_patient_sim_set_stop_flag(sim, stop);
  const cs_status status = cs_patient_sim_run(sim, 1, 0, records, err);
  cs_records_destroy(&records);
  cs_patient_sim_destroy(&sim);
  cs_model_destroy(&model);
  return status;
}

/* Patient 0 of `cohort` fails with `want` and a message holding every phrase. */
static void expect_failure_of(const cs_cohort *cohort, cs_status want, const char *const *phrases)
{
  cs_error err = {0};
  const cs_status status = run_patient(cohort, NULL, &err);
  print_message("  method %s: %s\n", cohort->method == CS_METHOD_EXACT ? "exact" : "hybrid",
                err.message);
  assert_int_equal(status, want);
  for (const char *const *phrase = phrases; *phrase != NULL; phrase++)
    if (strstr(err.message, *phrase) == NULL)
      fail_msg("'%s' is not in the message '%s'", *phrase, err.message);
}

static void expect_failure(const char *setting, cs_status want, const char *const *phrases)
{
  for (size_t m = 0; m < 2; m++) {
    cs_cohort *cohort = load(methods[m], setting);
    expect_failure_of(cohort, want, phrases);
    cs_cohort_destroy(&cohort);
  }
}

/* 1e306 per cell and day times 10000 cells overflows to infinity at once. */
static void test_infinite_propensity_is_an_error(void **state)
{
  (void)state;
  static const char *const phrases[] = {"patient 0",        "arm 'bolus'", "day 0",
                                        "reaction 'birth'", "inf",         NULL};
  expect_failure("parameters.b=1e306", CS_ERR_NUMERIC, phrases);
}

/* A finite but huge rate: every event moves time by about 1e-204 days, so follow-up would
 * take about 1e205 events or steps. */
static void test_time_that_cannot_advance_is_an_error(void **state)
{
  (void)state;
  static const char *const phrases[] = {"patient 0", "arm 'bolus'", "too large", NULL};
  expect_failure("parameters.b=1e200", CS_ERR_NUMERIC, phrases);
}

/* Births only, from 992 copies short of 2^53 (the most the reader accepts): the count
 * passes 2^53, beyond which a double no longer holds every integer. */
static void test_count_beyond_2_53_is_an_error(void **state)
{
  (void)state;
  static const char *const phrases[] = {"patient 0", "species 'N'", "beyond 9007199254740992",
                                        NULL};
  for (size_t m = 0; m < 2; m++) {
    const char *const sets[] = {methods[m], "parameters.n0=9007199254740000", "parameters.d=0"};
    cs_cohort *cohort = cs_test_load_cohort("cohorts/validation/birth_death.yaml", 3, sets);
    expect_failure_of(cohort, CS_ERR_NUMERIC, phrases);
    cs_cohort_destroy(&cohort);
  }
}

/* A general rate law that turns negative as the state moves (here when N passes 150) is
 * an error naming the reaction, whether it reads no drug (a static propensity) or one
 * (bounded over windows), in both engines. */
static void test_negative_rate_law_is_an_error(void **state)
{
  (void)state;
  static const char *const laws[] = {"\"0.1*(150 - N)\"", "\"0.1*(150 - N)*effect(C)\""};
  static const char *const phrases[] = {"patient 0", "reaction 'decline'", ">= 0", NULL};
  for (size_t law = 0; law < 2; law++)
    for (size_t m = 0; m < 2; m++) {
      char text[1024];
      snprintf(text, sizeof text,
               "name: negative\n"
               "followup_days: 20\n"
               "method: %s\n"
               "parameters: {b: 1}\n"
               "species: {N: {initial: 100}, M: {initial: 0}}\n"
               "drugs: {C: {half_life_days: 100}}\n"
               "reactions:\n"
               "  birth: {change: {N: +1}, rate: b, factors: [{species: N}]}\n"
               "  decline: {products: {M: 1}, rate: %s}\n"
               "arms: {treated: {doses: {C: {amount: 1, count: 1}}}}\n"
               "outcomes: {tumour: [N]}\n",
               methods[m] + strlen("method="), laws[law]);
      cs_cohort *cohort = NULL;
      cs_error err = {0};
      if (cs_cohort_load_string(text, "negative", 0, NULL, &cohort, &err) != CS_OK)
        fail_msg("%s", err.message);
      expect_failure_of(cohort, CS_ERR_NUMERIC, phrases);
      cs_cohort_destroy(&cohort);
    }
}

/* The negativity rule in the engines' shortcuts: a death that takes two copies with the
 * single factor {species: A} is not plain mass action (at A = 1 its factor is 1, yet it
 * cannot fire), so from 7 copies every patient ends with exactly 1, in both engines. */
static void test_negativity_rule_in_the_fast_paths(void **state)
{
  (void)state;
  for (size_t m = 0; m < 2; m++) {
    char text[512];
    snprintf(text, sizeof text,
             "name: pairs\n"
             "followup_days: 100\n"
             "method: %s\n"
             "parameters: {d: 1}\n"
             "species: {A: {initial: 7}}\n"
             "reactions:\n"
             "  death: {change: {A: -2}, rate: d, factors: [{species: A}]}\n"
             "arms: {untreated: {}}\n"
             "outcomes: {tumour: [A]}\n",
             methods[m] + strlen("method="));
    cs_cohort *cohort = NULL;
    cs_error err = {0};
    if (cs_cohort_load_string(text, "pairs", 0, NULL, &cohort, &err) != CS_OK)
      fail_msg("%s", err.message);
    cs_records *records = cs_test_simulate(cohort, 50, 9);
    for (size_t i = 0; i < records->n_patients; i++)
      assert_true(records->final_burden[i] == 1);
    cs_records_destroy(&records);
    cs_cohort_destroy(&cohort);
  }
}

/* The flag raised (as a signal handler would) stops the patient; lowered, it changes
 * nothing. */
static void test_stop_flag_interrupts_a_patient(void **state)
{
  (void)state;
  for (size_t m = 0; m < 2; m++) {
    cs_cohort *cohort = load(methods[m], "parameters.kd=0");
    volatile sig_atomic_t stop = 1;
    cs_error err = {0};
    assert_int_equal(run_patient(cohort, &stop, &err), CS_ERR_INTERRUPTED);
    assert_non_null(strstr(err.message, "patient 0"));
    stop = 0;
    cs_error_clear(&err);
    assert_int_equal(run_patient(cohort, &stop, &err), CS_OK);
    cs_cohort_destroy(&cohort);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_infinite_propensity_is_an_error),
      cmocka_unit_test(test_time_that_cannot_advance_is_an_error),
      cmocka_unit_test(test_count_beyond_2_53_is_an_error),
      cmocka_unit_test(test_negative_rate_law_is_an_error),
      cmocka_unit_test(test_negativity_rule_in_the_fast_paths),
      cmocka_unit_test(test_stop_flag_interrupts_a_patient),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
