/* Unit tests of the survival module against the Gehan (1965) leukaemia remission data
 * (oracles.md, section 6), whose Kaplan-Meier curve, medians and log-rank test R's
 * survival package reports, plus the limit cases and error paths of every function.
 *
 * Published values carry the tolerance of their printed rounding; values derived by hand
 * from the formulas are checked to a few units in the last place.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/survival.h"
#include "cs_test_support.h"

#define GEHAN_N 21

/* 6-MP arm: 6 6 6 6* 7 9* 10 10* 11* 13 16 17* 19* 20* 22 23 25* 32* 32* 34* 35*. */
static const double mp_time[GEHAN_N] = {6,  6,  6,  6,  7,  9,  10, 10, 11, 13, 16,
                                        17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
static const unsigned char mp_event[GEHAN_N] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1,
                                                0, 0, 0, 1, 1, 0, 0, 0, 0, 0};

/* Placebo arm: no censoring. */
static const double pl_time[GEHAN_N] = {1, 1, 2,  2,  3,  4,  4,  5,  5,  8, 8,
                                        8, 8, 11, 11, 12, 12, 15, 17, 22, 23};
static const unsigned char pl_event[GEHAN_N] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                                1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

/* The 6-MP event times and R's summary(survfit(...)) at each. */
static const double mp_step[] = {6, 7, 10, 13, 16, 22, 23};
static const double mp_r_surv[] = {0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448};
static const double mp_r_se[] = {0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346};
/* The same S as exact products of (n - d) / n: 18/21, then 16/17, 14/15, 11/12, 10/11,
 * 6/7 and 5/6. */
static const double mp_exact_surv[] = {6.0 / 7.0,   96.0 / 119.0, 64.0 / 85.0,  176.0 / 255.0,
                                       32.0 / 51.0, 64.0 / 119.0, 160.0 / 357.0};
#define MP_STEPS (sizeof mp_step / sizeof mp_step[0])

static cs_km *fit_or_fail(size_t n, const double *time, const unsigned char *event)
{
  cs_error err = {0};
  cs_km *km = NULL;
  assert_int_equal(cs_km_fit(n, time, event, &km, &err), CS_OK);
  assert_int_equal(err.status, CS_OK);
  assert_non_null(km);
  return km;
}

/* A fixed permutation, i -> (stride i + offset) mod n, with stride coprime to n. */
static void permute(size_t n, size_t stride, size_t offset, const double *time,
                    const unsigned char *event, double *time_out, unsigned char *event_out)
{
  for (size_t i = 0; i < n; i++) {
    size_t j = (stride * i + offset) % n;
    time_out[j] = time[i];
    event_out[j] = event[i];
  }
}

static void assert_same_bits(double a, double b)
{
  assert_memory_equal(&a, &b, sizeof a);
}

static void test_km_gehan_survival(void **state)
{
  (void)state;
  cs_km *km = fit_or_fail(GEHAN_N, mp_time, mp_event);
  for (size_t k = 0; k < MP_STEPS; k++) {
    double s;
    cs_km_eval(km, mp_step[k], &s, NULL, NULL, NULL);
    assert_within(s, mp_r_surv[k], 5e-4);
    assert_within(s, mp_exact_surv[k], 1e-14);
    /* Right-continuity: just before an event time the curve still has its old value. */
    double before;
    cs_km_eval(km, mp_step[k] - 1e-9, &before, NULL, NULL, NULL);
    assert_within(before, k == 0 ? 1.0 : mp_exact_surv[k - 1], 1e-14);
  }
  /* Flat after the last event, through the censored tail. */
  double tail;
  cs_km_eval(km, 100.0, &tail, NULL, NULL, NULL);
  assert_within(tail, 160.0 / 357.0, 1e-14);
  cs_km_destroy(&km);
  assert_null(km);
}

static void test_km_gehan_std_error(void **state)
{
  (void)state;
  cs_km *km = fit_or_fail(GEHAN_N, mp_time, mp_event);
  for (size_t k = 0; k < MP_STEPS; k++) {
    double se;
    cs_km_eval(km, mp_step[k], NULL, &se, NULL, NULL);
    /* R prints four decimals, so the exact value is within 5e-5 of the printed one. */
    assert_within(se, mp_r_se[k], 1e-4);
  }
  /* By hand at t = 23: Greenwood's sum 3/(21 18) + 1/(17 16) + 1/(15 14) + 1/(12 11)
   * + 1/(11 10) + 1/(7 6) + 1/(6 5), times S^2. */
  double sum =
      3.0 / 378.0 + 1.0 / 272.0 + 1.0 / 210.0 + 1.0 / 132.0 + 1.0 / 110.0 + 1.0 / 42.0 + 1.0 / 30.0;
  double se;
  cs_km_eval(km, 23.0, NULL, &se, NULL, NULL);
  assert_within(se, 160.0 / 357.0 * sqrt(sum), 1e-14);
  cs_km_destroy(&km);
}

static void test_km_gehan_log_band(void **state)
{
  (void)state;
  cs_km *km = fit_or_fail(GEHAN_N, mp_time, mp_event);
  double s;
  double se;
  double lower;
  double upper;

  /* By hand, exp(log S -+ 1.96 se / S): at t = 6, S = 6/7 and se = 0.076360 give
   * [0.7198, 1.0198], clipped to [0.7198, 1] (R: 0.720, 1.000). */
  cs_km_eval(km, 6.0, &s, &se, &lower, &upper);
  assert_within(lower, 0.7198, 1e-4);
  assert_within(upper, 1.0, 0.0);
  assert_within(lower, s * exp(-1.959963984540054 * se / s), 1e-14);

  /* At t = 23, S = 160/357 = 0.448179 and se = 0.134591 give [0.2488, 0.8074]. */
  cs_km_eval(km, 23.0, &s, &se, &lower, &upper);
  assert_within(lower, 0.2488, 1e-4);
  assert_within(upper, 0.8074, 1e-4);
  assert_within(upper, s * exp(1.959963984540054 * se / s), 1e-14);

  /* Before the first event the curve is certain. */
  cs_km_eval(km, 5.0, &s, &se, &lower, &upper);
  assert_within(s, 1.0, 0.0);
  assert_within(se, 0.0, 0.0);
  assert_within(lower, 1.0, 0.0);
  assert_within(upper, 1.0, 0.0);
  cs_km_destroy(&km);
}

static void test_km_drops_to_zero(void **state)
{
  (void)state;
  cs_km *km = fit_or_fail(GEHAN_N, pl_time, pl_event);
  double s;
  double se;
  double lower;
  double upper;

  /* Placebo at 22: S = 1/21, then the last patient relapses at 23 and S = 0. */
  cs_km_eval(km, 22.0, &s, &se, &lower, &upper);
  assert_within(s, 1.0 / 21.0, 1e-15);
  assert_true(se > 0.0);
  assert_true(lower > 0.0 && lower < s && upper > s);
  static const double after[] = {23.0, 30.0};
  for (size_t k = 0; k < 2; k++) {
    cs_km_eval(km, after[k], &s, &se, &lower, &upper);
    assert_within(s, 0.0, 0.0);
    assert_within(se, 0.0, 0.0);
    assert_within(lower, 0.0, 0.0);
    assert_within(upper, 0.0, 0.0);
  }
  cs_km_destroy(&km);
}

static void test_km_gehan_median(void **state)
{
  (void)state;
  double median;
  double lower;
  double upper;

  /* R: placebo median 8, 0.95LCL 4, 0.95UCL 12. */
  cs_km *km = fit_or_fail(GEHAN_N, pl_time, pl_event);
  cs_km_median(km, &median, &lower, &upper);
  assert_within(median, 8.0, 0.0);
  assert_within(lower, 4.0, 0.0);
  assert_within(upper, 12.0, 0.0);
  cs_km_destroy(&km);

  /* 6-MP: median 23. The lower band is 0.5096 at 13 and 0.4394 at 16, so the lower limit
   * is 16 (R: 0.95LCL 16); the upper band never falls below 0.8074, so the upper limit is
   * not reached (R: NA). */
  km = fit_or_fail(GEHAN_N, mp_time, mp_event);
  cs_km_median(km, &median, &lower, &upper);
  assert_within(median, 23.0, 0.0);
  assert_within(lower, 16.0, 0.0);
  assert_true(isnan(upper));
  cs_km_destroy(&km);
}

static void test_km_median_exactly_half(void **state)
{
  (void)state;
  /* 24 relapses at 1, ..., 24: S(12) = 12/24 = 1/2 exactly, but the product of the twelve
   * factors (n - 1) / n rounds to 0.5000000000000001. The median is still 12, the start
   * of the flat (R reports its midpoint, 12.5); without the rounding allowance it would be
   * 13. */
  double time[24];
  unsigned char event[24];
  for (size_t i = 0; i < 24; i++) {
    time[i] = (double)(24 - i);
    event[i] = 1;
  }
  cs_km *km = fit_or_fail(24, time, event);
  double s;
  cs_km_eval(km, 12.0, &s, NULL, NULL, NULL);
  assert_within(s, 0.5, 1e-15);
  double median;
  cs_km_median(km, &median, NULL, NULL);
  assert_within(median, 12.0, 0.0);
  cs_km_destroy(&km);
}

static void test_km_at_risk(void **state)
{
  (void)state;
  cs_km *km = fit_or_fail(GEHAN_N, mp_time, mp_event);
  /* Counted from the list: all 21 up to 6 inclusive (the patient censored at 6 is at risk
   * at 6); 17 after 6; 10 10* 11* 13 16 17* 19* 20* 22 23 25* 32* 32* 34* 35* are the 15
   * at 10; only 35* at 35; no one after. */
  assert_int_equal(cs_km_at_risk(km, -1.0), 21);
  assert_int_equal(cs_km_at_risk(km, 0.0), 21);
  assert_int_equal(cs_km_at_risk(km, 6.0), 21);
  assert_int_equal(cs_km_at_risk(km, 6.5), 17);
  assert_int_equal(cs_km_at_risk(km, 10.0), 15);
  assert_int_equal(cs_km_at_risk(km, 32.0), 4);
  assert_int_equal(cs_km_at_risk(km, 35.0), 1);
  assert_int_equal(cs_km_at_risk(km, 35.5), 0);
  assert_int_equal(cs_km_at_risk(km, NAN), 0);
  cs_km_destroy(&km);

  km = fit_or_fail(GEHAN_N, pl_time, pl_event);
  assert_int_equal(cs_km_at_risk(km, 8.0), 12);
  assert_int_equal(cs_km_at_risk(km, 8.5), 8);
  cs_km_destroy(&km);
}

/* Every output of two fits over a grid of times, bit for bit. */
static void assert_same_fit(const cs_km *a, const cs_km *b)
{
  for (int half_weeks = -2; half_weeks <= 80; half_weeks++) {
    double t = 0.5 * half_weeks;
    double va[4];
    double vb[4];
    cs_km_eval(a, t, &va[0], &va[1], &va[2], &va[3]);
    cs_km_eval(b, t, &vb[0], &vb[1], &vb[2], &vb[3]);
    assert_memory_equal(va, vb, sizeof va);
    assert_int_equal(cs_km_at_risk(a, t), cs_km_at_risk(b, t));
  }
  double ma[3];
  double mb[3];
  cs_km_median(a, &ma[0], &ma[1], &ma[2]);
  cs_km_median(b, &mb[0], &mb[1], &mb[2]);
  assert_memory_equal(ma, mb, sizeof ma);
}

static void test_km_order_invariance(void **state)
{
  (void)state;
  /* Strides coprime to 21, so each is a permutation; 20 reverses the list. The ties at 6
   * (three events, one censoring), 10 and 32 move around. */
  static const size_t strides[] = {20, 8, 5, 13};
  cs_km *reference = fit_or_fail(GEHAN_N, mp_time, mp_event);
  for (size_t k = 0; k < sizeof strides / sizeof strides[0]; k++) {
    double time[GEHAN_N];
    unsigned char event[GEHAN_N];
    permute(GEHAN_N, strides[k], 3 * k + 1, mp_time, mp_event, time, event);
    assert_memory_not_equal(time, mp_time, sizeof time);
    cs_km *shuffled = fit_or_fail(GEHAN_N, time, event);
    assert_same_fit(reference, shuffled);
    cs_km_destroy(&shuffled);
  }
  cs_km_destroy(&reference);
}

static void test_km_event_flag_and_signed_zero(void **state)
{
  (void)state;
  /* Any nonzero flag is an event, and -0.0 is the same time as 0.0, down to the bits of the
   * median (half the patients relapse at time 0). */
  static const double time_a[] = {0.0, 0.0, 1.0, 0.0};
  static const unsigned char event_a[] = {1, 1, 0, 0};
  static const double time_b[] = {-0.0, -0.0, 1.0, -0.0};
  static const unsigned char event_b[] = {7, 255, 0, 0};
  cs_km *a = fit_or_fail(4, time_a, event_a);
  cs_km *b = fit_or_fail(4, time_b, event_b);
  assert_same_fit(a, b);
  double s;
  cs_km_eval(b, 0.0, &s, NULL, NULL, NULL);
  assert_within(s, 0.5, 0.0);
  double median;
  cs_km_median(b, &median, NULL, NULL);
  assert_same_bits(median, 0.0);
  assert_int_equal(cs_km_at_risk(b, 0.0), 4);
  assert_int_equal(cs_km_at_risk(b, 0.5), 1);
  cs_km_destroy(&a);
  cs_km_destroy(&b);
}

static void test_km_empty(void **state)
{
  (void)state;
  cs_km *km = fit_or_fail(0, NULL, NULL);
  double s;
  double se;
  double lower;
  double upper;
  cs_km_eval(km, 3.0, &s, &se, &lower, &upper);
  assert_within(s, 1.0, 0.0);
  assert_within(se, 0.0, 0.0);
  assert_within(lower, 1.0, 0.0);
  assert_within(upper, 1.0, 0.0);
  assert_int_equal(cs_km_at_risk(km, 0.0), 0);
  double median;
  cs_km_median(km, &median, &lower, &upper);
  assert_true(isnan(median));
  assert_true(isnan(lower));
  assert_true(isnan(upper));
  cs_km_destroy(&km);
}

static void test_km_all_censored(void **state)
{
  (void)state;
  static const double time[] = {9, 5, 3, 5};
  static const unsigned char event[] = {0, 0, 0, 0};
  cs_km *km = fit_or_fail(4, time, event);
  double s;
  double se;
  cs_km_eval(km, 10.0, &s, &se, NULL, NULL);
  assert_within(s, 1.0, 0.0);
  assert_within(se, 0.0, 0.0);
  assert_int_equal(cs_km_at_risk(km, 5.0), 3);
  assert_int_equal(cs_km_at_risk(km, 9.0), 1);
  double median;
  cs_km_median(km, &median, NULL, NULL);
  assert_true(isnan(median));
  cs_km_destroy(&km);
}

static void test_km_nan_argument(void **state)
{
  (void)state;
  cs_km *km = fit_or_fail(GEHAN_N, mp_time, mp_event);
  double v[4];
  cs_km_eval(km, NAN, &v[0], &v[1], &v[2], &v[3]);
  for (size_t i = 0; i < 4; i++)
    assert_true(isnan(v[i]));
  cs_km_destroy(&km);
}

static void test_km_rejects_bad_times(void **state)
{
  (void)state;
  const double bad[] = {-1.0, NAN, INFINITY, -INFINITY};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    double time[GEHAN_N];
    for (size_t i = 0; i < GEHAN_N; i++)
      time[i] = i == 2 ? bad[k] : mp_time[i];
    cs_error err = {0};
    cs_km *previous = fit_or_fail(1, mp_time, mp_event);
    cs_km *km = previous;
    assert_int_equal(cs_km_fit(GEHAN_N, time, mp_event, &km, &err), CS_ERR_NUMERIC);
    assert_null(km);
    assert_int_equal(err.status, CS_ERR_NUMERIC);
    assert_non_null(strstr(err.message, "survival time 2 "));
    cs_km_destroy(&previous);
  }
}

static void test_km_destroy_accepts_null(void **state)
{
  (void)state;
  cs_km *km = NULL;
  cs_km_destroy(&km);
  cs_km_destroy(NULL);
  assert_null(km);
}

static void test_logrank_gehan(void **state)
{
  (void)state;
  cs_error err = {0};
  double chi = -1.0;
  double p = -1.0;
  assert_int_equal(
      cs_logrank(GEHAN_N, mp_time, mp_event, GEHAN_N, pl_time, pl_event, &chi, &p, &err), CS_OK);
  /* R: survdiff gives chi-square 16.8 on 1 degree of freedom, p = 4.2e-5 (16.793 and
   * 4.169e-5 by hand). */
  assert_within(chi, 16.8, 0.05);
  assert_within(p, 4.2e-5, 0.05 * 4.2e-5);

  /* The statistic is symmetric in the two samples. */
  double chi_swapped;
  double p_swapped;
  assert_int_equal(cs_logrank(GEHAN_N, pl_time, pl_event, GEHAN_N, mp_time, mp_event, &chi_swapped,
                              &p_swapped, &err),
                   CS_OK);
  assert_within(chi_swapped, chi, 1e-12 * chi);
  assert_within(p_swapped, p, 1e-10 * p);
}

static void test_logrank_order_invariance(void **state)
{
  (void)state;
  cs_error err = {0};
  double chi;
  double p;
  assert_int_equal(
      cs_logrank(GEHAN_N, mp_time, mp_event, GEHAN_N, pl_time, pl_event, &chi, &p, &err), CS_OK);
  double time1[GEHAN_N];
  double time2[GEHAN_N];
  unsigned char event1[GEHAN_N];
  unsigned char event2[GEHAN_N];
  permute(GEHAN_N, 8, 4, mp_time, mp_event, time1, event1);
  permute(GEHAN_N, 20, 0, pl_time, pl_event, time2, event2);
  double chi_shuffled;
  double p_shuffled;
  assert_int_equal(
      cs_logrank(GEHAN_N, time1, event1, GEHAN_N, time2, event2, &chi_shuffled, &p_shuffled, &err),
      CS_OK);
  assert_same_bits(chi_shuffled, chi);
  assert_same_bits(p_shuffled, p);
}

static void test_logrank_no_difference(void **state)
{
  (void)state;
  cs_error err = {0};
  double chi = -1.0;
  double p = -1.0;

  /* Identical samples: each event time contributes d/2 - d (1/2) = 0 exactly. */
  assert_int_equal(
      cs_logrank(GEHAN_N, mp_time, mp_event, GEHAN_N, mp_time, mp_event, &chi, &p, &err), CS_OK);
  assert_within(chi, 0.0, 0.0);
  assert_within(p, 1.0, 0.0);

  /* No events at all, and no samples at all. */
  static const unsigned char none[GEHAN_N] = {0};
  chi = p = -1.0;
  assert_int_equal(cs_logrank(GEHAN_N, mp_time, none, GEHAN_N, pl_time, none, &chi, &p, &err),
                   CS_OK);
  assert_within(chi, 0.0, 0.0);
  assert_within(p, 1.0, 0.0);
  chi = p = -1.0;
  assert_int_equal(cs_logrank(0, NULL, NULL, 0, NULL, NULL, &chi, &p, &err), CS_OK);
  assert_within(chi, 0.0, 0.0);
  assert_within(p, 1.0, 0.0);
  assert_int_equal(err.status, CS_OK);
}

static void test_logrank_rejects_bad_times(void **state)
{
  (void)state;
  const double bad[] = {-0.5, NAN};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    double time2[GEHAN_N];
    for (size_t i = 0; i < GEHAN_N; i++)
      time2[i] = i == 20 ? bad[k] : pl_time[i];
    cs_error err = {0};
    double chi = -1.0;
    double p = -1.0;
    assert_int_equal(
        cs_logrank(GEHAN_N, mp_time, mp_event, GEHAN_N, time2, pl_event, &chi, &p, &err),
        CS_ERR_NUMERIC);
    assert_int_equal(err.status, CS_ERR_NUMERIC);
    assert_non_null(strstr(err.message, "sample 2"));
    assert_non_null(strstr(err.message, "survival time 20 "));
    assert_within(chi, -1.0, 0.0);
    assert_within(p, -1.0, 0.0);
  }
}

static void test_wilson_known_value(void **state)
{
  (void)state;
  double lower;
  double upper;
  /* 8 of 10 at z = 1.96: (8 + 1.9208 -+ 1.96 sqrt(1.6 + 0.9604)) / 13.8416. */
  cs_wilson_interval(8, 10, 1.96, &lower, &upper);
  assert_within(lower, 0.4902, 5e-5);
  assert_within(upper, 0.9433, 5e-5);
}

static void test_wilson_limits(void **state)
{
  (void)state;
  double lower = -1.0;
  double upper = -1.0;

  cs_wilson_interval(0, 0, 1.96, &lower, &upper);
  assert_within(lower, 0.0, 0.0);
  assert_within(upper, 1.0, 0.0);

  /* 0 of 10: [0, z^2 / (n + z^2)]; 10 of 10: [n / (n + z^2), 1]. */
  cs_wilson_interval(0, 10, 1.96, &lower, &upper);
  assert_within(lower, 0.0, 0.0);
  assert_within(upper, 3.8416 / 13.8416, 1e-15);
  cs_wilson_interval(10, 10, 1.96, &lower, &upper);
  assert_within(lower, 10.0 / 13.8416, 1e-15);
  assert_within(upper, 1.0, 0.0);

  /* All or none succeed: the bound at the end is exact for every n, where the formula
   * alone would round the upper one to 1 - 1e-16 at n = 127. */
  static const double z[] = {1.0, 1.6448536269514722, 1.959963984540054, 1.96, 2.5758293035489004};
  for (size_t k = 0; k < sizeof z / sizeof z[0]; k++)
    for (size_t n = 1; n <= 1000; n++) {
      cs_wilson_interval(0, n, z[k], &lower, &upper);
      assert_within(lower, 0.0, 0.0);
      cs_wilson_interval(n, n, z[k], &lower, &upper);
      assert_within(upper, 1.0, 0.0);
    }

  /* More successes than trials: at z = 3 the square root would still be real. */
  cs_wilson_interval(11, 10, 3.0, &lower, &upper);
  assert_true(isnan(lower));
  assert_true(isnan(upper));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_km_gehan_survival),
      cmocka_unit_test(test_km_gehan_std_error),
      cmocka_unit_test(test_km_gehan_log_band),
      cmocka_unit_test(test_km_drops_to_zero),
      cmocka_unit_test(test_km_gehan_median),
      cmocka_unit_test(test_km_median_exactly_half),
      cmocka_unit_test(test_km_at_risk),
      cmocka_unit_test(test_km_order_invariance),
      cmocka_unit_test(test_km_event_flag_and_signed_zero),
      cmocka_unit_test(test_km_empty),
      cmocka_unit_test(test_km_all_censored),
      cmocka_unit_test(test_km_nan_argument),
      cmocka_unit_test(test_km_rejects_bad_times),
      cmocka_unit_test(test_km_destroy_accepts_null),
      cmocka_unit_test(test_logrank_gehan),
      cmocka_unit_test(test_logrank_order_invariance),
      cmocka_unit_test(test_logrank_no_difference),
      cmocka_unit_test(test_logrank_rejects_bad_times),
      cmocka_unit_test(test_wilson_known_value),
      cmocka_unit_test(test_wilson_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
