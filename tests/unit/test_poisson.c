/* Unit tests of the hybrid engine's Poisson sampler (inversion below a mean of 10, PTRS
 * from 10 on): for means on both sides of the switch and far above it, Pearson's
 * chi-square of a million draws against the exact Poisson law (gsl_ran_poisson_pdf), and
 * the sample mean and variance within 4 standard errors; a check that the same
 * chi-square rejects draws whose mean is 1% off (so a real bias cannot pass); the law and
 * moments at a mean of 1e12, beyond the reach of the pmf; means that are not positive;
 * and reproducibility from a given stream position.
 *
 * Everything runs on fixed seeds, so each test either always passes or always fails.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cohortsim/poisson.h"
#include "cohortsim/rng.h"
#include "cs_test_support.h"

#define N_DRAWS 1000000
#define LIMIT_SIGMA 4.0
/* A chi-square this far in the upper tail fails: about 4.9 sigma for a normal statistic. */
#define CHI_SQUARE_MIN_P 1e-6
/* Adjacent values are pooled into bins expecting at least this many draws, so Pearson's
 * statistic is close to its chi-square law. */
#define MIN_EXPECTED 50.0

/* The stream of (seed, patient 0, dynamics), as a local copy of its state. */
static cs_rng_local stream(uint64_t seed)
{
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  cs_rng_select_stream(rng, seed, 0, CS_STREAM_DYNAMICS, 0);
  cs_rng_local local = cs_rng_local_take(rng);
  gsl_rng_free(rng);
  local.tables = NULL; /* the generator is gone; the Poisson sampler needs only s */
  return local;
}

static int64_t *draws(uint64_t seed, double mean, size_t n)
{
  int64_t *x = malloc(n * sizeof *x);
  assert_non_null(x);
  cs_rng_local local = stream(seed);
  for (size_t i = 0; i < n; i++)
    x[i] = cs_poisson_draw(local.s, mean);
  return x;
}

/* Pearson's chi-square of the draws against Poisson(mean), over bins of adjacent values
 * that each expect at least MIN_EXPECTED draws (pooled from the left; the last bin takes
 * the whole upper tail); returns the upper-tail p-value, the statistic and the degrees of
 * freedom. */
static double chi_square_p(const int64_t *x, size_t n, double mean, double *chi2_out,
                           unsigned *dof_out)
{
  const size_t k_max = (size_t)(mean + 12 * sqrt(mean) + 40);
  /* Cells 0..k_max hold single values; cell k_max + 1 everything above. */
  double *observed = calloc(k_max + 2, sizeof *observed);
  double *expected = calloc(k_max + 2, sizeof *expected);
  assert_non_null(observed);
  assert_non_null(expected);
  for (size_t i = 0; i < n; i++) {
    assert_true(x[i] >= 0);
    observed[(uint64_t)x[i] > k_max ? k_max + 1 : (size_t)x[i]]++;
  }
  for (size_t k = 0; k <= k_max; k++)
    expected[k] = (double)n * gsl_ran_poisson_pdf((unsigned)k, mean);
  expected[k_max + 1] = (double)n * gsl_cdf_poisson_Q((unsigned)k_max, mean);
  /* Pool cells from the left into bins; a remainder expecting too few joins the last bin. */
  double chi2 = 0, bin_e = 0, bin_o = 0, last_e = 0, last_o = 0;
  unsigned bins = 0;
  for (size_t k = 0; k <= k_max + 1; k++) {
    bin_e += expected[k];
    bin_o += observed[k];
    if (bin_e >= MIN_EXPECTED) {
      if (bins > 0)
        chi2 += (last_o - last_e) * (last_o - last_e) / last_e;
      last_e = bin_e;
      last_o = bin_o;
      bins++;
      bin_e = bin_o = 0;
    }
  }
  last_e += bin_e;
  last_o += bin_o;
  chi2 += (last_o - last_e) * (last_o - last_e) / last_e;
  free(observed);
  free(expected);
  *chi2_out = chi2;
  *dof_out = bins - 1;
  return gsl_cdf_chisq_Q(chi2, (double)(bins - 1));
}

static void check_law(double mean, uint64_t seed)
{
  int64_t *x = draws(seed, mean, N_DRAWS);
  double chi2;
  unsigned dof;
  const double p = chi_square_p(x, N_DRAWS, mean, &chi2, &dof);
  print_message("  Poisson(%g): chi-square %.1f on %u degrees of freedom, p = %.3g\n", mean, chi2,
                dof, p);
  assert_true(dof >= 4);
  if (!(p >= CHI_SQUARE_MIN_P))
    fail_msg("Poisson(%g): chi-square p-value %g below %g", mean, p, CHI_SQUARE_MIN_P);
  double *values = malloc(N_DRAWS * sizeof *values);
  assert_non_null(values);
  for (size_t i = 0; i < N_DRAWS; i++)
    values[i] = (double)x[i];
  char what[64];
  snprintf(what, sizeof what, "Poisson(%g)", mean);
  cs_test_assert_moments(what, values, N_DRAWS, mean, mean, LIMIT_SIGMA);
  free(values);
  free(x);
}

/* Inversion, at small and moderate means and just below the switch. */
static void test_law_inversion(void **state)
{
  (void)state;
  check_law(0.5, 501);
  check_law(3, 502);
  check_law(9.9, 503);
}

/* PTRS, at the switch, where its hat is the least tight, and far above it. */
static void test_law_ptrs(void **state)
{
  (void)state;
  check_law(10, 504);
  check_law(37.5, 505);
  check_law(1000, 506);
  check_law(9999, 507);
  check_law(123456.7, 508);
}

/* The chi-square above rejects a sampler whose mean is 1% off: a million draws of
 * Poisson(1.01 m) tested against Poisson(m), at a small and a large mean. */
static void test_chi_square_has_power(void **state)
{
  (void)state;
  const double means[2] = {3, 1000};
  for (int i = 0; i < 2; i++) {
    int64_t *x = draws(509 + (uint64_t)i, 1.01 * means[i], N_DRAWS);
    double chi2;
    unsigned dof;
    const double p = chi_square_p(x, N_DRAWS, means[i], &chi2, &dof);
    print_message("  Poisson(1.01 x %g) against Poisson(%g): chi-square %.1f on %u, p = %.3g\n",
                  means[i], means[i], chi2, dof, p);
    assert_true(p < CHI_SQUARE_MIN_P);
    free(x);
  }
}

/* Far beyond the pmf's reach (gsl_ran_poisson_pdf takes an unsigned int), at a mean of
 * 1e12, where a log-probability that cancelled in floating point would distort the law:
 * a chi-square over 100 bins of width sd/10 between -5 and +5 sd (plus the two tails)
 * against the normal law, which Poisson(1e12) follows to within its skewness of 1e-6
 * (far below what a million draws resolve), and the moments. */
static void test_law_huge_mean(void **state)
{
  (void)state;
  enum { BINS = 102 };
  const double mean = 1e12, sd = 1e6;
  int64_t *x = draws(511, mean, N_DRAWS);
  double *values = malloc(N_DRAWS * sizeof *values);
  assert_non_null(values);
  double observed[BINS] = {0};
  for (size_t i = 0; i < N_DRAWS; i++) {
    values[i] = (double)(x[i] - (int64_t)mean); /* centred: exact in double */
    const double z = (values[i] + 0.5) / sd;    /* k + 1/2: continuity */
    observed[z < -5 ? 0 : z >= 5 ? BINS - 1 : 1 + (int)floor((z + 5) * 10)]++;
  }
  double chi2 = 0;
  for (int b = 0; b < BINS; b++) {
    const double lo = b == 0 ? -INFINITY : -5 + (b - 1) / 10.0;
    const double hi = b == BINS - 1 ? INFINITY : -5 + b / 10.0;
    const double expected = N_DRAWS * (gsl_cdf_ugaussian_P(hi) - gsl_cdf_ugaussian_P(lo));
    chi2 += (observed[b] - expected) * (observed[b] - expected) / expected;
  }
  const double p = gsl_cdf_chisq_Q(chi2, BINS - 1);
  print_message("  Poisson(1e12): chi-square %.1f on %d degrees of freedom, p = %.3g\n", chi2,
                BINS - 1, p);
  assert_true(p >= CHI_SQUARE_MIN_P);
  cs_test_assert_moments("Poisson(1e12) - 1e12", values, N_DRAWS, 0, mean, LIMIT_SIGMA);
  free(values);
  free(x);
}

/* A mean that is not positive gives 0 and draws nothing. */
static void test_not_positive(void **state)
{
  (void)state;
  cs_rng_local local = stream(512);
  uint64_t before[4];
  memcpy(before, local.s, sizeof before);
  assert_int_equal(cs_poisson_draw(local.s, 0.0), 0);
  assert_int_equal(cs_poisson_draw(local.s, -3.0), 0);
  assert_int_equal(cs_poisson_draw(local.s, -INFINITY), 0);
  assert_int_equal(cs_poisson_draw(local.s, NAN), 0);
  assert_memory_equal(local.s, before, sizeof before);
  /* A tiny positive mean is almost always 0, and does draw. */
  assert_int_equal(cs_poisson_draw(local.s, 1e-300), 0);
  assert_memory_not_equal(local.s, before, sizeof before);
}

/* Means beyond any count (2^62 and more, infinity) give 2^62, never a conversion out of
 * range; just below, a value near the mean. */
static void test_beyond_any_count(void **state)
{
  (void)state;
  cs_rng_local local = stream(513);
  const int64_t largest = INT64_C(1) << 62;
  assert_true(cs_poisson_draw(local.s, 0x1.0p62) == largest);
  assert_true(cs_poisson_draw(local.s, 1e30) == largest);
  assert_true(cs_poisson_draw(local.s, INFINITY) == largest);
  const int64_t near = cs_poisson_draw(local.s, 0x1.0p61);
  assert_true(llabs(near - (INT64_C(1) << 61)) < INT64_C(1) << 40);
}

/* The same stream position gives the same variates, on both sides of the switch. */
static void test_reproducible(void **state)
{
  (void)state;
  const double means[] = {0.01, 2.5, 9.99, 10.0, 77.0, 5e8};
  for (size_t i = 0; i < sizeof means / sizeof means[0]; i++) {
    int64_t *a = draws(513, means[i], 1000);
    int64_t *b = draws(513, means[i], 1000);
    assert_memory_equal(a, b, 1000 * sizeof *a);
    free(a);
    free(b);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_law_inversion),        cmocka_unit_test(test_law_ptrs),
      cmocka_unit_test(test_chi_square_has_power), cmocka_unit_test(test_law_huge_mean),
      cmocka_unit_test(test_not_positive),         cmocka_unit_test(test_beyond_any_count),
      cmocka_unit_test(test_reproducible),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
