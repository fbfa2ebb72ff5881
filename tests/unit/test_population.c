/* Unit tests of the population module: each marginal's sample mean and variance against
 * the exact values (normal; lognormal in both spellings; uniform; beta, plain and
 * scaled; truncated normals, two-sided, one-sided and far out in either tail, where naive
 * inversion fails), the Gaussian copula (the correlation of the underlying normals equals
 * rho, the marginals are unchanged, and adding a correlation or a fixed parameter moves
 * no other draw), traits (frequency, independence, the values they set, no effect on the
 * continuous draws), determinism per (seed, patient), the quantile in the extreme tails,
 * and the error for a non-finite draw.
 *
 * Statistical checks use fixed seeds and 20000 patients, with limits of 4 standard
 * errors (shared/oracles.md): the mean's SE is sqrt(var/n), the variance's
 * sqrt((mu4 - s^4)/n), a correlation's (1 - rho^2)/sqrt(n), a frequency's
 * sqrt(p(1-p)/n).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "cohortsim/cohort.h"
#include "cohortsim/population.h"
#include "cohortsim/rng.h"
#include "cs_test_support.h"

#define N_DRAWS 20000
#define SEED UINT64_C(424242)
#define LIMIT 4.0
#define PI 3.14159265358979323846

/* ---- helpers ------------------------------------------------------------------------- */

/* A cohort whose parameters section is `params` (indented lines), followed by `extra`
 * top-level sections; the model around them is the smallest valid one. */
static cs_cohort *load(const char *params, const char *extra)
{
  char text[4096];
  snprintf(text, sizeof text,
           "name: population_test\n"
           "followup_days: 10\n"
           "parameters:\n%s%s"
           "species: {A: {initial: 10}}\n"
           "reactions: {death: {change: {A: -1}, rate: 1, factors: [{species: A}]}}\n"
           "arms: {untreated: {}}\n"
           "outcomes: {tumour: [A]}\n",
           params, extra);
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, "population_test", 0, NULL, &cohort, &err) != CS_OK)
    fail_msg("cohort: %s", err.message);
  return cohort;
}

/* Samples patient `patient` as the patient simulator does. */
static void sample(const cs_cohort *c, gsl_rng *rng, uint64_t seed, size_t patient, double *values,
                   unsigned char *traits)
{
  cs_error err = {0};
  cs_rng_select_stream(rng, seed, patient, CS_STREAM_PARAMS, 0);
  if (cs_population_sample(c, rng, values, traits, &err) != CS_OK)
    fail_msg("sampling patient %zu: %s", patient, err.message);
}

/* Parameter `name` of patients 0 .. N_DRAWS-1 of a run with `seed`, into `out`. Each
 * check uses a seed of its own, so that the checks are independent samples. */
static void draw_column(const cs_cohort *c, const char *name, uint64_t seed, double *out)
{
  const int p = cs_cohort_find_param(c, name);
  assert_true(p >= 0);
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  double values[16];
  assert_true(c->n_params <= 16);
  for (size_t i = 0; i < N_DRAWS; i++) {
    sample(c, rng, seed, i, values, NULL);
    out[i] = values[p];
  }
  gsl_rng_free(rng);
}

static double column[N_DRAWS], other[N_DRAWS], third[N_DRAWS];

/* Checks a parameter's sample mean and variance against exact values. */
static void check_moments(const char *params, const char *name, uint64_t seed, double mean,
                          double variance)
{
  char label[128];
  snprintf(label, sizeof label, "%.*s", (int)strcspn(params + 2, "\n"), params + 2);
  cs_cohort *c = load(params, "");
  draw_column(c, name, seed, column);
  cs_test_assert_moments(label, column, N_DRAWS, mean, variance, LIMIT);
  cs_cohort_destroy(&c);
}

/* The mean and variance of N(0, 1) truncated to [alpha, beta] (Johnson, Kotz and
 * Balakrishnan, Continuous Univariate Distributions 1, 2nd ed., section 13.10.1), with
 * the mass taken from the upper tail when the range lies above 0, so far ranges keep
 * their precision. */
static void truncated_moments(double alpha, double beta, double *mean, double *variance)
{
  const double phi_a = isinf(alpha) ? 0 : gsl_ran_ugaussian_pdf(alpha);
  const double phi_b = isinf(beta) ? 0 : gsl_ran_ugaussian_pdf(beta);
  const double z = alpha >= 0 ? gsl_cdf_ugaussian_Q(alpha) - gsl_cdf_ugaussian_Q(beta)
                              : gsl_cdf_ugaussian_P(beta) - gsl_cdf_ugaussian_P(alpha);
  const double a_phi_a = isinf(alpha) ? 0 : alpha * phi_a;
  const double b_phi_b = isinf(beta) ? 0 : beta * phi_b;
  *mean = (phi_a - phi_b) / z;
  *variance = 1 + (a_phi_a - b_phi_b) / z - *mean * *mean;
}

/* ---- marginals ----------------------------------------------------------------------- */

static void test_normal(void **state)
{
  (void)state;
  check_moments("  x: {normal: {mean: 2, sd: 0.5}}\n", "x", SEED + 1, 2.0, 0.25);
}

/* A lognormal with median m and coefficient of variation cv has mean m sqrt(1 + cv^2)
 * and variance mean^2 cv^2; with mu and sigma its logarithm is N(mu, sigma^2). */
static void test_lognormal(void **state)
{
  (void)state;
  const double mean = 0.7 * sqrt(1.09);
  check_moments("  x: {lognormal: {median: 0.7, cv: 0.3}}\n", "x", SEED + 2, mean,
                mean * mean * 0.09);

  cs_cohort *c = load("  x: {lognormal: {mu: 1, sigma: 0.5}}\n", "");
  draw_column(c, "x", SEED + 3, column);
  for (size_t i = 0; i < N_DRAWS; i++)
    column[i] = log(column[i]);
  cs_test_assert_moments("log of lognormal(mu 1, sigma 0.5)", column, N_DRAWS, 1.0, 0.25, LIMIT);
  cs_cohort_destroy(&c);

  /* {median: 1, sigma: s} is {mu: 0, sigma: s}: the same values, bit for bit. */
  c = load("  x: {lognormal: {median: 1, sigma: 0.5}}\n", "");
  draw_column(c, "x", SEED, column);
  cs_cohort_destroy(&c);
  c = load("  x: {lognormal: {mu: 0, sigma: 0.5}}\n", "");
  draw_column(c, "x", SEED, other);
  cs_cohort_destroy(&c);
  assert_memory_equal(column, other, sizeof column);
}

static void test_uniform(void **state)
{
  (void)state;
  check_moments("  x: {uniform: [1, 3]}\n", "x", SEED + 4, 2.0, 4.0 / 12.0);
  cs_cohort *c = load("  x: {uniform: [1, 3]}\n", "");
  draw_column(c, "x", SEED, column);
  cs_cohort_destroy(&c);
  c = load("  x: {uniform: {min: 1, max: 3}}\n", "");
  draw_column(c, "x", SEED, other);
  cs_cohort_destroy(&c);
  assert_memory_equal(column, other, sizeof column);
  for (size_t i = 0; i < N_DRAWS; i++)
    assert_true(column[i] >= 1 && column[i] <= 3);
}

/* Beta(a, b): mean a/(a+b), variance ab/((a+b)^2 (a+b+1)); scaled to [lo, hi] the mean
 * is lo + (hi-lo) mean and the variance (hi-lo)^2 variance. */
static void test_beta(void **state)
{
  (void)state;
  check_moments("  x: {beta: {a: 2, b: 5}}\n", "x", SEED + 5, 2.0 / 7.0, 10.0 / (49.0 * 8.0));
  check_moments("  x: {beta: {a: 0.5, b: 0.5, min: 10, max: 20}}\n", "x", SEED + 6, 15.0,
                100.0 * 0.125);
  cs_cohort *c = load("  x: {beta: {a: 0.5, b: 3, min: -1, max: 1}}\n", "");
  draw_column(c, "x", SEED + 7, column);
  for (size_t i = 0; i < N_DRAWS; i++)
    assert_true(column[i] >= -1 && column[i] <= 1);
  cs_cohort_destroy(&c);
}

/* The beta quantile, at the corners of the shapes the reader accepts and out to the
 * deviates it checks: finite, increasing in p, and exactly the inverse of GSL's CDF
 * (the smallest double whose tail reaches the probability). GSL's own inverse ran for
 * ever at shapes of 1e6. */
static void test_beta_quantile_at_the_shape_limits(void **state)
{
  (void)state;
  static const double shapes[] = {CS_BETA_SHAPE_MIN, 0.3, 1, 40, CS_BETA_SHAPE_MAX};
  static const double z[] = {-CS_DIST_CHECK_Z, -3, -0.5, 0, 0.5, 3, CS_DIST_CHECK_Z};
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
    for (size_t j = 0; j < sizeof shapes / sizeof *shapes; j++) {
      const cs_dist d = {.kind = CS_DIST_BETA, .a = shapes[i], .b = shapes[j], .upper = 1};
      double previous = 0;
      for (size_t k = 0; k < sizeof z / sizeof *z; k++) {
        const double x = cs_dist_from_normal(&d, z[k]);
        assert_true(isfinite(x) && x >= previous && x <= 1);
        previous = x;
        /* x is the smallest double at which the tail reaches the probability. */
        const double p = gsl_cdf_ugaussian_P(z[k]), q = gsl_cdf_ugaussian_Q(z[k]);
        const double before = nextafter(x, 0);
        const bool inverse =
            p <= 0.5 ? gsl_cdf_beta_P(before, d.a, d.b) < p && p <= gsl_cdf_beta_P(x, d.a, d.b)
                     : gsl_cdf_beta_Q(x, d.a, d.b) <= q && q < gsl_cdf_beta_Q(before, d.a, d.b);
        if (!inverse)
          fail_msg("Beta(%g, %g) at z = %g: x = %.17g is not the CDF's inverse", d.a, d.b, z[k], x);
      }
    }
}

/* A truncated normal stays in its range and has the truncated mean and variance: a
 * two-sided range, a half-normal, and ranges 10 sd out in either tail (where Phi(10)
 * rounds to 1, so inverting it naively would give infinities). */
static void test_truncated_normal(void **state)
{
  (void)state;
  static const struct {
    const char *params;
    double mean, sd, lower, upper;
  } cases[] = {
      {"  x: {normal: {mean: 0, sd: 1, min: -0.5, max: 2}}\n", 0, 1, -0.5, 2},
      {"  x: {normal: {mean: 3, sd: 2, min: 3}}\n", 3, 2, 3, HUGE_VAL},
      {"  x: {normal: {mean: 0, sd: 1, min: 10, max: 11}}\n", 0, 1, 10, 11},
      {"  x: {normal: {mean: 1, sd: 0.1, min: 0, max: 0.1}}\n", 1, 0.1, 0, 0.1},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const double alpha = (cases[k].lower - cases[k].mean) / cases[k].sd;
    const double beta = (cases[k].upper - cases[k].mean) / cases[k].sd;
    double mean, variance;
    truncated_moments(alpha, beta, &mean, &variance);
    cs_cohort *c = load(cases[k].params, "");
    draw_column(c, "x", SEED + 10 + k, column);
    for (size_t i = 0; i < N_DRAWS; i++)
      if (!(column[i] >= cases[k].lower && column[i] <= cases[k].upper))
        fail_msg("%s: draw %zu is %g, outside the range", cases[k].params, i, column[i]);
    char label[128];
    snprintf(label, sizeof label, "%.*s", (int)strcspn(cases[k].params + 2, "\n"),
             cases[k].params + 2);
    cs_test_assert_moments(label, column, N_DRAWS, cases[k].mean + cases[k].sd * mean,
                           cases[k].sd * cases[k].sd * variance, LIMIT);
    cs_cohort_destroy(&c);
  }
  /* The half-normal's moments in closed form, as a check of the formula above. */
  double mean, variance;
  truncated_moments(0, HUGE_VAL, &mean, &variance);
  assert_true(fabs(mean - sqrt(2 / PI)) < 1e-14 && fabs(variance - (1 - 2 / PI)) < 1e-14);
}

/* The quantile far out in both tails: z = +-8 gives exactly the normal's and lognormal's
 * quantiles (the upper tail goes through Q, so it is as accurate as the lower), and
 * z = 0 gives the median. */
static void test_quantile_tails(void **state)
{
  (void)state;
  const cs_dist normal = {
      .kind = CS_DIST_NORMAL, .mean = 3, .sd = 2, .lower = -HUGE_VAL, .upper = HUGE_VAL};
  const cs_dist lognormal = {.kind = CS_DIST_LOGNORMAL, .mu = 0, .sigma = 1};
  const cs_dist uniform = {.kind = CS_DIST_UNIFORM, .lower = 2, .upper = 4};
  const cs_dist fixed = {.kind = CS_DIST_FIXED, .value = 7};
  for (int sign = -1; sign <= 1; sign += 2) {
    const double z = 8.0 * sign;
    assert_true(fabs(cs_dist_from_normal(&normal, z) - (3 + 2 * z)) < 1e-12);
    assert_true(fabs(cs_dist_from_normal(&lognormal, z) / exp(z) - 1) < 1e-12);
    const double u = cs_dist_from_normal(&uniform, z);
    assert_true(u >= 2 && u <= 4 && fabs(u - (sign < 0 ? 2 : 4)) < 1e-14);
  }
  assert_true(cs_dist_from_normal(&normal, 0) == 3);
  assert_true(cs_dist_from_normal(&lognormal, 0) == 1);
  assert_true(cs_dist_from_normal(&uniform, 0) == 3);
  assert_true(cs_dist_from_normal(&fixed, 5) == 7);
  assert_true(cs_dist_quantile(&fixed, 0.1, 0.9) == 7);
  /* Symmetric truncation: the median is the mean; the limits are the extreme quantiles. */
  const cs_dist truncated = {.kind = CS_DIST_NORMAL, .mean = 0, .sd = 1, .lower = -1, .upper = 1};
  assert_true(fabs(cs_dist_quantile(&truncated, 0.5, 0.5)) < 1e-15);
  assert_true(fabs(cs_dist_quantile(&truncated, 1e-300, 1) + 1) < 1e-12);
  assert_true(fabs(cs_dist_quantile(&truncated, 1, 1e-300) - 1) < 1e-12);
  assert_true(cs_dist_normal_mass(&truncated) == 1 - 2 * gsl_cdf_ugaussian_P(-1));
}

/* ---- the copula ---------------------------------------------------------------------- */

/* The normals under three marginals, recovered from the values: their sample
 * correlations are the rho of the file (0 for the pair not given), and each marginal is
 * what it would be alone. */
static void test_copula_correlation(void **state)
{
  (void)state;
  cs_cohort *c = load("  a: {lognormal: {mu: 0, sigma: 0.5}}\n"
                      "  b: {uniform: [0, 1]}\n"
                      "  c: {normal: {mean: 5, sd: 2}}\n",
                      "correlations: [[a, b, 0.6], [c, b, -0.3]]\n");
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  double values[3];
  for (size_t i = 0; i < N_DRAWS; i++) {
    sample(c, rng, SEED + 20, i, values, NULL);
    column[i] = log(values[0]) / 0.5;
    other[i] = gsl_cdf_ugaussian_Pinv(values[1]);
    third[i] = (values[2] - 5) / 2;
  }
  const double n = N_DRAWS;
  cs_test_assert_within_sigma("corr(a, b), rho 0.6",
                              gsl_stats_correlation(column, 1, other, 1, N_DRAWS), 0.6,
                              (1 - 0.36) / sqrt(n), LIMIT);
  cs_test_assert_within_sigma("corr(b, c), rho -0.3",
                              gsl_stats_correlation(other, 1, third, 1, N_DRAWS), -0.3,
                              (1 - 0.09) / sqrt(n), LIMIT);
  cs_test_assert_within_sigma("corr(a, c), rho 0",
                              gsl_stats_correlation(column, 1, third, 1, N_DRAWS), 0.0, 1 / sqrt(n),
                              LIMIT);
  /* The marginals: standard normals underneath, a uniform on top. */
  cs_test_assert_moments("normal under a", column, N_DRAWS, 0, 1, LIMIT);
  cs_test_assert_moments("normal under c", third, N_DRAWS, 0, 1, LIMIT);
  for (size_t i = 0; i < N_DRAWS; i++) {
    sample(c, rng, SEED + 21, i, values, NULL);
    other[i] = values[1];
  }
  cs_test_assert_moments("b ~ uniform(0, 1)", other, N_DRAWS, 0.5, 1.0 / 12.0, LIMIT);
  gsl_rng_free(rng);
  cs_cohort_destroy(&c);
}

/* Each sampled parameter draws exactly one normal, so a correlation changes only the
 * second parameter of its pair, and a fixed parameter, wherever it stands, none. */
static void test_draws_do_not_shift(void **state)
{
  (void)state;
  static const char three[] = "  a: {normal: {mean: 0, sd: 1}}\n"
                              "  b: {lognormal: {median: 2, cv: 0.5}}\n"
                              "  c: {uniform: [0, 10]}\n";
  cs_cohort *plain = load(three, "");
  cs_cohort *correlated = load(three, "correlations: [[a, c, 0.5]]\n");
  cs_cohort *with_fixed = load("  a: {normal: {mean: 0, sd: 1}}\n"
                               "  k: 3\n"
                               "  b: {lognormal: {median: 2, cv: 0.5}}\n"
                               "  c: {uniform: [0, 10]}\n",
                               "");
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  size_t c_differs = 0;
  for (size_t i = 0; i < 1000; i++) {
    double x[3], y[3], z[4];
    sample(plain, rng, SEED, i, x, NULL);
    sample(correlated, rng, SEED, i, y, NULL);
    sample(with_fixed, rng, SEED, i, z, NULL);
    assert_true(x[0] == y[0] && x[1] == y[1]);
    c_differs += x[2] != y[2];
    assert_true(x[0] == z[0] && z[1] == 3 && x[1] == z[2] && x[2] == z[3]);
  }
  assert_int_equal(c_differs, 1000);
  gsl_rng_free(rng);
  cs_cohort_destroy(&plain);
  cs_cohort_destroy(&correlated);
  cs_cohort_destroy(&with_fixed);
}

/* Fixed parameters draw nothing: after sampling, the stream is where it started. */
static void test_fixed_draws_nothing(void **state)
{
  (void)state;
  cs_cohort *c = load("  a: 1\n  b: 2\n", "");
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  double values[2];
  sample(c, rng, SEED, 3, values, NULL);
  assert_true(values[0] == 1 && values[1] == 2);
  const double next = gsl_rng_uniform(rng);
  cs_rng_select_stream(rng, SEED, 3, CS_STREAM_PARAMS, 0);
  assert_true(gsl_rng_uniform(rng) == next);
  gsl_rng_free(rng);
  cs_cohort_destroy(&c);
}

/* ---- traits -------------------------------------------------------------------------- */

static void test_traits(void **state)
{
  (void)state;
  static const char params[] = "  a: {normal: {mean: 0, sd: 1}}\n  knec: 1.5\n  k2: 7\n";
  cs_cohort *plain = load(params, "");
  cs_cohort *c = load(params, "traits:\n"
                              "  ripk3_loss: {probability: 0.1, set: {knec: 0}}\n"
                              "  second: {probability: 0.5, set: {k2: 1, knec: 2}}\n"
                              "  never: {probability: 0}\n"
                              "  always: {probability: 1}\n");
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  size_t first = 0, second = 0, both = 0;
  for (size_t i = 0; i < N_DRAWS; i++) {
    double v[3], w[3];
    unsigned char t[4] = {9, 9, 9, 9};
    sample(c, rng, SEED + 30, i, v, t);
    sample(plain, rng, SEED + 30, i, w, NULL);
    assert_true(t[0] <= 1 && t[1] <= 1);
    assert_int_equal(t[2], 0);
    assert_int_equal(t[3], 1);
    first += t[0];
    second += t[1];
    both += t[0] && t[1];
    /* Traits come after every continuous draw and override in file order. */
    assert_true(v[0] == w[0]);
    const double knec = t[1] ? 2.0 : t[0] ? 0.0 : 1.5;
    assert_true(v[1] == knec);
    assert_true(v[2] == (t[1] ? 1.0 : 7.0));
  }
  cs_test_assert_proportion("trait ripk3_loss, p 0.1", first, N_DRAWS, 0.1, LIMIT);
  cs_test_assert_proportion("trait second, p 0.5", second, N_DRAWS, 0.5, LIMIT);
  cs_test_assert_proportion("both traits, p 0.05 (independent)", both, N_DRAWS, 0.05, LIMIT);
  gsl_rng_free(rng);
  cs_cohort_destroy(&plain);
  cs_cohort_destroy(&c);
}

/* ---- determinism and errors ---------------------------------------------------------- */

/* The same (seed, patient) gives the same values bit for bit, whatever was sampled in
 * between; another patient or another seed, other values. */
static void test_deterministic(void **state)
{
  (void)state;
  cs_cohort *c = load("  a: {normal: {mean: 0, sd: 1}}\n  b: {beta: {a: 2, b: 3}}\n",
                      "correlations: [[a, b, 0.4]]\ntraits: {t: {probability: 0.5}}\n");
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  for (size_t i = 0; i < 100; i++) {
    double x[2], y[2], z[2], s[2];
    unsigned char tx, ty;
    sample(c, rng, SEED, i, x, &tx);
    sample(c, rng, SEED, i + 1, z, NULL);
    sample(c, rng, SEED, i, y, &ty);
    assert_memory_equal(x, y, sizeof x);
    assert_int_equal(tx, ty);
    assert_true(x[0] != z[0] && x[1] != z[1]);
    sample(c, rng, SEED + 1, i, s, NULL);
    assert_true(x[0] != s[0] && x[1] != s[1]);
  }
  gsl_rng_free(rng);
  cs_cohort_destroy(&c);
}

/* An inverse CDF that gives a non-finite value is CS_ERR_NUMERIC naming the parameter.
 * A valid cohort cannot get there; a hand-made one with a NaN parameter can. */
static void test_non_finite_draw(void **state)
{
  (void)state;
  cs_param param = {.name = "broken",
                    .dist = {.kind = CS_DIST_LOGNORMAL, .mu = NAN, .sigma = 1, .value = 1}};
  int sampled = 0;
  cs_cohort c = {.n_params = 1, .param = &param, .n_sampled = 1, .sampled = &sampled};
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  cs_rng_select_stream(rng, SEED, 0, CS_STREAM_PARAMS, 0);
  double value = 0;
  cs_error err = {0};
  assert_int_equal(cs_population_sample(&c, rng, &value, NULL, &err), CS_ERR_NUMERIC);
  assert_int_equal(err.status, CS_ERR_NUMERIC);
  assert_non_null(strstr(err.message, "parameter 'broken'"));
  gsl_rng_free(rng);
}

/* Arm settings override the patient's values, traits included. */
static void test_apply_arm(void **state)
{
  (void)state;
  cs_cohort *c = load("  a: {normal: {mean: 0, sd: 1}}\n  k: 2\n", "");
  c->arm[0].n_sets = 0;
  double values[2] = {0.3, 2};
  cs_population_apply_arm(c, 0, values);
  assert_true(values[0] == 0.3 && values[1] == 2);
  cs_cohort_destroy(&c);
  char text[] = "name: arms\nfollowup_days: 1\nparameters: {a: {uniform: [0, 1]}, k: 2}\n"
                "traits: {t: {probability: 1, set: {k: 5}}}\n"
                "species: {A: {initial: 1}}\n"
                "reactions: {r: {change: {A: -1}, rate: k, factors: [{species: A}]}}\n"
                "arms: {deficient: {set: {k: 0}}}\noutcomes: {tumour: [A]}\n";
  cs_error err = {0};
  assert_int_equal(cs_cohort_load_string(text, "arms", 0, NULL, &c, &err), CS_OK);
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(rng);
  unsigned char trait = 0;
  sample(c, rng, SEED, 0, values, &trait);
  assert_true(trait == 1 && values[1] == 5);
  cs_population_apply_arm(c, 0, values);
  assert_true(values[1] == 0);
  gsl_rng_free(rng);
  cs_cohort_destroy(&c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normal),
      cmocka_unit_test(test_lognormal),
      cmocka_unit_test(test_uniform),
      cmocka_unit_test(test_beta),
      cmocka_unit_test(test_beta_quantile_at_the_shape_limits),
      cmocka_unit_test(test_truncated_normal),
      cmocka_unit_test(test_quantile_tails),
      cmocka_unit_test(test_copula_correlation),
      cmocka_unit_test(test_draws_do_not_shift),
      cmocka_unit_test(test_fixed_draws_nothing),
      cmocka_unit_test(test_traits),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_non_finite_draw),
      cmocka_unit_test(test_apply_arm),
  };
  /* As main does: a GSL failure is a status, never an abort. */
  gsl_set_error_handler_off();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
