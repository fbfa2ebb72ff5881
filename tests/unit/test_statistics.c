/* Unit tests of the cohort statistics: a tiny hand-made cohort of two arms with five
 * patients each, whose Kaplan-Meier curves, numbers at risk, medians, clearance fractions
 * and log-rank p-value are worked out by hand below, plus agreement with the survival
 * module's own functions (cs_km_eval, cs_km_median, cs_wilson_interval, cs_logrank) bit
 * for bit, independence of the patients' order, an empty cohort, and the error path.
 *
 * The cohort is built by hand: the statistics read only the number of arms, the
 * follow-up and the reporting interval.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>

#include "cohortsim/cohort.h"
#include "cohortsim/outcome.h"
#include "cohortsim/statistics.h"
#include "cohortsim/survival.h"
#include "cs_test_support.h"

#define N 5      /* patients */
#define ARMS 2   /* arms */
#define N_GRID 6 /* 0, 2, ..., 10 days */
#define Z95 1.959963984540054

/* Equal bits, so that NaN equals NaN and 0.6 must be the same 0.6. */
#define assert_same(a, b) assert_same_at((a), (b), __FILE__, __LINE__)

static void assert_same_at(double a, double b, const char *file, int line)
{
  uint64_t bits_a, bits_b;
  memcpy(&bits_a, &a, sizeof a);
  memcpy(&bits_b, &b, sizeof b);
  if (bits_a != bits_b) {
    print_error("%.17g and %.17g differ\n", a, b);
    _fail(file, line);
  }
}

/* Arm 0: deaths at 2 and 4, censored at 4 (at the death time), 10 and 10; relapses at 1,
 * 3 and 6; three patients cleared.
 * Arm 1: deaths at 1, 3, 5, 7 and 9; relapse-free survival equal to overall; none cleared. */
static const double os_time[ARMS * N] = {2, 4, 4, 10, 10, 1, 3, 5, 7, 9};
static const unsigned char os_event[ARMS * N] = {1, 1, 0, 0, 0, 1, 1, 1, 1, 1};
static const double rfs_time[ARMS * N] = {1, 3, 4, 6, 10, 1, 3, 5, 7, 9};
static const unsigned char rfs_event[ARMS * N] = {1, 1, 0, 1, 0, 1, 1, 1, 1, 1};
static const unsigned char cleared[ARMS * N] = {0, 0, 1, 1, 1, 0, 0, 0, 0, 0};
static const double clearance_time[ARMS * N] = {NAN, NAN, 3.5, 1.5, 8, NAN, NAN, NAN, NAN, NAN};

static cs_cohort make_cohort(void)
{
  cs_cohort c = {0};
  c.n_arms = ARMS;
  c.followup_days = 10;
  c.report_every_days = 2;
  return c;
}

static const cs_outcome_columns columns = {N,         os_time, os_event,      rfs_time,
                                           rfs_event, cleared, clearance_time};

typedef struct fixture {
  cs_cohort cohort;
  double grid[N_GRID];
  cs_statistics *s;
} fixture;

static int setup(void **state)
{
  static fixture f;
  cs_error err = {0};
  f.cohort = make_cohort();
  if (cs_outcome_grid_size(&f.cohort) != N_GRID)
    return -1;
  cs_outcome_grid(&f.cohort, f.grid);
  f.s = NULL;
  if (cs_statistics_compute(&f.cohort, &columns, f.grid, &f.s, &err) != CS_OK)
    return -1;
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  cs_statistics_destroy(&f->s);
  return 0;
}

static void test_shape(void **state)
{
  const fixture *f = *state;
  assert_int_equal(f->s->n_arms, ARMS);
  assert_int_equal(f->s->n_grid, N_GRID);
}

/* The product-limit estimate on the grid, right-continuous (an event at a grid point
 * already counts there), with the number at risk T >= t. */
static void test_os_curve_by_hand(void **state)
{
  const fixture *f = *state;
  const cs_statistics *s = f->s;
  /* Arm 0: 4/5 after the death at 2, times 3/4 after the one at 4 (the censoring at 4
   * comes after the death). Arm 1: one of 5, 4, 3, 2, 1 at risk dies at each odd day. */
  const double survival[ARMS][N_GRID] = {{1, 0.8, 0.6, 0.6, 0.6, 0.6},
                                         {1, 0.8, 0.6, 0.4, 0.2, 0.0}};
  const int64_t at_risk[ARMS][N_GRID] = {{5, 5, 4, 2, 2, 2}, {5, 4, 3, 2, 1, 0}};
  for (int a = 0; a < ARMS; a++)
    for (int k = 0; k < N_GRID; k++) {
      assert_within(s->os_survival[a * N_GRID + k], survival[a][k], 1e-15);
      assert_int_equal(s->os_at_risk[a * N_GRID + k], at_risk[a][k]);
    }
}

static void test_rfs_curve_by_hand(void **state)
{
  const fixture *f = *state;
  const cs_statistics *s = f->s;
  /* Arm 0: 4/5 at 1, 3/4 of that at 3, censored at 4, 1/2 of that at 6. */
  const double survival[ARMS][N_GRID] = {{1, 0.8, 0.6, 0.3, 0.3, 0.3},
                                         {1, 0.8, 0.6, 0.4, 0.2, 0.0}};
  const int64_t at_risk[ARMS][N_GRID] = {{5, 4, 3, 2, 1, 1}, {5, 4, 3, 2, 1, 0}};
  for (int a = 0; a < ARMS; a++)
    for (int k = 0; k < N_GRID; k++) {
      assert_within(s->rfs_survival[a * N_GRID + k], survival[a][k], 1e-15);
      assert_int_equal(s->rfs_at_risk[a * N_GRID + k], at_risk[a][k]);
    }
}

/* The curves and their bands are exactly what the survival module gives for each arm's
 * samples. */
static void test_curves_match_survival_module(void **state)
{
  const fixture *f = *state;
  const cs_statistics *s = f->s;
  for (int a = 0; a < ARMS; a++) {
    cs_error err = {0};
    cs_km *os = NULL, *rfs = NULL;
    assert_int_equal(cs_km_fit(N, &os_time[(size_t)a * N], &os_event[(size_t)a * N], &os, &err),
                     CS_OK);
    assert_int_equal(cs_km_fit(N, &rfs_time[(size_t)a * N], &rfs_event[(size_t)a * N], &rfs, &err),
                     CS_OK);
    for (int k = 0; k < N_GRID; k++) {
      const int i = a * N_GRID + k;
      double sv, lo, hi;
      cs_km_eval(os, f->grid[k], &sv, NULL, &lo, &hi);
      assert_same(s->os_survival[i], sv);
      assert_same(s->os_lower[i], lo);
      assert_same(s->os_upper[i], hi);
      assert_int_equal(s->os_at_risk[i], cs_km_at_risk(os, f->grid[k]));
      assert_true(s->os_lower[i] <= s->os_survival[i] && s->os_survival[i] <= s->os_upper[i]);
      cs_km_eval(rfs, f->grid[k], &sv, NULL, &lo, &hi);
      assert_same(s->rfs_survival[i], sv);
      assert_same(s->rfs_lower[i], lo);
      assert_same(s->rfs_upper[i], hi);
      assert_int_equal(s->rfs_at_risk[i], cs_km_at_risk(rfs, f->grid[k]));
    }
    double m, m_lo, m_hi;
    cs_km_median(os, &m, &m_lo, &m_hi);
    assert_same(s->median_os[a], m);
    assert_same(s->median_os_lower[a], m_lo);
    assert_same(s->median_os_upper[a], m_hi);
    cs_km_destroy(&os);
    cs_km_destroy(&rfs);
  }
  /* Before any event the band is [1, 1]; arm 1 ends at S = 0 with the band [0, 0]. */
  assert_true(s->os_lower[0] == 1.0 && s->os_upper[0] == 1.0);
  assert_true(s->os_lower[2 * N_GRID - 1] == 0.0 && s->os_upper[2 * N_GRID - 1] == 0.0);
}

/* Arm 0 never falls to 0.5: its median is not reached. Arm 1 falls to 0.4 at day 5. */
static void test_median_os(void **state)
{
  const fixture *f = *state;
  assert_true(isnan(f->s->median_os[0]));
  assert_true(f->s->median_os[1] == 5.0);
}

/* 3 of 5 and 0 of 5 cleared, with Wilson 95% intervals; for 0 of n the interval is
 * [0, z^2 / (n + z^2)]. */
static void test_clearance_fraction(void **state)
{
  const fixture *f = *state;
  const cs_statistics *s = f->s;
  assert_true(s->clearance_fraction[0] == 0.6);
  assert_true(s->clearance_fraction[1] == 0.0);
  double lo, hi;
  cs_wilson_interval(3, N, Z95, &lo, &hi);
  assert_same(s->clearance_lower[0], lo);
  assert_same(s->clearance_upper[0], hi);
  assert_true(lo < 0.6 && 0.6 < hi);
  /* Wilson's bounds for 3 of 5 at z = qnorm(0.975), worked out from the formula. */
  const double z2 = Z95 * Z95, centre = (3 + z2 / 2) / (N + z2);
  const double half = Z95 * sqrt(3.0 * 2.0 / N + z2 / 4) / (N + z2);
  assert_within(s->clearance_lower[0], centre - half, 1e-15);
  assert_within(s->clearance_upper[0], centre + half, 1e-15);
  assert_true(s->clearance_lower[1] == 0.0);
  assert_within(s->clearance_upper[1], z2 / (N + z2), 1e-15);
}

/* The log-rank statistic worked out by hand: at each death time (O - E) of arm 0 gains
 * d1 - d n1/n and V gains d (n1/n)(1 - n1/n)(n - d)/(n - 1). */
static void test_logrank_by_hand(void **state)
{
  const fixture *f = *state;
  const cs_statistics *s = f->s;
  /* t:      1       2        3       4        5        7       9
   * n, n1: 10, 5   9, 5     8, 4    7, 4     5, 2     4, 2    3, 2
   * d1:     0       1        0       1        0        0       0 */
  const double o_minus_e = -0.5 + (1 - 5.0 / 9) - 0.5 + (1 - 4.0 / 7) - 2.0 / 5 - 0.5 - 2.0 / 3;
  const double variance = 0.25 + 20.0 / 81 + 0.25 + 12.0 / 49 + 6.0 / 25 + 0.25 + 2.0 / 9;
  const double p = gsl_cdf_chisq_Q(o_minus_e * o_minus_e / variance, 1.0);
  assert_within(s->logrank_p[0 * ARMS + 1], p, 1e-12);
  assert_same(s->logrank_p[1 * ARMS + 0], s->logrank_p[0 * ARMS + 1]);
  assert_true(s->logrank_p[0] == 1.0);
  assert_true(s->logrank_p[ARMS * ARMS - 1] == 1.0);

  double chi2, p_module;
  cs_error err = {0};
  assert_int_equal(
      cs_logrank(N, os_time, os_event, N, &os_time[N], &os_event[N], &chi2, &p_module, &err),
      CS_OK);
  assert_same(s->logrank_p[1], p_module);
}

/* Patients in another order (the same order in both arms, as they share patients) give
 * the same statistics, bit for bit: what makes any split over ranks give one answer. */
static void test_order_independent(void **state)
{
  const fixture *f = *state;
  static const size_t perm[N] = {3, 0, 4, 2, 1};
  double ot[ARMS * N], rt[ARMS * N];
  unsigned char oe[ARMS * N], re[ARMS * N], cl[ARMS * N];
  for (size_t a = 0; a < ARMS; a++)
    for (size_t i = 0; i < N; i++) {
      const size_t to = a * N + perm[i], from = a * N + i;
      ot[to] = os_time[from];
      oe[to] = os_event[from];
      rt[to] = rfs_time[from];
      re[to] = rfs_event[from];
      cl[to] = cleared[from];
    }
  const cs_outcome_columns shuffled = {N, ot, oe, rt, re, cl, NULL};
  cs_statistics *t = NULL;
  cs_error err = {0};
  assert_int_equal(cs_statistics_compute(&f->cohort, &shuffled, f->grid, &t, &err), CS_OK);
  const size_t curve = (size_t)ARMS * N_GRID * sizeof(double);
  assert_memory_equal(t->os_survival, f->s->os_survival, curve);
  assert_memory_equal(t->os_lower, f->s->os_lower, curve);
  assert_memory_equal(t->os_upper, f->s->os_upper, curve);
  assert_memory_equal(t->rfs_survival, f->s->rfs_survival, curve);
  assert_memory_equal(t->rfs_upper, f->s->rfs_upper, curve);
  assert_memory_equal(t->os_at_risk, f->s->os_at_risk, (size_t)ARMS * N_GRID * sizeof(int64_t));
  assert_memory_equal(t->clearance_lower, f->s->clearance_lower, ARMS * sizeof(double));
  assert_memory_equal(t->median_os, f->s->median_os, ARMS * sizeof(double));
  assert_memory_equal(t->logrank_p, f->s->logrank_p, (size_t)ARMS * ARMS * sizeof(double));
  cs_statistics_destroy(&t);
  assert_null(t);
}

/* No patients: survival 1 with no one at risk, an undefined clearance fraction with the
 * interval [0, 1], medians not reached, p = 1. */
static void test_empty_cohort(void **state)
{
  (void)state;
  cs_cohort c = make_cohort();
  double grid[N_GRID];
  cs_outcome_grid(&c, grid);
  const cs_outcome_columns none = {0, os_time, os_event, rfs_time, rfs_event, cleared, NULL};
  cs_statistics *s = NULL;
  cs_error err = {0};
  assert_int_equal(cs_statistics_compute(&c, &none, grid, &s, &err), CS_OK);
  assert_non_null(s);
  for (int i = 0; i < ARMS * N_GRID; i++) {
    assert_true(s->os_survival[i] == 1.0);
    assert_int_equal(s->os_at_risk[i], 0);
  }
  for (int a = 0; a < ARMS; a++) {
    assert_true(isnan(s->clearance_fraction[a]));
    assert_true(s->clearance_lower[a] == 0.0 && s->clearance_upper[a] == 1.0);
    assert_true(isnan(s->median_os[a]));
  }
  assert_true(s->logrank_p[1] == 1.0);
  cs_statistics_destroy(&s);
}

/* A time that no survival time can be fails with CS_ERR_NUMERIC and a message naming it;
 * nothing is returned. In the first arm it fails the curve, in the second too. */
static void test_bad_time_fails(void **state)
{
  const fixture *f = *state;
  const double bad_values[] = {-1.0, NAN, INFINITY};
  for (size_t v = 0; v < sizeof bad_values / sizeof bad_values[0]; v++)
    for (size_t column = 0; column < 2; column++) {
      double ot[ARMS * N], rt[ARMS * N];
      memcpy(ot, os_time, sizeof ot);
      memcpy(rt, rfs_time, sizeof rt);
      (column == 0 ? ot : rt)[N + 2] = bad_values[v];
      const cs_outcome_columns c = {N, ot, os_event, rt, rfs_event, cleared, NULL};
      static cs_statistics junk;
      cs_statistics *s = &junk; /* must be overwritten with NULL */
      cs_error err = {0};
      assert_int_equal(cs_statistics_compute(&f->cohort, &c, f->grid, &s, &err), CS_ERR_NUMERIC);
      assert_null(s);
      assert_int_equal(err.status, CS_ERR_NUMERIC);
      assert_non_null(strstr(err.message, "survival time 2"));
    }
}

static void test_destroy_accepts_null(void **state)
{
  (void)state;
  cs_statistics *s = NULL;
  cs_statistics_destroy(&s);
  cs_statistics_destroy(NULL);
  assert_null(s);
}

/* Median time to clearance over the cleared only: arm 0 cleared at 1.5, 3.5 and 8;
 * arm 1 never cleared (NaN). */
static void test_median_clearance_time(void **state)
{
  const fixture *f = *state;
  assert_same(f->s->median_clearance_time[0], 3.5);
  assert_true(isnan(f->s->median_clearance_time[1]));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_shape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_os_curve_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rfs_curve_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_curves_match_survival_module, setup, teardown),
      cmocka_unit_test_setup_teardown(test_median_os, setup, teardown),
      cmocka_unit_test_setup_teardown(test_median_clearance_time, setup, teardown),
      cmocka_unit_test_setup_teardown(test_clearance_fraction, setup, teardown),
      cmocka_unit_test_setup_teardown(test_logrank_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_order_independent, setup, teardown),
      cmocka_unit_test(test_empty_cohort),
      cmocka_unit_test_setup_teardown(test_bad_time_fails, setup, teardown),
      cmocka_unit_test(test_destroy_accepts_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
