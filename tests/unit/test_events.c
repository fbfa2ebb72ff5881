/* Events and doses into species: reading (every kind, the t >= E rule, errors at
 * file:line:column and key path) and firing in both engines (timed and state resets,
 * parameter assignments reaching rates and dose amounts, repeating events, the start
 * rule, an observable read by a trigger, a negative count refused, treatment started
 * when the burden exceeds a level). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/model.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"
#include "cs_test_support.h"

/* A process with nothing but what each test adds: birth b N and death d N, both off. */
static const char *const base =
    "name: ev\n"
    "followup_days: 30\n"
    "report_every_days: 1\n"
    "parameters: {b: 0, d: 0, a: 5, kill: 0, N0: 100}\n"
    "species: {N: {initial: N0}}\n"
    "drugs: {C: {half_life_days: 2}}\n"
    "reactions:\n"
    "  growth: {reactants: {N: 1}, products: {N: 2}, mass_action: b}\n"
    "  death: {reactants: {N: 1}, mass_action: d}\n"
    "  drug_kill: {change: {N: -1}, rate: kill, factors: [{species: N}, {effect: C}]}\n"
    "%s\n"
    "arms:\n"
    "  first: {%s}\n"
    "%s"
    "outcomes: {tumour: [N]}\n";

static char *cohort_text(const char *events, const char *arm, const char *more_arms)
{
  const size_t size = strlen(base) + strlen(events) + strlen(arm) + strlen(more_arms) + 1;
  char *text = malloc(size);
  assert_non_null(text);
  snprintf(text, size, base, events, arm, more_arms);
  return text;
}

static cs_cohort *load(const char *events, const char *arm, const char *more_arms,
                       const char *method)
{
  char *text = cohort_text(events, arm, more_arms);
  const char *sets[] = {method};
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, "ev.yaml", 1, sets, &cohort, &err) != CS_OK)
    fail_msg("%s", err.message);
  free(text);
  return cohort;
}

/* Loading must fail with a message that starts at the position of `marker` in the text
 * (cs_test_location_of) and names `path`, and contains `what`. */
static void expect_error(const char *events, const char *arm, const char *marker, const char *path,
                         const char *what)
{
  char *text = cohort_text(events, arm, "");
  char location[64], head[256];
  cs_test_location_of("ev.yaml", text, marker, location, sizeof location);
  snprintf(head, sizeof head, "%s %s: ", location, path);
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  assert_int_equal(cs_cohort_load_string(text, "ev.yaml", 0, NULL, &cohort, &err), CS_ERR_COHORT);
  assert_null(cohort);
  if (strstr(err.message, head) == NULL || strstr(err.message, what) == NULL)
    fail_msg("message \"%s\"\n  lacks \"%s\" or \"%s\"", err.message, head, what);
  free(text);
}

static void test_read_kinds(void **state)
{
  (void)state;
  cs_cohort *c =
      load("events:\n"
           "  - {name: reset, at: 2*a, set: {N: 50}}\n"
           "  - {every: 7, from: 1, until: 15, add: {N: 10, C: 1}}\n"
           "  - {when: \"N > 1e3 && C < 1\", once: true, set: {kill: a + 1}}\n"
           "  - {when: \"t >= a\", fires_at_start: true, set: {b: 0.1}}\n"
           "  - {when: \"time > 3\", add: {N: -1}}",
           "events: [{when: \"N < 10\", fires_at_start: false, set: {N: 0}}]", "", "method=exact");
  assert_int_equal(c->n_cohort_events, 5);
  assert_int_equal(c->n_events, 6);
  assert_int_equal(c->arm[0].first_event, 5);
  assert_int_equal(c->arm[0].n_events, 1);
  const double values[] = {0, 0, 5, 0, 100};
  const cs_event *e = c->event;
  assert_string_equal(e[0].name, "reset");
  assert_int_equal(e[0].kind, CS_EVENT_AT);
  assert_true(cs_expr_eval(&e[0].at, values) == 10);
  assert_int_equal(e[0].assign[0].kind, CS_TARGET_SPECIES);
  assert_false(e[0].assign[0].add);
  assert_string_equal(e[1].name, "event_2");
  assert_int_equal(e[1].kind, CS_EVENT_EVERY);
  assert_true(cs_expr_eval(&e[1].every, values) == 7 && cs_expr_eval(&e[1].from, values) == 1);
  assert_true(e[1].has_until && cs_expr_eval(&e[1].until, values) == 15);
  assert_int_equal(e[1].n_assign, 2);
  assert_int_equal(e[1].assign[1].kind, CS_TARGET_DRUG);
  assert_true(e[1].assign[1].add);
  assert_int_equal(e[2].kind, CS_EVENT_WHEN);
  assert_true(e[2].once && e[2].fires_at_start);
  assert_int_equal(e[2].assign[0].kind, CS_TARGET_PARAM);
  /* Time thresholds become timed events, exactly at their time. */
  assert_int_equal(e[3].kind, CS_EVENT_AT);
  assert_true(cs_expr_eval(&e[3].at, values) == 5);
  assert_int_equal(e[4].kind, CS_EVENT_AT);
  assert_true(cs_expr_eval(&e[4].at, values) == 3);
  assert_false(e[5].fires_at_start);
  cs_cohort_destroy(&c);
  /* A model that names something `t` means that name, not the time. */
  c = load("observables: {t: N}\nevents: [{when: \"t >= 50\", set: {N: 1}}]", "", "",
           "method=exact");
  assert_int_equal(c->event[0].kind, CS_EVENT_WHEN);
  cs_cohort_destroy(&c);
}

static void test_read_species_doses(void **state)
{
  (void)state;
  cs_cohort *c =
      load("", "doses: {N: {amount: a, start_day: 1}, C: {amount: 2}}", "", "method=exact");
  assert_int_equal(c->arm[0].n_doses, 2);
  assert_int_equal(c->arm[0].dose[0].drug, -1);
  assert_int_equal(c->arm[0].dose[0].species, 0);
  assert_int_equal(c->arm[0].dose[1].drug, 0);
  assert_int_equal(c->arm[0].dose[1].species, -1);
  cs_cohort_destroy(&c);
}

static void test_read_errors(void **state)
{
  (void)state;
  expect_error("events: [{when: \"t > 5 && N > 3\", set: {N: 1}}]", "", "^\"t > 5",
               "events[0].when", "reads the time (t)");
  expect_error("events: [{when: \"N > 2*t\", set: {N: 1}}]", "", "^\"N > 2*t", "events[0].when",
               "exactly 't >= E'");
  /* Not a threshold at "5 || N > 3": the formula is (t >= 5) || (N > 3). */
  expect_error("events: [{when: \"t >= 5 || N > 3\", set: {N: 1}}]", "", "^\"t >= 5 ||",
               "events[0].when", "reads the time (t)");
  expect_error("events: [{when: \"t >= 5 and N\", set: {N: 1}}]", "", "^\"t >= 5 and",
               "events[0].when", "reads the time (t)");
  expect_error("events: [{every: 1e-9, add: {N: 1}}]", "", "every: ^1e-9", "events[0]",
               "every 1e-09 days from day 0 to day 30 is 3e+10 firings, more than 1000000");
  expect_error("events: [{at: 1, when: \"N > 3\", set: {N: 1}}]", "", "^{at: 1", "events[0]",
               "exactly one of 'at', 'every' and 'when'");
  expect_error("events: [{at: 1}]", "", "^{at: 1}", "events[0]", "needs 'set' or 'add'");
  expect_error("events: [{at: 1, set: {Q: 1}}]", "", "^Q: 1", "events[0].set.Q",
               "unknown name 'Q'");
  expect_error("events: [{when: \"N > kk\", set: {N: 1}}]", "", "\"N > ^kk", "events[0].when",
               "unknown name 'kk'");
  expect_error("events: [{at: 1, set: {N: 2 * Nx}}]", "", "2 * ^Nx", "events[0].set.N",
               "unknown name 'Nx'");
  expect_error("events: [{at: N, set: {N: 1}}]", "", "at: ^N", "events[0].at",
               "'N' is a species: only parameters");
  expect_error("events: [{at: 1, once: true, set: {N: 1}}]", "", "once: ^true", "events[0].once",
               "belongs to a state event");
  expect_error("events: [{every: 0, add: {N: 1}}]", "", "every: ^0", "events[0].every",
               "expected a finite value > 0");
  expect_error("events: [{at: 1, from: 2, add: {N: 1}}]", "", "from: ^2", "events[0].from",
               "belongs to a repeating event");
  expect_error("events: [{at: 1, set: {N: 1}, add: {N: 2}}]", "", "add: {^N: 2}", "events[0].add.N",
               "assigned twice");
  expect_error("events: [{name: x, at: 1, set: {N: 1}}, {name: x, at: 2, set: {N: 1}}]", "",
               "name: ^x, at: 2", "events[1].name", "defined above");
  expect_error("events: [{at: 1, set: {N: 1}, bogus: 2}]", "", "^bogus", "events[0].bogus",
               "unknown key");
  expect_error("", "events: [{at: 1, set: {N: 1}, once: false}]", "^false",
               "arms.first.events[0].once", "belongs to a state event");
  expect_error("", "doses: {N: {amount: 1e16}}", "amount: ^1e16", "arms.first.doses.N.amount",
               "expected a finite value >= 0 and at most 2^53");
  /* The cohort's events with an arm's parameters, as a run would have them. */
  expect_error("events: [{at: a - 4, set: {N: 1}}]", "set: {a: 3}", "first: ^{set", "arms.first",
               "the time of event event_1 ('a - 4') evaluates to -1, expected a finite value >= 0");
  expect_error("events: [{every: a, add: {N: 1}}]", "set: {a: 1e-5}", "first: ^{set", "arms.first",
               "event event_1 fires 3e+06 times, more than 1000000");
}

static cs_records *run(const cs_cohort *c, size_t n, uint64_t seed)
{
  return cs_test_simulate(c, n, seed);
}

static double burden(const cs_records *r, int arm, size_t patient, size_t k)
{
  return r->burden[((size_t)arm * r->n_patients + patient) * r->n_grid + k];
}

static const char *const methods[] = {"method=exact", "method=hybrid"};

/* Loads `text` with the --set overrides `sets`, simulates `n` patients from `seed`, and
 * fails unless every one ends at exactly `want` (a stopped process ends on one count, not
 * near it); `what` names the variant in the message. */
static void expect_all_end_at(const char *text, int n_sets, const char *const *sets, size_t n,
                              uint64_t seed, double want, const char *what)
{
  cs_cohort *c = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, "ev.yaml", n_sets, sets, &c, &err) != CS_OK)
    fail_msg("%s", err.message);
  cs_records *r = run(c, n, seed);
  for (size_t i = 0; i < n; i++)
    if (r->final_burden[i] != want)
      fail_msg("%s: patient %zu ends at %g", what, i, r->final_burden[i]);
  cs_records_destroy(&r);
  cs_cohort_destroy(&c);
}

/* Birth-death grown from 2000 and reset at day 12: every patient holds exactly 50 there. */
static void test_timed_reset(void **state)
{
  (void)state;
  for (int m = 0; m < 2; m++) {
    const char *sets[] = {methods[m], "parameters.b=0.2", "parameters.d=0.1", "parameters.N0=2000"};
    char *text = cohort_text("events: [{at: 12, set: {N: 50}}]", "", "");
    cs_cohort *c = NULL;
    cs_error err = {0};
    assert_int_equal(cs_cohort_load_string(text, "ev.yaml", 4, sets, &c, &err), CS_OK);
    cs_records *r = run(c, 20, 11);
    for (size_t i = 0; i < 20; i++) {
      assert_true(burden(r, 0, i, 12) == 50);
      assert_true(burden(r, 0, i, 11) > 1000); /* it grew before */
    }
    cs_records_destroy(&r);
    cs_cohort_destroy(&c);
    free(text);
  }
}

/* Pure birth stopped by a state event setting its rate to 0 when N exceeds 1000: the
 * event fires at the firing that makes N 1001, so every patient ends at exactly 1001,
 * in the exact engine and in the hybrid one (its leaps cut back to that firing). */
static void test_state_event_stops_growth(void **state)
{
  (void)state;
  /* The growth as mass action (the rate is bound into the kinetics) and as a general
   * rate law (the formula reads the parameter at every evaluation). */
  const char *const growth[] = {"growth: {reactants: {N: 1}, products: {N: 2}, mass_action: b}",
                                "growth: {products: {N: 1}, rate: \"b * N\"}"};
  for (int g = 0; g < 2; g++)
    for (int m = 0; m < 2; m++) {
      const char *sets[] = {methods[m], "parameters.b=0.5"};
      char *text = cohort_text("events: [{when: \"N > 1000\", set: {b: 0}}]", "", "");
      char *at = strstr(text, growth[0]);
      assert_non_null(at);
      const size_t size = strlen(text) + strlen(growth[g]) + 1;
      char *variant = malloc(size);
      assert_non_null(variant);
      snprintf(variant, size, "%.*s%s%s", (int)(at - text), text, growth[g],
               at + strlen(growth[0]));
      char what[128];
      snprintf(what, sizeof what, "%s, %s", growth[g], methods[m]);
      expect_all_end_at(variant, 2, sets, 50, 12, 1001, what);
      free(variant);
      free(text);
    }
}

/* An observable read by a trigger and by an assigned value is its formula in place:
 * when twice = 2 N exceeds 2000 (N = 1001), N is set to twice (2002) and growth stops. */
static void test_observable_in_event(void **state)
{
  (void)state;
  for (int m = 0; m < 2; m++) {
    const char *sets[] = {methods[m], "parameters.b=0.5"};
    char *text = cohort_text("observables: {twice: \"2 * N\"}\n"
                             "events: [{when: \"twice > 2000\", once: true, "
                             "set: {b: 0, N: twice}}]",
                             "", "");
    expect_all_end_at(text, 2, sets, 20, 21, 2002, methods[m]);
    free(text);
  }
}

/* Doses into a species, a repeating event, and a parameter an event sets reaching the
 * dose amounts that read it. Nothing else happens (no reactions fire). */
static void test_doses_and_repeats(void **state)
{
  (void)state;
  for (int m = 0; m < 2; m++) {
    cs_cohort *c =
        load("events:\n"
             "  - {every: 7, until: 14, add: {N: 10}}\n"
             "  - {at: 2, set: {a: a + 2}}",
             "doses: {N: {amount: a, start_day: 1, count: 2, every_days: 2}}", "", methods[m]);
    cs_records *r = run(c, 3, 13);
    for (size_t i = 0; i < 3; i++) {
      assert_true(burden(r, 0, i, 0) == 110);  /* the event at day 0 */
      assert_true(burden(r, 0, i, 1) == 115);  /* a dose of a = 5 */
      assert_true(burden(r, 0, i, 3) == 122);  /* a dose of a = 7 */
      assert_true(burden(r, 0, i, 7) == 132);  /* the event at day 7 */
      assert_true(burden(r, 0, i, 20) == 142); /* and 14, the last */
      assert_true(r->final_burden[i] == 142);
    }
    cs_records_destroy(&r);
    cs_cohort_destroy(&c);
  }
}

/* A trigger true at time 0 fires then, unless fires_at_start is false. */
static void test_fires_at_start(void **state)
{
  (void)state;
  cs_cohort *c = load("events: [{when: \"N > 50\", add: {N: 1}}]", "", "", "method=exact");
  cs_records *r = run(c, 2, 14);
  assert_true(r->final_burden[0] == 101);
  cs_records_destroy(&r);
  cs_cohort_destroy(&c);
  c = load("events: [{when: \"N > 50\", fires_at_start: false, add: {N: 1}}]", "", "",
           "method=exact");
  r = run(c, 2, 14);
  assert_true(r->final_burden[0] == 100);
  cs_records_destroy(&r);
  cs_cohort_destroy(&c);
}

/* One patient of `c` must fail with `status` and a message holding "patient 0, arm
 * 'first'" and `what`. Destroys `c`. */
static void expect_patient_error(cs_cohort *c, cs_status status, const char *what)
{
  cs_model *model = NULL;
  cs_patient_sim *sim = NULL;
  cs_records *r = NULL;
  cs_error err = {0};
  assert_int_equal(cs_model_create(c, &model, &err), CS_OK);
  assert_int_equal(cs_patient_sim_create(model, &sim, &err), CS_OK);
  assert_int_equal(cs_records_create(c, 0, 1, &r, &err), CS_OK);
  assert_int_equal(cs_patient_sim_run(sim, 1, 0, r, &err), status);
  if (strstr(err.message, "patient 0, arm 'first'") == NULL || strstr(err.message, what) == NULL)
    fail_msg("message \"%s\"\n  lacks \"%s\"", err.message, what);
  cs_records_destroy(&r);
  cs_patient_sim_destroy(&sim);
  cs_model_destroy(&model);
  cs_cohort_destroy(&c);
}

static void expect_run_error(const char *events, cs_status status, const char *what)
{
  expect_patient_error(load(events, "", "", "method=exact"), status, what);
}

static void test_negative_count_refused(void **state)
{
  (void)state;
  expect_run_error("events: [{name: cut, at: 3, add: {N: -150}}]", CS_ERR_COHORT,
                   "day 3: event 'cut' would make species 'N' -50 copies");
}

/* A cycle of events at one instant (A sets what B watches, B what C watches, C what A
 * watches) is an error in either order: each trigger a firing turns false is seen to be
 * false, so the next round sees it turn true again. */
static void test_event_cycle_refused(void **state)
{
  (void)state;
  static const char *const orders[] = {"events:\n"
                                       "  - {name: A, when: \"N == 100\", set: {N: 101}}\n"
                                       "  - {name: B, when: \"N == 101\", set: {N: 102}}\n"
                                       "  - {name: C, when: \"N == 102\", set: {N: 100}}",
                                       "events:\n"
                                       "  - {name: C, when: \"N == 102\", set: {N: 100}}\n"
                                       "  - {name: B, when: \"N == 101\", set: {N: 102}}\n"
                                       "  - {name: A, when: \"N == 100\", set: {N: 101}}"};
  for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
    expect_run_error(orders[i], CS_ERR_NUMERIC, "events keep triggering each other");
}

/* The reader counts a periodic event's firings with the file's and each arm's values; a
 * patient's own values (a distribution's draw; here an interval set directly) are
 * counted when the patient starts. */
static void test_periodic_firings_capped(void **state)
{
  (void)state;
  cs_cohort *c = load("events: [{every: 1, add: {N: 1}}]", "", "", "method=exact");
  c->event[0].every = (cs_expr){.coef = 1e-9};
  expect_patient_error(c, CS_ERR_COHORT, "is 3e+10 firings for this patient, more than 1000000");
}

/* "Start treatment when the burden exceeds 5000", written in an arm: a dose of the drug
 * and its kill rate switched on at the firing where N passes 5000. The untreated arm
 * grows on; the treated one turns just above 5000 and stays far below it. */
static void test_treatment_on_burden(void **state)
{
  (void)state;
  for (int m = 0; m < 2; m++) {
    const char *sets[] = {methods[m], "parameters.b=0.3", "parameters.d=0.1"};
    char *text = cohort_text("", "",
                             "  on_burden:\n"
                             "    events:\n"
                             "      - {when: \"N > 5000\", once: true, set: {kill: 1.2}, "
                             "add: {C: 4}}\n");
    cs_cohort *c = NULL;
    cs_error err = {0};
    assert_int_equal(cs_cohort_load_string(text, "ev.yaml", 3, sets, &c, &err), CS_OK);
    cs_records *r = run(c, 20, 15);
    for (size_t i = 0; i < 20; i++) {
      const double peak = r->species_peak[(1 * r->n_patients + i) * (size_t)r->n_species];
      /* The treatment starts at 5001; a few more births may come before the kill wins. */
      assert_true(peak >= 5001 && peak < 5050);
      assert_true(burden(r, 1, i, 30) < burden(r, 0, i, 30) / 10);
    }
    cs_records_destroy(&r);
    cs_cohort_destroy(&c);
    free(text);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_kinds),
      cmocka_unit_test(test_read_species_doses),
      cmocka_unit_test(test_read_errors),
      cmocka_unit_test(test_timed_reset),
      cmocka_unit_test(test_state_event_stops_growth),
      cmocka_unit_test(test_observable_in_event),
      cmocka_unit_test(test_doses_and_repeats),
      cmocka_unit_test(test_fires_at_start),
      cmocka_unit_test(test_negative_count_refused),
      cmocka_unit_test(test_event_cycle_refused),
      cmocka_unit_test(test_periodic_firings_capped),
      cmocka_unit_test(test_treatment_on_burden),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
