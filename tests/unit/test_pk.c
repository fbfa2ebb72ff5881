/* Unit tests of the drug-level module: exact exponential decay between doses, superposition
 * of doses, effects f = C/(1+C) and their integral over an interval (against quadrature
 * and by hand), the fastest decay among drugs present, reset, and the lifecycle (destroy
 * accepts NULL and clears the pointer).
 *
 * Values that the formulas give exactly are compared bit for bit or to a few units in the
 * last place, where the order of operations legitimately differs.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cohortsim/pk.h"
#include "cs_test_support.h"

#define REL 4e-16 /* two units in the last place */

static const double elimination[3] = {0.5, 2.0, 0.1}; /* per day */

static int setup_pk(void **state)
{
  cs_error err = {0};
  cs_pk *pk = NULL;
  if (cs_pk_create(3, &pk, &err) != CS_OK)
    return -1;
  cs_pk_reset(pk, elimination);
  *state = pk;
  return 0;
}

static int teardown_pk(void **state)
{
  cs_pk *pk = *state;
  cs_pk_destroy(&pk);
  return 0;
}

static void test_create_destroy(void **state)
{
  (void)state;
  cs_error err = {0};
  cs_pk *pk = NULL;
  assert_int_equal(cs_pk_create(0, &pk, &err), CS_OK);
  assert_int_equal(err.status, CS_OK);
  assert_non_null(pk);
  assert_int_equal(pk->n_drugs, 0);
  cs_pk_reset(pk, NULL);
  assert_true(cs_pk_fastest_decay(pk) == 0.0);
  cs_pk_destroy(&pk);
  assert_null(pk);
  cs_pk_destroy(&pk); /* a cleared pointer */
  cs_pk_destroy(NULL);
}

static void test_starts_at_zero(void **state)
{
  const cs_pk *pk = *state;
  double conc[3] = {-1, -1, -1}, effect[3] = {-1, -1, -1};
  cs_pk_concentration(pk, 0.0, conc);
  cs_pk_effect(pk, 5.0, effect);
  for (int d = 0; d < 3; d++) {
    assert_true(conc[d] == 0.0);
    assert_true(effect[d] == 0.0);
  }
  assert_true(cs_pk_fastest_decay(pk) == 0.0);
}

/* One bolus of C0 at t0 gives C(t) = C0 exp(-k (t - t0)) and leaves the other drugs at 0. */
static void test_single_dose_decays_exponentially(void **state)
{
  cs_pk *pk = *state;
  const double c0 = 3.0, t0 = 1.5;
  cs_pk_dose(pk, t0, 0, c0);
  double conc[3];
  cs_pk_concentration(pk, t0, conc);
  assert_true(conc[0] == c0);
  assert_true(conc[1] == 0.0 && conc[2] == 0.0);
  const double times[] = {1.5, 2.0, 3.5, 10.0, 101.5};
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
    cs_pk_concentration(pk, times[i], conc);
    assert_relative(conc[0], c0 * exp(-0.5 * (times[i] - t0)), REL);
    assert_true(conc[1] == 0.0 && conc[2] == 0.0);
  }
  /* Two half-lives (ln 2 / k each) quarter the level. */
  cs_pk_concentration(pk, t0 + 2 * log(2.0) / 0.5, conc);
  assert_relative(conc[0], c0 / 4, 1e-15);
}

/* Doses add: C(t) is the sum of each dose's exponential, for repeat doses of one drug
 * and for doses of several drugs, each decaying at its own rate. */
static void test_doses_superpose(void **state)
{
  cs_pk *pk = *state;
  cs_pk_dose(pk, 0.0, 0, 2.0);
  cs_pk_dose(pk, 0.0, 1, 5.0);
  cs_pk_dose(pk, 2.0, 0, 1.0);
  cs_pk_dose(pk, 3.0, 2, 0.25);
  double conc[3];
  for (int i = 0; i <= 4; i++) {
    const double t = 3.0 + 1.5 * i;
    cs_pk_concentration(pk, t, conc);
    assert_relative(conc[0], 2.0 * exp(-0.5 * t) + 1.0 * exp(-0.5 * (t - 2.0)), 1e-14);
    assert_relative(conc[1], 5.0 * exp(-2.0 * t), 1e-14);
    assert_relative(conc[2], 0.25 * exp(-0.1 * (t - 3.0)), 1e-14);
  }
}

/* Two doses of the same drug at the same time are one dose of the sum. */
static void test_simultaneous_doses_add(void **state)
{
  cs_pk *pk = *state;
  cs_pk_dose(pk, 4.0, 1, 1.0);
  cs_pk_dose(pk, 4.0, 1, 2.0);
  double conc[3];
  cs_pk_concentration(pk, 4.0, conc);
  assert_true(conc[1] == 3.0);
  cs_pk_concentration(pk, 5.0, conc);
  assert_relative(conc[1], 3.0 * exp(-2.0), REL);
}

static void test_effect_is_c_over_one_plus_c(void **state)
{
  cs_pk *pk = *state;
  cs_pk_dose(pk, 0.0, 0, 1.0); /* C = EC50: half effect */
  cs_pk_dose(pk, 0.0, 1, 3.0);
  double effect[3], conc[3];
  cs_pk_effect(pk, 0.0, effect);
  assert_true(effect[0] == 0.5);
  assert_true(effect[1] == 0.75);
  assert_true(effect[2] == 0.0);
  for (int i = 0; i < 5; i++) {
    const double t = 0.25 + 0.75 * i;
    cs_pk_effect(pk, t, effect);
    cs_pk_concentration(pk, t, conc);
    for (int d = 0; d < 3; d++) {
      assert_relative(effect[d], conc[d] / (1.0 + conc[d]), REL);
      assert_true(effect[d] >= 0.0 && effect[d] < 1.0);
    }
  }
}

/* Only drugs that are present count: the fastest decay is 0 with none, the rate of the
 * only drug given, and the largest once a faster one is given too. */
static void test_fastest_decay_ignores_absent_drugs(void **state)
{
  cs_pk *pk = *state;
  assert_true(cs_pk_fastest_decay(pk) == 0.0);
  cs_pk_dose(pk, 0.0, 2, 0.0); /* a zero dose leaves the drug absent */
  assert_true(cs_pk_fastest_decay(pk) == 0.0);
  cs_pk_dose(pk, 0.0, 2, 1.0);
  assert_true(cs_pk_fastest_decay(pk) == 0.1);
  cs_pk_dose(pk, 1.0, 0, 1.0);
  assert_true(cs_pk_fastest_decay(pk) == 0.5);
  cs_pk_dose(pk, 2.0, 1, 1.0);
  assert_true(cs_pk_fastest_decay(pk) == 2.0);
}

/* A reset starts a new patient: every drug at zero at time 0, with the new rates. */
static void test_reset_starts_a_new_patient(void **state)
{
  cs_pk *pk = *state;
  cs_pk_dose(pk, 5.0, 0, 4.0);
  cs_pk_dose(pk, 6.0, 1, 4.0);
  static const double other[3] = {1.0, 1.0, 1.0};
  cs_pk_reset(pk, other);
  double conc[3];
  cs_pk_concentration(pk, 0.0, conc);
  for (int d = 0; d < 3; d++)
    assert_true(conc[d] == 0.0);
  assert_true(cs_pk_fastest_decay(pk) == 0.0);
  assert_true(pk->t_ref == 0.0);
  cs_pk_dose(pk, 1.0, 2, 2.0);
  cs_pk_concentration(pk, 2.0, conc);
  assert_relative(conc[2], 2.0 * exp(-1.0), REL);
}

/* The effect integrated by Simpson's rule on 2000 intervals: error below 1e-13 for these
 * smooth integrands, far below the tolerances used. */
static double simpson_effect(const cs_pk *pk, int drug, double t0, double t1)
{
  enum { STEPS = 2000 };
  const double h = (t1 - t0) / STEPS;
  double effect[3], sum = 0;
  for (int i = 0; i <= STEPS; i++) {
    cs_pk_effect(pk, t0 + h * i, effect);
    sum += (i == 0 || i == STEPS ? 1 : i % 2 == 1 ? 4 : 2) * effect[drug];
  }
  return sum * h / 3;
}

/* cs_pk_effect_integral over [t0, t1] of the pk's drug, from the concentration at t0. */
static double effect_integral(const cs_pk *pk, int drug, double t0, double t1)
{
  double conc[3];
  cs_pk_concentration(pk, t0, conc);
  const double rate = elimination[drug];
  return cs_pk_effect_integral(conc[drug], rate, exp(-rate * (t1 - t0)));
}

/* The closed form (1/k) ln((1 + C(t0)) / (1 + C(t1))) agrees with quadrature of
 * C/(1+C), splits additively over a midpoint, is 0 over an empty interval or for a drug
 * that is absent, and keeps full relative accuracy at tiny concentrations, where
 * C/(1+C) ~ C integrates to C(t0)(1 - exp(-k (t1 - t0)))/k. */
static void test_effect_integral(void **state)
{
  cs_pk *pk = *state;
  cs_pk_dose(pk, 0.5, 0, 4.0);
  /* By hand: drug 0 is 4 exp(-0.5 (t - 0.5)), so from 0.5 to 2.5 the integral is
   * 2 ln(5 / (1 + 4/e)). */
  assert_relative(effect_integral(pk, 0, 0.5, 2.5), 2 * log(5 / (1 + 4 * exp(-1.0))), 1e-15);
  cs_pk_dose(pk, 1.0, 1, 0.7); /* from here on, intervals start at 1.0 or later */
  assert_relative(effect_integral(pk, 0, 1.0, 3.0), simpson_effect(pk, 0, 1.0, 3.0), 1e-12);
  assert_relative(effect_integral(pk, 1, 1.0, 1.25), simpson_effect(pk, 1, 1.0, 1.25), 1e-12);
  assert_relative(effect_integral(pk, 0, 1.5, 9.0), simpson_effect(pk, 0, 1.5, 9.0), 1e-12);
  const double whole = effect_integral(pk, 0, 1.0, 5.0);
  assert_relative(effect_integral(pk, 0, 1.0, 2.2) + effect_integral(pk, 0, 2.2, 5.0), whole,
                  1e-15);
  assert_true(effect_integral(pk, 0, 2.0, 2.0) == 0.0);
  assert_true(effect_integral(pk, 2, 1.0, 5.0) == 0.0);

  cs_pk_reset(pk, elimination);
  const double tiny = 1e-12;
  cs_pk_dose(pk, 0.0, 2, tiny);
  assert_relative(effect_integral(pk, 2, 0.0, 10.0), tiny * (1 - exp(-1.0)) / 0.1, 1e-10);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_destroy),
      cmocka_unit_test_setup_teardown(test_starts_at_zero, setup_pk, teardown_pk),
      cmocka_unit_test_setup_teardown(test_single_dose_decays_exponentially, setup_pk, teardown_pk),
      cmocka_unit_test_setup_teardown(test_doses_superpose, setup_pk, teardown_pk),
      cmocka_unit_test_setup_teardown(test_simultaneous_doses_add, setup_pk, teardown_pk),
      cmocka_unit_test_setup_teardown(test_effect_is_c_over_one_plus_c, setup_pk, teardown_pk),
      cmocka_unit_test_setup_teardown(test_fastest_decay_ignores_absent_drugs, setup_pk,
                                      teardown_pk),
      cmocka_unit_test_setup_teardown(test_reset_starts_a_new_patient, setup_pk, teardown_pk),
      cmocka_unit_test_setup_teardown(test_effect_integral, setup_pk, teardown_pk),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
