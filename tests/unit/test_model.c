/* Unit tests of the compiled reaction network: the propensity of every factor kind against
 * values worked out by hand, the upper bound from the largest and smallest drug effects,
 * binding a patient's parameters (rates, scales, rounded changes and initial counts,
 * elimination rates, burden changes) and every way binding fails, firing with
 * parameter-driven stoichiometry, the tumour burden, the reaction dependency graph (by
 * hand, and as a property: no propensity changes outside it), and whether clearance is
 * absorbing.
 *
 * Cohorts are read from YAML text with cs_cohort_load_string. Their default parameter
 * values pass validation; the error paths bind other values, as a patient whose sampled
 * parameters differ would.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/model.h"
#include "cs_test_support.h"

#define REL 1e-14

/* One reaction per factor kind (two for Hill: n = 1 has its own code path). */
static const char network_yaml[] =
    "name: model_test\n"
    "followup_days: 10\n"
    "parameters:\n"
    "  b: 0.5\n"
    "  K: 1000\n"
    "  kd: 2\n"
    "  h: 40\n"
    "  s: 7\n"
    "  kill: 0.01\n"
    "  kmax: 50\n"
    "  q: 3.4\n"
    "  ke: 1\n"
    "  A0: 99.5\n"
    "species:\n"
    "  A: {initial: A0}\n"
    "  M: {initial: 20}\n"
    "  D: {initial: 30}\n"
    "  E: {initial: 5}\n"
    "drugs:\n"
    "  c1: {elimination_per_day: ke}\n"
    "  c2: {half_life_days: 2}\n"
    "reactions:\n"
    "  grow: {change: {A: +1}, rate: b, factors: [{species: A}, {logistic: [A, M], capacity: "
    "K}]}\n"
    "  switch: {change: {A: -1, M: +1}, rate: kd, factors: [{species: A}, {effect: c1}, "
    "{inhibit: c2}]}\n"
    "  recruit2: {change: {E: +1}, rate: s, factors: [{hill: D, half: h, n: 2}]}\n"
    "  recruit1: {change: {E: +1}, rate: s, factors: [{hill: D, half: h}]}\n"
    "  immune: {change: {A: -1}, rate: kill, factors: [{species: E}, {species: A}, "
    "{saturate: [A, M], half: kmax/kill}]}\n"
    "  danger: {change: {M: -1, D: +q}, rate: 1.5, factors: [{species: M}]}\n"
    "arms:\n"
    "  untreated: {}\n"
    "outcomes:\n"
    "  tumour: [A, M]\n";

enum { P_B, P_K, P_KD, P_H, P_S, P_KILL, P_KMAX, P_Q, P_KE, P_A0, N_PARAMS };
enum { R_GROW, R_SWITCH, R_RECRUIT2, R_RECRUIT1, R_IMMUNE, R_DANGER, N_REACTIONS };
enum { S_A, S_M, S_D, S_E, N_SPECIES };

static const double default_param[N_PARAMS] = {0.5, 1000, 2, 40, 7, 0.01, 50, 3.4, 1, 99.5};

typedef struct fixture {
  cs_cohort *cohort;
  cs_model *model;
  cs_kinetics *kinetics;
  double param[N_PARAMS];
} fixture;

static int setup(void **state)
{
  static fixture f;
  cs_error err = {0};
  memset(&f, 0, sizeof f);
  if (cs_cohort_load_string(network_yaml, "model_test", 0, NULL, &f.cohort, &err) != CS_OK) {
    print_error("cohort: %s\n", err.message);
    return -1;
  }
  if (cs_model_create(f.cohort, &f.model, &err) != CS_OK ||
      cs_kinetics_create(f.model, &f.kinetics, &err) != CS_OK) {
    print_error("model: %s\n", err.message);
    return -1;
  }
  memcpy(f.param, default_param, sizeof f.param);
  if (cs_model_bind(f.model, f.param, f.kinetics, &err) != CS_OK) {
    print_error("bind: %s\n", err.message);
    return -1;
  }
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  cs_kinetics_destroy(&f->kinetics);
  cs_model_destroy(&f->model);
  cs_cohort_destroy(&f->cohort);
  return 0;
}

static double propensity(const fixture *f, int r, const int64_t *counts, const double *effect)
{
  return cs_model_propensity(f->model, f->kinetics, r, counts,
                             &(cs_drug_span){effect, effect, NULL, NULL});
}

static void test_structure(void **state)
{
  const fixture *f = *state;
  assert_int_equal(f->cohort->n_params, N_PARAMS);
  assert_int_equal(f->cohort->n_reactions, N_REACTIONS);
  assert_int_equal(f->cohort->n_species, N_SPECIES);
  assert_ptr_equal(cs_model_cohort(f->model), f->cohort);
  for (int r = 0; r < N_REACTIONS; r++)
    assert_int_equal(cs_model_uses_drugs(f->model, r), r == R_SWITCH);
  assert_true(cs_model_clearance_absorbing(f->model));
  const int64_t counts[N_SPECIES] = {100, 20, 30, 5};
  assert_int_equal(cs_model_burden(f->model, counts), 120);
}

/* Everything a patient's parameters determine, evaluated once. */
static void test_bind_values(void **state)
{
  const fixture *f = *state;
  const cs_kinetics *k = f->kinetics;
  const double rate[N_REACTIONS] = {0.5, 2, 7, 7, 0.01, 1.5};
  for (int r = 0; r < N_REACTIONS; r++)
    assert_true(k->rate[r] == rate[r]);
  assert_true(k->scale[R_GROW * CS_FACTOR_MAX + 1] == 1000.0);
  assert_true(k->scale[R_RECRUIT2 * CS_FACTOR_MAX + 0] == 40.0);
  assert_relative(k->scale[R_IMMUNE * CS_FACTOR_MAX + 2], 5000.0, REL);
  /* Changes: A -1, M +1 for switch; M -1 and D +round(3.4) = +3 for danger. */
  assert_int_equal(k->change[R_SWITCH * CS_CHANGE_MAX + 0], -1);
  assert_int_equal(k->change[R_SWITCH * CS_CHANGE_MAX + 1], 1);
  assert_int_equal(k->change[R_DANGER * CS_CHANGE_MAX + 0], -1);
  assert_int_equal(k->change[R_DANGER * CS_CHANGE_MAX + 1], 3);
  assert_true(k->elimination[0] == 1.0);
  assert_relative(k->elimination[1], log(2.0) / 2.0, REL);
  /* Initial counts are rounded: 99.5 to 100. */
  const int64_t initial[N_SPECIES] = {100, 20, 30, 5};
  for (int s = 0; s < N_SPECIES; s++)
    assert_int_equal(k->initial[s], initial[s]);
}

/* At A = 100, M = 20, D = 30, E = 5 with effects 0.25 (c1) and 0.6 (c2):
 *   grow      0.5 * 100 * (1 - 120/1000)            = 44
 *   switch    2 * 100 * 0.25 * (1 - 0.6)            = 20
 *   recruit2  7 * 30^2 / (40^2 + 30^2)              = 2.52
 *   recruit1  7 * 30 / (40 + 30)                    = 3
 *   immune    0.01 * 5 * 100 / (1 + 120/(50/0.01))  = 4.8828125
 *   danger    1.5 * 20                              = 30 */
static void test_propensity_by_hand(void **state)
{
  const fixture *f = *state;
  const int64_t counts[N_SPECIES] = {100, 20, 30, 5};
  const double effect[2] = {0.25, 0.6};
  const double expected[N_REACTIONS] = {44, 20, 2.52, 3, 4.8828125, 30};
  for (int r = 0; r < N_REACTIONS; r++)
    assert_relative(propensity(f, r, counts, effect), expected[r], REL);
}

/* The limits of each factor: logistic clipped at 0 above capacity, Hill 0 at 0, no drug
 * no effect, a full inhibitor nothing left, and nothing at all with every count at 0. */
static void test_propensity_limits(void **state)
{
  const fixture *f = *state;
  const double none[2] = {0, 0};
  const double full[2] = {1, 1};
  const int64_t crowded[N_SPECIES] = {990, 20, 0, 5};
  assert_true(propensity(f, R_GROW, crowded, none) == 0.0);
  assert_true(propensity(f, R_RECRUIT2, crowded, none) == 0.0);
  assert_true(propensity(f, R_RECRUIT1, crowded, none) == 0.0);
  const int64_t at_capacity[N_SPECIES] = {980, 20, 40, 5};
  assert_true(propensity(f, R_GROW, at_capacity, none) == 0.0);
  /* Hill at its half-saturation gives half the rate, for either exponent. */
  assert_relative(propensity(f, R_RECRUIT2, at_capacity, none), 3.5, REL);
  assert_relative(propensity(f, R_RECRUIT1, at_capacity, none), 3.5, REL);
  const int64_t counts[N_SPECIES] = {100, 20, 30, 5};
  assert_true(propensity(f, R_SWITCH, counts, none) == 0.0);
  assert_true(propensity(f, R_SWITCH, counts, full) == 0.0);
  const double on_only[2] = {1, 0};
  assert_relative(propensity(f, R_SWITCH, counts, on_only), 200.0, REL);
  const int64_t empty[N_SPECIES] = {0, 0, 0, 0};
  for (int r = 0; r < N_REACTIONS; r++)
    assert_true(propensity(f, r, empty, on_only) == 0.0);
}

/* Passing the largest effects as effect_max and the smallest as effect_min bounds the
 * propensity over every combination in between (EFFECT rises with f, INHIBIT falls). */
static void test_bound_dominates(void **state)
{
  const fixture *f = *state;
  const int64_t counts[N_SPECIES] = {100, 20, 30, 5};
  const double effect_max[2] = {0.5, 0.6}, effect_min[2] = {0.25, 0.2};
  const double bound =
      cs_model_propensity(f->model, f->kinetics, R_SWITCH, counts,
                          &(cs_drug_span){effect_min, effect_max, NULL, NULL});
  assert_relative(bound, 2 * 100 * 0.5 * (1 - 0.2), REL); /* 80 */
  for (int i = 0; i <= 4; i++)
    for (int j = 0; j <= 4; j++) {
      const double effect[2] = {0.25 + 0.0625 * i, 0.2 + 0.1 * j};
      const double a = propensity(f, R_SWITCH, counts, effect);
      if (!(a <= bound))
        fail_msg("propensity %.17g at effects (%g, %g) exceeds the bound %.17g", a, effect[0],
                 effect[1], bound);
    }
  /* Reactions without drug factors ignore the effects. */
  assert_relative(
      cs_model_propensity(f->model, f->kinetics, R_GROW, counts,
                          &(cs_drug_span){effect_min, effect_max, NULL, NULL}),
      44.0,
      REL);
}

/* Firing applies the bound stoichiometry, parameter-driven amounts rounded, and leaves
 * other species alone. */
static void test_fire(void **state)
{
  fixture *f = *state;
  int64_t counts[N_SPECIES] = {100, 20, 30, 5};
  cs_model_fire(f->model, f->kinetics, R_SWITCH, counts);
  assert_true(counts[S_A] == 99 && counts[S_M] == 21 && counts[S_D] == 30 && counts[S_E] == 5);
  cs_model_fire(f->model, f->kinetics, R_DANGER, counts);
  assert_true(counts[S_A] == 99 && counts[S_M] == 20 && counts[S_D] == 33 && counts[S_E] == 5);
  cs_model_fire(f->model, f->kinetics, R_GROW, counts);
  cs_model_fire(f->model, f->kinetics, R_RECRUIT1, counts);
  cs_model_fire(f->model, f->kinetics, R_IMMUNE, counts);
  assert_true(counts[S_A] == 99 && counts[S_M] == 20 && counts[S_D] == 33 && counts[S_E] == 6);

  /* Another patient: q = 3.6 rounds to 4, q = 2.5 to 3 (half away from zero). */
  cs_error err = {0};
  f->param[P_Q] = 3.6;
  assert_int_equal(cs_model_bind(f->model, f->param, f->kinetics, &err), CS_OK);
  cs_model_fire(f->model, f->kinetics, R_DANGER, counts);
  assert_int_equal(counts[S_D], 37);
  f->param[P_Q] = 2.5;
  assert_int_equal(cs_model_bind(f->model, f->param, f->kinetics, &err), CS_OK);
  cs_model_fire(f->model, f->kinetics, R_DANGER, counts);
  assert_int_equal(counts[S_D], 40);
  assert_int_equal(counts[S_M], 18);
}

/* Binding again with other values replaces every value. */
static void test_rebind(void **state)
{
  fixture *f = *state;
  cs_error err = {0};
  f->param[P_B] = 0.25;
  f->param[P_K] = 240;
  f->param[P_A0] = 7.4;
  assert_int_equal(cs_model_bind(f->model, f->param, f->kinetics, &err), CS_OK);
  const int64_t counts[N_SPECIES] = {100, 20, 30, 5};
  const double none[2] = {0, 0};
  assert_relative(propensity(f, R_GROW, counts, none), 0.25 * 100 * 0.5, REL);
  assert_int_equal(f->kinetics->initial[S_A], 7);
}

/* Binds `value` into parameter p and expects CS_ERR_COHORT with `needle` in the message. */
static void expect_bind_error(fixture *f, int p, double value, const char *needle)
{
  cs_error err = {0};
  memcpy(f->param, default_param, sizeof f->param);
  f->param[p] = value;
  assert_int_equal(cs_model_bind(f->model, f->param, f->kinetics, &err), CS_ERR_COHORT);
  assert_int_equal(err.status, CS_ERR_COHORT);
  if (strstr(err.message, needle) == NULL)
    fail_msg("parameter %d = %g: message '%s' does not contain '%s'", p, value, err.message,
             needle);
}

/* Every unusable value is refused, naming what it belongs to. */
static void test_bind_errors(void **state)
{
  fixture *f = *state;
  expect_bind_error(f, P_B, -0.5, "reaction 'grow'");
  expect_bind_error(f, P_B, NAN, "reaction 'grow'");
  expect_bind_error(f, P_KD, INFINITY, "reaction 'switch'");
  expect_bind_error(f, P_K, 0, "reaction 'grow', factor 2");
  expect_bind_error(f, P_K, -1, "reaction 'grow', factor 2");
  expect_bind_error(f, P_H, 0, "reaction 'recruit2', factor 1");
  /* kill = 0 is a valid rate, but makes the half-saturation kmax/kill infinite. */
  expect_bind_error(f, P_KILL, 0, "reaction 'immune', factor 3");
  expect_bind_error(f, P_Q, 1e19, "reaction 'danger'");
  expect_bind_error(f, P_Q, NAN, "reaction 'danger'");
  /* A produced amount computed from a patient's parameters may not turn negative: only
   * a literal -1 consumes. */
  expect_bind_error(f, P_Q, -3, "reaction 'danger': an amount produced");
  expect_bind_error(f, P_KE, 0, "drug 'c1'");
  expect_bind_error(f, P_KE, -2, "drug 'c1'");
  expect_bind_error(f, P_A0, -3, "species 'A'");
  expect_bind_error(f, P_A0, 1e19, "species 'A'");
  expect_bind_error(f, P_A0, NAN, "species 'A'");
  /* The boundaries themselves are fine: a rate of 0 and an initial count of 0. */
  cs_error err = {0};
  memcpy(f->param, default_param, sizeof f->param);
  f->param[P_B] = 0;
  f->param[P_A0] = 0;
  assert_int_equal(cs_model_bind(f->model, f->param, f->kinetics, &err), CS_OK);
}

/* The dependency graph, worked out by hand from which species each reaction changes and
 * which species each propensity reads (logistic and saturating sums included; drugs not):
 *   grow     changes A     read by grow, switch, immune
 *   switch   changes A, M  read by grow, switch, immune, danger
 *   recruit* change  E     read by immune
 *   immune   changes A     read by grow, switch, immune
 *   danger   changes M, D  read by grow, recruit2, recruit1, immune, danger */
static void test_dependents_by_hand(void **state)
{
  const fixture *f = *state;
  static const int expected[N_REACTIONS][N_REACTIONS + 1] = {
      /* count, then the reactions in increasing order */
      {3, R_GROW, R_SWITCH, R_IMMUNE},
      {4, R_GROW, R_SWITCH, R_IMMUNE, R_DANGER},
      {1, R_IMMUNE},
      {1, R_IMMUNE},
      {3, R_GROW, R_SWITCH, R_IMMUNE},
      {5, R_GROW, R_RECRUIT2, R_RECRUIT1, R_IMMUNE, R_DANGER},
  };
  for (int r = 0; r < N_REACTIONS; r++) {
    const int *dependents = NULL;
    int n = -1;
    cs_model_dependents(f->model, r, &dependents, &n);
    if (n != expected[r][0])
      fail_msg("reaction %d has %d dependents, expected %d", r, n, expected[r][0]);
    for (int i = 0; i < n; i++)
      if (dependents[i] != expected[r][i + 1])
        fail_msg("reaction %d: dependent %d is %d, expected %d", r, i, dependents[i],
                 expected[r][i + 1]);
  }
}

/* The property the engine relies on: after any reaction fires, every propensity that
 * changed belongs to a dependent of that reaction. Checked from a spread of states, with
 * drug effects held fixed (they change with time, not with firings). */
static void test_dependents_cover_every_change(void **state)
{
  const fixture *f = *state;
  const double effect[2] = {0.3, 0.45};
  static const int64_t states[][N_SPECIES] = {
      {100, 20, 30, 5}, {1, 0, 0, 0}, {0, 1, 1, 1}, {980, 19, 39, 2}, {5, 5, 0, 100}};
  for (size_t s = 0; s < sizeof states / sizeof states[0]; s++)
    for (int r = 0; r < N_REACTIONS; r++) {
      int64_t counts[N_SPECIES];
      memcpy(counts, states[s], sizeof counts);
      double before[N_REACTIONS];
      for (int q = 0; q < N_REACTIONS; q++)
        before[q] = propensity(f, q, counts, effect);
      if (before[r] == 0)
        continue; /* it cannot fire here */
      cs_model_fire(f->model, f->kinetics, r, counts);
      const int *dependents = NULL;
      int n = 0;
      cs_model_dependents(f->model, r, &dependents, &n);
      for (int q = 0; q < N_REACTIONS; q++) {
        if (propensity(f, q, counts, effect) == before[q])
          continue;
        bool listed = false;
        for (int i = 0; i < n; i++)
          listed = listed || dependents[i] == q;
        if (!listed)
          fail_msg("state %zu: firing %d changes the propensity of %d, not a dependent", s, r, q);
      }
    }
}

/* The burden change per firing is the sum of the tumour species' changes (A and M):
 * +1 for grow, 0 for switch (A to M), -1 for immune and danger (M -1; D is not tumour). */
static void test_burden_change(void **state)
{
  const fixture *f = *state;
  static const int64_t expected[N_REACTIONS] = {1, 0, 0, 0, -1, -1};
  for (int r = 0; r < N_REACTIONS; r++) {
    assert_int_equal(f->kinetics->burden_change[r], expected[r]);
    int64_t counts[N_SPECIES] = {100, 20, 30, 5};
    const int64_t before = cs_model_burden(f->model, counts);
    cs_model_fire(f->model, f->kinetics, r, counts);
    assert_int_equal(cs_model_burden(f->model, counts) - before, expected[r]);
  }
}

static cs_model *model_of(const char *yaml, cs_cohort **cohort)
{
  cs_error err = {0};
  cs_model *model = NULL;
  if (cs_cohort_load_string(yaml, "absorbing_test", 0, NULL, cohort, &err) != CS_OK)
    fail_msg("cohort: %s", err.message);
  assert_int_equal(cs_model_create(*cohort, &model, &err), CS_OK);
  return model;
}

#define ABSORBING_HEAD                                                                             \
  "name: absorbing\n"                                                                              \
  "followup_days: 5\n"                                                                             \
  "species: {T: {initial: 10}, E: {initial: 3}}\n"                                                 \
  "arms: {none: {}}\n"                                                                             \
  "outcomes: {tumour: [T]}\n"

/* Clearance is absorbing unless some reaction can add tumour cells at zero burden:
 * immigration (no factors), growth driven only by a non-tumour species, or growth whose
 * only tumour factor (a logistic one) is not zero at zero burden. */
static void test_clearance_absorbing(void **state)
{
  (void)state;
  static const struct {
    const char *yaml;
    bool absorbing;
  } cases[] = {
      {ABSORBING_HEAD "reactions: {birth: {change: {T: +1}, rate: 1, factors: [{species: T}]},"
                      " death: {change: {T: -1}, rate: 1, factors: [{species: T}]}}\n",
       true},
      {ABSORBING_HEAD "reactions: {birth: {change: {T: +1}, rate: 1, factors: [{species: T}]},"
                      " influx: {change: {T: +1}, rate: 0.5}}\n",
       false},
      {ABSORBING_HEAD "reactions: {seeded: {change: {T: +1}, rate: 1, factors: [{species: E}]}}\n",
       false},
      {ABSORBING_HEAD "reactions: {crowd: {change: {T: +1}, rate: 1, factors: [{logistic: [T], "
                      "capacity: 100}]}}\n",
       false},
      {ABSORBING_HEAD "reactions: {influx: {change: {E: +1}, rate: 2},"
                      " kill: {change: {T: -1}, rate: 1, factors: [{species: E}, {species: "
                      "T}]}}\n",
       true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cs_cohort *cohort = NULL;
    cs_model *model = model_of(cases[i].yaml, &cohort);
    if (cs_model_clearance_absorbing(model) != cases[i].absorbing)
      fail_msg("case %zu: clearance_absorbing should be %d", i, cases[i].absorbing);
    cs_model_destroy(&model);
    assert_null(model);
    cs_cohort_destroy(&cohort);
  }
}

/* ---- stoichiometric mass action and general rate laws ------------------------------- */

static const char rate_law_yaml[] =
    "name: rate_laws\n"
    "followup_days: 10\n"
    "parameters: {k: 0.5, kcat: 3, Km: 20, kd: 2, ke: 1}\n"
    "species:\n"
    "  S: {initial: 100}\n"
    "  E: {initial: 10}\n"
    "  P: {initial: 0}\n"
    "drugs:\n"
    "  c: {elimination_per_day: ke}\n"
    "  c2: {half_life_days: 2}\n"
    "reactions:\n"
    "  dimer: {reactants: {S: 2}, products: {P: 1}, mass_action: k}\n"
    "  trimer: {reactants: {S: 3}, products: {P: 1}, mass_action: k}\n"
    "  mm: {reactants: {S: 1}, products: {P: 1}, rate: \"kcat*E*S/(Km + S)\"}\n"
    "  pair: {reactants: {S: 2}, products: {P: 1}, rate: k}\n"
    "  take3: {change: {S: -3, P: +1}, rate: k}\n"
    "  shift: {products: {P: 1}, rate: \"k*(S - 10)\"}\n"
    "  kill: {reactants: {S: 1}, rate: \"kd*effect(c)*S\"}\n"
    "  mixed: {reactants: {E: 1}, rate: \"k*E*inhibit(c)*hill(c2, 2, 3)/(1 + S/Km)\"}\n"
    "  influx: {products: {E: 1}, rate: \"k*effect(c2)\"}\n"
    "arms:\n"
    "  untreated: {}\n"
    "outcomes: {tumour: [S]}\n";

enum { L_DIMER, L_TRIMER, L_MM, L_PAIR, L_TAKE3, L_SHIFT, L_KILL, L_MIXED, L_INFLUX, N_LAWS };
enum { L_S, L_E, L_P };

static int setup_laws(void **state)
{
  static fixture f;
  cs_error err = {0};
  memset(&f, 0, sizeof f);
  const double values[] = {0.5, 3, 20, 2, 1};
  memcpy(f.param, values, sizeof values);
  if (cs_cohort_load_string(rate_law_yaml, "rate_laws", 0, NULL, &f.cohort, &err) != CS_OK ||
      cs_model_create(f.cohort, &f.model, &err) != CS_OK ||
      cs_kinetics_create(f.model, &f.kinetics, &err) != CS_OK ||
      cs_model_bind(f.model, f.param, f.kinetics, &err) != CS_OK) {
    print_error("rate laws: %s\n", err.message);
    return -1;
  }
  *state = &f;
  return 0;
}

/* The propensity at one time, with the drugs at concentrations `conc`. */
static double law_at(const fixture *f, int r, const int64_t *counts, const double *conc)
{
  double effect[2];
  for (int d = 0; d < 2; d++)
    effect[d] = conc[d] / (1 + conc[d]);
  return cs_model_propensity(f->model, f->kinetics, r, counts,
                             &(cs_drug_span){effect, effect, conc, conc});
}

static void test_rate_law_propensities(void **state)
{
  const fixture *f = *state;
  const double none[2] = {0, 0};
  const double conc[2] = {1, 3};
  int64_t counts[3] = {5, 10, 0};
  /* C(5, 2) = 10 and C(5, 3) = 10; C(X, k) = 0 below k copies. */
  assert_relative(law_at(f, L_DIMER, counts, none), 0.5 * 10, REL);
  assert_relative(law_at(f, L_TRIMER, counts, none), 0.5 * 10, REL);
  assert_relative(law_at(f, L_MM, counts, none), 3.0 * 10 * 5 / 25, REL);
  assert_relative(law_at(f, L_KILL, counts, conc), 2 * 0.5 * 5, REL);
  assert_relative(law_at(f, L_MIXED, counts, conc),
                   0.5 * 10 * 0.5 * (27.0 / (8 + 27)) / (1 + 5.0 / 20), REL);
  assert_relative(law_at(f, L_INFLUX, counts, conc), 0.5 * 0.75, REL);
  counts[L_S] = 2;
  assert_relative(law_at(f, L_TRIMER, counts, none), 0, REL);
  assert_relative(law_at(f, L_DIMER, counts, none), 0.5, REL);
  counts[L_S] = 1;
  assert_true(law_at(f, L_DIMER, counts, none) == 0);
  counts[L_S] = 0;
  assert_true(law_at(f, L_MM, counts, none) == 0);

  /* The negativity rule: a constant rate law is 0 while a consumption cannot be met. */
  for (int64_t s = 0; s <= 4; s++) {
    counts[L_S] = s;
    assert_true(law_at(f, L_PAIR, counts, none) == (s >= 2 ? 0.5 : 0.0));
    assert_true(law_at(f, L_TAKE3, counts, none) == (s >= 3 ? 0.5 : 0.0));
  }
  /* A rate law below 0 is not a number (the engines report it, naming the reaction). */
  counts[L_S] = 5;
  assert_true(isnan(law_at(f, L_SHIFT, counts, none)));
  counts[L_S] = 12;
  assert_relative(law_at(f, L_SHIFT, counts, none), 1.0, REL);
}

static void test_rate_law_structure(void **state)
{
  const fixture *f = *state;
  for (int r = 0; r < N_LAWS; r++) {
    const bool drugs = r == L_KILL || r == L_MIXED || r == L_INFLUX;
    assert_int_equal(cs_model_uses_drugs(f->model, r), drugs);
    assert_int_equal(cs_model_drug_formula(f->model, r), drugs);
  }
  /* Dependents read what the fired reaction changes: E is read by mm and mixed (and
   * influx changes only E); S by everything reading S, through a factor, a formula or
   * the negativity rule (pair and take3 read S only so). */
  static const int expected_influx[] = {L_MM, L_MIXED};
  const int *dependents = NULL;
  int n = -1;
  cs_model_dependents(f->model, L_INFLUX, &dependents, &n);
  assert_int_equal(n, 2);
  assert_memory_equal(dependents, expected_influx, sizeof expected_influx);
  static const int expected_dimer[] = {L_DIMER, L_TRIMER, L_MM,   L_PAIR,
                                       L_TAKE3, L_SHIFT,  L_KILL, L_MIXED};
  cs_model_dependents(f->model, L_DIMER, &dependents, &n);
  assert_int_equal(n, 8);
  assert_memory_equal(dependents, expected_dimer, sizeof expected_dimer);
}

/* The exact engine's thinning bound: over a window in which each concentration decays
 * from c0 to c0 e^{-k h}, the propensity evaluated on the span (effects and
 * concentrations between their values at the window's ends) is at least the propensity
 * at every time inside. Random windows, times and counts (fixed seed). */
static void test_rate_law_bound_dominates(void **state)
{
  const fixture *f = *state;
  uint64_t x = 0x9e3779b97f4a7c15u;
  for (int trial = 0; trial < 20000; trial++) {
    double u[6];
    for (int i = 0; i < 6; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
      u[i] = (double)(x >> 11) * 0x1.0p-53;
    }
    const int64_t counts[3] = {(int64_t)(u[0] * 200), (int64_t)(u[1] * 50), 0};
    const double c0[2] = {u[2] * 20, u[3] * 5}, rate[2] = {1, log(2) / 2};
    const double h = u[4] * 3, t = u[5] * h;
    double conc_start[2], conc_end[2], effect_start[2], effect_end[2], conc_t[2];
    for (int d = 0; d < 2; d++) {
      conc_start[d] = c0[d];
      conc_end[d] = c0[d] * exp(-rate[d] * h);
      conc_t[d] = c0[d] * exp(-rate[d] * t);
      effect_start[d] = conc_start[d] / (1 + conc_start[d]);
      effect_end[d] = conc_end[d] / (1 + conc_end[d]);
    }
    const cs_drug_span window = {effect_end, effect_start, conc_end, conc_start};
    for (int r = 0; r < N_LAWS; r++) {
      const double bound = cs_model_propensity(f->model, f->kinetics, r, counts, &window);
      const double value = law_at(f, r, counts, conc_t);
      if (isnan(value))
        continue; /* shift below S = 10: an error the engines report */
      if (!(bound >= value))
        fail_msg("reaction %d, trial %d: bound %.17g below the propensity %.17g", r, trial,
                 bound, value);
    }
  }
}

static void test_destroy_accepts_null(void **state)
{
  (void)state;
  cs_model *model = NULL;
  cs_kinetics *kinetics = NULL;
  cs_model_destroy(&model);
  cs_model_destroy(NULL);
  cs_kinetics_destroy(&kinetics);
  cs_kinetics_destroy(NULL);
  assert_null(model);
  assert_null(kinetics);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bind_values, setup, teardown),
      cmocka_unit_test_setup_teardown(test_propensity_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_propensity_limits, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bound_dominates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fire, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rebind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bind_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dependents_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dependents_cover_every_change, setup, teardown),
      cmocka_unit_test_setup_teardown(test_burden_change, setup, teardown),
      cmocka_unit_test(test_clearance_absorbing),
      cmocka_unit_test(test_destroy_accepts_null),
      cmocka_unit_test_setup_teardown(test_rate_law_propensities, setup_laws, teardown),
      cmocka_unit_test_setup_teardown(test_rate_law_structure, setup_laws, teardown),
      cmocka_unit_test_setup_teardown(test_rate_law_bound_dominates, setup_laws, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
