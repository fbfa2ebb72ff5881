/* Unit tests of the analysis layer's edge cases (include/cohortsim/analysis.h): constant
 * and collinear covariates, separation and monotone likelihood, all censored, n = 1 and
 * n = 0, bad input, RMST and McNemar on values worked out by hand, PRCC limits. Agreement
 * with R on real data is tests/r/compare_r.sh's job. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "cohortsim/analysis.h"
#include "cs_test_support.h"

#define N 12

/* Twelve patients: times with a tie, some censored; covariate 0 varies, 1 is constant,
 * 2 is twice covariate 0 plus 1 (collinear), 3 varies independently of 0. */
static const double time_of[N] = {2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const unsigned char event_of[N] = {1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1};
static const double age[N] = {5, 1, 4, 2, 6, 3, 7, 2, 5, 1, 3, 4};
static const double other[N] = {1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0};
static const char *const names[] = {"age", "constant", "age2", "other"};

static void design(double *x)
{
  for (size_t i = 0; i < N; i++) {
    x[i * 4 + 0] = age[i];
    x[i * 4 + 1] = 7;
    x[i * 4 + 2] = 2 * age[i] + 1;
    x[i * 4 + 3] = other[i];
  }
}

static void cox_drops_constant_and_collinear(void **state)
{
  (void)state;
  double x[N * 4], coef[4], se[4], alone[2], alone_se[2], x2[N * 2];
  cs_fit_summary s, s2;
  cs_error err = {0};
  design(x);
  assert_int_equal(cs_cox_fit(N, 4, x, names, time_of, event_of, coef, se, &s, &err), CS_OK);
  assert_true(s.converged);
  assert_true(isnan(coef[1]) && isnan(se[1]) && isnan(coef[2]) && isnan(se[2]));
  assert_non_null(strstr(s.note, "constant left out (constant)"));
  assert_non_null(strstr(s.note, "age2 left out (collinear"));
  /* The kept covariates fit as if the others were never there. */
  for (size_t i = 0; i < N; i++) {
    x2[i * 2] = age[i];
    x2[i * 2 + 1] = other[i];
  }
  const char *const two[] = {"age", "other"};
  assert_int_equal(cs_cox_fit(N, 2, x2, two, time_of, event_of, alone, alone_se, &s2, &err), CS_OK);
  assert_relative(coef[0], alone[0], 1e-12);
  assert_relative(se[3], alone_se[1], 1e-12);
  assert_true(s.concordance > 0 && s.concordance < 1);
}

static void cox_without_events_or_patients(void **state)
{
  (void)state;
  double x[N * 4], coef[4], se[4];
  unsigned char censored[N] = {0};
  cs_fit_summary s;
  cs_error err = {0};
  design(x);
  assert_int_equal(cs_cox_fit(N, 4, x, names, time_of, censored, coef, se, &s, &err), CS_OK);
  assert_false(s.converged);
  assert_true(isnan(coef[0]) && isnan(coef[3]) && isnan(s.concordance));
  assert_non_null(strstr(s.note, "no events"));
  /* One patient: nothing varies. */
  assert_int_equal(cs_cox_fit(1, 4, x, names, time_of, event_of, coef, se, &s, &err), CS_OK);
  assert_false(s.converged);
  assert_non_null(strstr(s.note, "no covariate varies"));
  assert_int_equal(cs_cox_fit(0, 4, NULL, names, NULL, NULL, coef, se, &s, &err), CS_OK);
  assert_true(isnan(coef[0]));
}

/* The covariate orders the deaths perfectly: the likelihood rises forever as the
 * coefficient grows, so there is no estimate, only a note. */
static void cox_monotone_likelihood_gives_nan(void **state)
{
  (void)state;
  const double t[6] = {1, 2, 3, 4, 5, 6}, x[6] = {6, 5, 4, 3, 2, 1};
  const unsigned char e[6] = {1, 1, 1, 1, 1, 1};
  const char *const name[] = {"risk"};
  double coef, se;
  cs_fit_summary s;
  cs_error err = {0};
  assert_int_equal(cs_cox_fit(6, 1, x, name, t, e, &coef, &se, &s, &err), CS_OK);
  assert_false(s.converged);
  assert_true(isnan(coef) && isnan(se));
  assert_non_null(strstr(s.note, "no fit"));
}

static void cox_rejects_bad_input(void **state)
{
  (void)state;
  double x[N * 4], coef[4], se[4], t[N];
  cs_fit_summary s;
  cs_error err = {0};
  design(x);
  memcpy(t, time_of, sizeof t);
  t[3] = -1;
  assert_int_equal(cs_cox_fit(N, 4, x, names, t, event_of, coef, se, &s, &err), CS_ERR_NUMERIC);
  assert_non_null(strstr(err.message, "sample 3"));
  cs_error_clear(&err);
  x[5 * 4 + 3] = NAN;
  assert_int_equal(cs_cox_fit(N, 4, x, names, time_of, event_of, coef, se, &s, &err),
                   CS_ERR_NUMERIC);
  assert_non_null(strstr(err.message, "covariate other of sample 5"));
}

static void logit_separation_and_constant_outcome(void **state)
{
  (void)state;
  double x[N * 4], coef[4], se[4];
  unsigned char y[N];
  cs_fit_summary s;
  cs_error err = {0};
  design(x);
  /* y = 1 exactly where other = 1: complete separation by a 0/1 covariate. */
  for (size_t i = 0; i < N; i++)
    y[i] = other[i] != 0;
  assert_int_equal(cs_logit_fit(N, 4, x, names, y, coef, se, &s, &err), CS_OK);
  assert_false(s.converged);
  assert_true(isnan(coef[0]) && isnan(coef[3]) && isnan(se[0]));
  assert_non_null(strstr(s.note, "other separates"));
  memset(y, 0, sizeof y);
  assert_int_equal(cs_logit_fit(N, 4, x, names, y, coef, se, &s, &err), CS_OK);
  assert_non_null(strstr(s.note, "nobody has the outcome"));
  memset(y, 1, sizeof y);
  assert_int_equal(cs_logit_fit(N, 4, x, names, y, coef, se, &s, &err), CS_OK);
  assert_non_null(strstr(s.note, "everybody has the outcome"));
  assert_true(isnan(coef[0]));
}

static void logit_fits_with_constant_left_out(void **state)
{
  (void)state;
  double x[N * 4], coef[4], se[4];
  const unsigned char y[N] = {1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1};
  cs_fit_summary s;
  cs_error err = {0};
  design(x);
  assert_int_equal(cs_logit_fit(N, 4, x, names, y, coef, se, &s, &err), CS_OK);
  assert_true(s.converged);
  assert_true(isfinite(coef[0]) && se[0] > 0 && isfinite(coef[3]) && se[3] > 0);
  assert_true(isnan(coef[1]) && isnan(coef[2]));
  assert_true(isnan(s.concordance));
  const double p = cs_wald_p(coef[0], se[0]);
  assert_true(p > 0 && p <= 1);
  assert_true(isnan(cs_wald_p(coef[1], se[1])));
}

/* Times 1, 2, 3, all deaths, tau = 3: S = 2/3, 1/3, 0, so RMST = 1 + 2/3 + 1/3 = 2; the
 * areas after each death are 1, 1/3, 0 and Greenwood's terms 1/6, 1/2 (0 where everyone
 * dies), so the variance is 1/6 + 1/18 = 2/9. */
static void rmst_by_hand(void **state)
{
  (void)state;
  const double t[3] = {1, 2, 3};
  const unsigned char e[3] = {1, 1, 1}, none[3] = {0};
  double rmst, se;
  cs_error err = {0};
  assert_int_equal(cs_rmst(3, t, e, 3, &rmst, &se, &err), CS_OK);
  assert_relative(rmst, 2, 1e-15);
  assert_relative(se, sqrt(2.0 / 9.0), 1e-15);
  /* All censored: S stays 1, the mean is tau with no error. */
  assert_int_equal(cs_rmst(3, t, none, 2.5, &rmst, &se, &err), CS_OK);
  assert_within(rmst, 2.5, 0);
  assert_within(se, 0, 0);
  assert_int_equal(cs_rmst(0, NULL, NULL, 4, &rmst, &se, &err), CS_OK);
  assert_within(rmst, 4, 0);
  assert_int_equal(cs_rmst(3, t, e, NAN, &rmst, &se, &err), CS_ERR_NUMERIC);
}

static void paired_difference_of_identical_arms_is_exactly_zero(void **state)
{
  (void)state;
  double difference, se, rmst, rmst_se;
  const double never[N] = {20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20};
  const unsigned char censored[N] = {0};
  cs_error err = {0};
  assert_int_equal(cs_rmst_paired_difference(N, time_of, event_of, time_of, event_of, 10,
                                             &difference, &se, &err),
                   CS_OK);
  assert_within(difference, 0, 0);
  assert_within(se, 0, 0);
  /* Against an arm without error, the paired SE is the arm's own (Greenwood) SE. */
  assert_int_equal(
      cs_rmst_paired_difference(N, time_of, event_of, never, censored, 10, &difference, &se, &err),
      CS_OK);
  assert_int_equal(cs_rmst(N, time_of, event_of, 10, &rmst, &rmst_se, &err), CS_OK);
  assert_relative(difference, rmst - 10, 1e-14);
  assert_relative(se, rmst_se, 1e-12);
}

/* 10 against 2 discordant pairs: 2 P(X <= 2), X ~ Binomial(12, 1/2) = 2 (1 + 12 + 66) /
 * 4096 (R: mcnemar.exact, or binom.test(2, 12)). */
static void mcnemar_known_tables(void **state)
{
  (void)state;
  assert_relative(cs_mcnemar_exact_p(10, 2), 158.0 / 4096.0, 1e-12);
  assert_relative(cs_mcnemar_exact_p(2, 10), 158.0 / 4096.0, 1e-12);
  assert_within(cs_mcnemar_exact_p(0, 0), 1, 0);
  assert_within(cs_mcnemar_exact_p(5, 5), 1, 0);
  assert_relative(cs_mcnemar_exact_p(0, 6), 2.0 / 64.0, 1e-12);
}

static void prcc_limits(void **state)
{
  (void)state;
  double x[N * 4], prcc[4], p[4], y[N];
  char note[256] = "";
  cs_error err = {0};
  design(x);
  /* y a monotone function of age alone, with the never-cleared (infinite) last. */
  for (size_t i = 0; i < N; i++)
    y[i] = age[i] >= 7 ? HUGE_VAL : exp(age[i]);
  assert_int_equal(cs_prcc(N, 4, x, names, y, prcc, p, note, sizeof note, &err), CS_OK);
  assert_relative(prcc[0], 1, 1e-12);
  assert_within(p[0], 0, 1e-12);
  assert_true(isnan(prcc[1]) && isnan(prcc[2]));
  assert_non_null(strstr(note, "constant left out"));
  for (size_t i = 0; i < N; i++)
    y[i] = 3;
  note[0] = '\0';
  assert_int_equal(cs_prcc(N, 4, x, names, y, prcc, p, note, sizeof note, &err), CS_OK);
  assert_true(isnan(prcc[0]) && isnan(p[3]));
  assert_non_null(strstr(note, "the outcome is constant"));
  y[0] = NAN;
  assert_int_equal(cs_prcc(N, 4, x, names, y, prcc, p, note, sizeof note, &err), CS_ERR_NUMERIC);
}

int main(void)
{
  /* As main does: the fits check every GSL status themselves. */
  gsl_set_error_handler_off();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cox_drops_constant_and_collinear),
      cmocka_unit_test(cox_without_events_or_patients),
      cmocka_unit_test(cox_monotone_likelihood_gives_nan),
      cmocka_unit_test(cox_rejects_bad_input),
      cmocka_unit_test(logit_separation_and_constant_outcome),
      cmocka_unit_test(logit_fits_with_constant_left_out),
      cmocka_unit_test(rmst_by_hand),
      cmocka_unit_test(paired_difference_of_identical_arms_is_exactly_zero),
      cmocka_unit_test(mcnemar_known_tables),
      cmocka_unit_test(prcc_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
