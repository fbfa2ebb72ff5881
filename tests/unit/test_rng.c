/* Unit tests of the per-patient random streams: Random123's published known-answer vector
 * for Philox4x64-10, a recorded regression of the stream cohortsim uses most, stream
 * independence and restart, the gsl_rng interface (range, clone, distributions), the
 * inline draws the engines use (the same stream as the gsl_rng interface), the ziggurat
 * exponential (regression values, moments, a chi-square against the exponential law and
 * the far tail), and a chi-square test of uniformity with a sigma-based limit.
 *
 * Everything runs on fixed seeds, so each test either always passes or always fails.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cohortsim/rng.h"

#define N_DRAWS 100000

static int setup_rng(void **state)
{
  gsl_rng *rng = gsl_rng_alloc(cs_rng_philox);
  if (rng == NULL)
    return -1;
  *state = rng;
  return 0;
}

static int teardown_rng(void **state)
{
  gsl_rng_free(*state);
  return 0;
}

/* The top 53 bits of a 64-bit output as a double in [0, 1), the conversion rng.c
 * documents; written out here so a changed conversion shows. */
static double top53(uint64_t x)
{
  return (double)(x >> 11) * 0x1.0p-53;
}

static void draw(gsl_rng *rng, size_t n, unsigned long *out)
{
  for (size_t i = 0; i < n; i++)
    out[i] = gsl_rng_get(rng);
}

static void test_type_interface(void **state)
{
  gsl_rng *rng = *state;
  assert_string_equal(gsl_rng_name(rng), "philox-xoshiro256++");
  assert_int_equal(gsl_rng_min(rng), 0);
  assert_int_equal(gsl_rng_max(rng), 0xffffffffUL);
}

/* Random123's kat_vectors: philox4x64-10 with counter 0 and key 0 gives
 * 16554d9eca36314c db20fe9d672d0fdc d7e772cee186176b 7e68b68aec7ba23b. gsl_rng_set(r, 0)
 * names the stream with key (0, 0) and counter 0, so that vector must be the xoshiro256++
 * state, and the outputs the xoshiro256++ steps from it (computed independently): the top
 * 32 bits through gsl_rng_get, the top 53 through gsl_rng_uniform. */
static const uint64_t kat[4] = {UINT64_C(0x16554d9eca36314c), UINT64_C(0xdb20fe9d672d0fdc),
                                UINT64_C(0xd7e772cee186176b), UINT64_C(0x7e68b68aec7ba23b)};
static const uint64_t kat_outputs[4] = {UINT64_C(0x2b30a6888e00904e), UINT64_C(0xcc4237504c2509a8),
                                        UINT64_C(0xe59906d37bbae6ef), UINT64_C(0x16f4da36f0412f63)};

static void test_random123_known_answer(void **state)
{
  gsl_rng *rng = *state;
  gsl_rng_set(rng, 0);
  assert_memory_equal(((const cs_rng_state *)rng->state)->s, kat, sizeof kat);
  for (int i = 0; i < 4; i++)
    assert_int_equal(gsl_rng_get(rng), (unsigned long)(kat_outputs[i] >> 32));
  gsl_rng_set(rng, 0);
  for (int i = 0; i < 4; i++) {
    const double expected = top53(kat_outputs[i]);
    const double actual = gsl_rng_uniform(rng);
    assert_memory_equal(&actual, &expected, sizeof actual);
  }
}

/* A regression record, in the spirit of GSL's rng_test known values: the first outputs of
 * the stream (seed 1, patient 0, DYNAMICS, arm 0), i.e. xoshiro256++ seeded with
 * Philox4x64-10 of key (1, 0) and counter (0, 0, 0, 3). Changing any of these changes
 * every published result, so it must be a deliberate decision. */
static void test_dynamics_stream_known_values(void **state)
{
  gsl_rng *rng = *state;
  static const unsigned long expected[5] = {0x946b591eUL, 0x0113fcc1UL, 0x9016fb3cUL, 0x453f1c24UL,
                                            0xaed1bd77UL};
  cs_rng_select_stream(rng, 1, 0, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < 5; i++)
    assert_int_equal(gsl_rng_get(rng), expected[i]);

  static const uint64_t raw[3] = {UINT64_C(0x946b591e2be04930), UINT64_C(0x0113fcc1235003d4),
                                  UINT64_C(0x9016fb3c8926ec07)};
  cs_rng_select_stream(rng, 1, 0, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < 3; i++) {
    const double want = top53(raw[i]);
    const double got = gsl_rng_uniform(rng);
    assert_memory_equal(&got, &want, sizeof got);
  }
}

static void test_same_stream_same_sequence(void **state)
{
  gsl_rng *a = *state;
  gsl_rng *b = gsl_rng_alloc(cs_rng_philox);
  assert_non_null(b);
  unsigned long x[10], y[10];
  cs_rng_select_stream(a, 20240601, 17, CS_STREAM_SCHEDULE, 2);
  cs_rng_select_stream(b, 20240601, 17, CS_STREAM_SCHEDULE, 2);
  draw(a, 10, x);
  draw(b, 10, y);
  assert_memory_equal(x, y, sizeof x);
  gsl_rng_free(b);
}

/* Changing any one of seed, patient, purpose or arm gives a different sequence. */
static void test_streams_differ(void **state)
{
  gsl_rng *rng = *state;
  struct {
    uint64_t seed, patient;
    cs_stream_purpose purpose;
    uint32_t arm;
  } stream[] = {
      {1, 0, CS_STREAM_DYNAMICS, 0}, {2, 0, CS_STREAM_DYNAMICS, 0}, {1, 1, CS_STREAM_DYNAMICS, 0},
      {1, 0, CS_STREAM_PARAMS, 0},   {1, 0, CS_STREAM_SCHEDULE, 0}, {1, 0, CS_STREAM_DYNAMICS, 1},
      {0, 1, CS_STREAM_DYNAMICS, 0}, /* seed and patient swapped */
  };
  enum { N_STREAMS = sizeof stream / sizeof stream[0], N = 8 };
  unsigned long out[N_STREAMS][N];
  for (size_t s = 0; s < N_STREAMS; s++) {
    cs_rng_select_stream(rng, stream[s].seed, stream[s].patient, stream[s].purpose, stream[s].arm);
    draw(rng, N, out[s]);
  }
  for (size_t s = 0; s < N_STREAMS; s++)
    for (size_t t = s + 1; t < N_STREAMS; t++) {
      int same = 0;
      for (size_t i = 0; i < N; i++)
        same += out[s][i] == out[t][i];
      /* Two independent 32-bit sequences of 8 share an element with probability 2^-29. */
      if (same != 0)
        fail_msg("streams %zu and %zu share %d of their first %d outputs", s, t, same, N);
    }
}

/* Selecting a stream again restarts it, also after crossing a block boundary, and a
 * stream's values do not depend on which streams were used before. */
static void test_select_restarts(void **state)
{
  gsl_rng *rng = *state;
  unsigned long first[11], again[11];
  cs_rng_select_stream(rng, 7, 3, CS_STREAM_PARAMS, 0);
  draw(rng, 11, first);
  cs_rng_select_stream(rng, 99, 5, CS_STREAM_DYNAMICS, 1);
  (void)gsl_rng_get(rng);
  cs_rng_select_stream(rng, 7, 3, CS_STREAM_PARAMS, 0);
  draw(rng, 11, again);
  assert_memory_equal(first, again, sizeof first);
}

/* The state size is declared right: a clone continues exactly where the original is. */
static void test_clone_continues(void **state)
{
  gsl_rng *rng = *state;
  cs_rng_select_stream(rng, 5, 8, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < 6; i++)
    (void)gsl_rng_get(rng);
  gsl_rng *copy = gsl_rng_clone(rng);
  assert_non_null(copy);
  unsigned long x[9], y[9];
  draw(rng, 9, x);
  draw(copy, 9, y);
  assert_memory_equal(x, y, sizeof x);
  gsl_rng_free(copy);
}

static void test_uniform_range(void **state)
{
  gsl_rng *rng = *state;
  cs_rng_select_stream(rng, 11, 0, CS_STREAM_DYNAMICS, 0);
  double lo = 1, hi = 0;
  for (int i = 0; i < N_DRAWS; i++) {
    const double u = gsl_rng_uniform(rng);
    if (!(u >= 0.0 && u < 1.0))
      fail_msg("draw %d is %.17g, outside [0, 1)", i, u);
    lo = fmin(lo, u);
    hi = fmax(hi, u);
  }
  /* 1e5 draws leave no gap of 1e-3 at either end except with probability ~ e^-100. */
  assert_true(lo < 1e-3);
  assert_true(hi > 1.0 - 1e-3);
  for (int i = 0; i < 1000; i++) {
    const unsigned long k = gsl_rng_uniform_int(rng, 7);
    assert_true(k < 7);
  }
}

/* Pearson's chi-square of 1e5 draws in 100 equal bins: 99 degrees of freedom, mean 99,
 * standard deviation sqrt(198) = 14.07. The limit is 5 sigma either side (oracles.md's
 * convention); too good a fit would be as suspicious as too poor a one. */
static void test_chi_square_uniformity(void **state)
{
  gsl_rng *rng = *state;
  enum { BINS = 100 };
  unsigned count[BINS] = {0};
  cs_rng_select_stream(rng, 12345, 42, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < N_DRAWS; i++)
    count[(size_t)(gsl_rng_uniform(rng) * BINS)]++;
  const double expected = (double)N_DRAWS / BINS;
  double chi2 = 0;
  for (int b = 0; b < BINS; b++)
    chi2 += ((double)count[b] - expected) * ((double)count[b] - expected) / expected;
  const double mean = BINS - 1, sigma = sqrt(2.0 * (BINS - 1));
  if (fabs(chi2 - mean) > 5 * sigma)
    fail_msg("chi-square %g is more than 5 sigma from %g", chi2, mean);
}

/* The integer interface is uniform too: the low bit of gsl_rng_get is a fair coin. */
static void test_low_bit_balanced(void **state)
{
  gsl_rng *rng = *state;
  cs_rng_select_stream(rng, 3, 1, CS_STREAM_SCHEDULE, 4);
  long ones = 0;
  for (int i = 0; i < N_DRAWS; i++)
    ones += (long)(gsl_rng_get(rng) & 1UL);
  const double sigma = sqrt(N_DRAWS * 0.25);
  assert_true(fabs((double)ones - N_DRAWS / 2.0) < 5 * sigma);
}

/* GSL's distributions draw from the stream: the Gaussian's mean and variance are right
 * within 5 sigma, and the draws are reproducible. */
static void test_gsl_gaussian(void **state)
{
  gsl_rng *rng = *state;
  cs_rng_select_stream(rng, 1, 2, CS_STREAM_PARAMS, 0);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < N_DRAWS; i++) {
    const double x = gsl_ran_gaussian(rng, 2.0);
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / N_DRAWS, variance = sum2 / N_DRAWS - mean * mean;
  /* sd 2: the mean has sd 2/sqrt(n), the variance sd 4 sqrt(2/n). */
  assert_true(fabs(mean) < 5 * 2.0 / sqrt(N_DRAWS));
  assert_true(fabs(variance - 4.0) < 5 * 4.0 * sqrt(2.0 / N_DRAWS));

  double a[4], b[4];
  cs_rng_select_stream(rng, 1, 2, CS_STREAM_PARAMS, 0);
  for (int i = 0; i < 4; i++)
    a[i] = gsl_ran_gaussian(rng, 1.0);
  cs_rng_select_stream(rng, 1, 2, CS_STREAM_PARAMS, 0);
  for (int i = 0; i < 4; i++)
    b[i] = gsl_ran_gaussian(rng, 1.0);
  assert_memory_equal(a, b, sizeof a);
}

/* The first five 64-bit outputs of (seed 1, patient 0, DYNAMICS, arm 0), as above. */
static const uint64_t dynamics_raw[5] = {UINT64_C(0x946b591e2be04930), UINT64_C(0x0113fcc1235003d4),
                                         UINT64_C(0x9016fb3c8926ec07), UINT64_C(0x453f1c24128d3f84),
                                         UINT64_C(0xaed1bd778f54cee3)};

/* The inline draws read the full 64 bits of the outputs from the known-answer state. */
static void test_u64_known_answer(void **state)
{
  gsl_rng *rng = *state;
  gsl_rng_set(rng, 0);
  for (int i = 0; i < 4; i++)
    assert_true(cs_rng_u64(rng) == kat_outputs[i]);
}

/* Inline and gsl_rng draws take turns on one stream: each reads the next output, so an
 * engine may mix them freely. */
static void test_inline_and_gsl_share_the_stream(void **state)
{
  gsl_rng *rng = *state;
  cs_rng_select_stream(rng, 1, 0, CS_STREAM_DYNAMICS, 0);
  assert_true(cs_rng_u64(rng) == dynamics_raw[0]);
  assert_int_equal(gsl_rng_get(rng), (unsigned long)(dynamics_raw[1] >> 32));
  const double u2 = cs_rng_uniform(rng), want2 = top53(dynamics_raw[2]);
  assert_memory_equal(&u2, &want2, sizeof u2);
  const double u3 = gsl_rng_uniform(rng), want3 = top53(dynamics_raw[3]);
  assert_memory_equal(&u3, &want3, sizeof u3);
  assert_true(cs_rng_u64(rng) == dynamics_raw[4]);
}

/* A regression record of the ziggurat exponential on (seed 1, patient 0, DYNAMICS): the
 * first outputs pick layers 48, 212, 7, ... of the table built from exp and log, so a
 * change of the table, the layer/point split or the stream shows here. */
static void test_exponential_known_values(void **state)
{
  gsl_rng *rng = *state;
  static const double expected[6] = {0x1.cd628f3fc68d6p-2, 0x1.b8b7e57d81dc8p-7,
                                     0x1.0d7e9a0198447p-3, 0x1.dcad4fed6218fp-2,
                                     0x1.466f1159658e4p+1, 0x1.8057665a1e1f7p-2};
  cs_rng_select_stream(rng, 1, 0, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < 6; i++) {
    const double x = cs_rng_exponential(rng);
    if (x != expected[i]) /* finite and nonzero: equal values have equal bits */
      fail_msg("exponential draw %d is %a, expected %a", i, x, expected[i]);
  }
  /* Each exponential takes exactly one 64-bit output unless it falls outside the
   * rectangles; these six did not, so the seventh output is the next in the stream. */
  cs_rng_select_stream(rng, 1, 0, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < 6; i++)
    (void)cs_rng_u64(rng);
  const uint64_t seventh = cs_rng_u64(rng);
  cs_rng_select_stream(rng, 1, 0, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < 6; i++)
    (void)cs_rng_exponential(rng);
  assert_true(cs_rng_u64(rng) == seventh);
}

/* The exponential law, checked on 1e6 draws with 5-sigma limits: the mean (sd 1/sqrt(n))
 * and variance (sd sqrt(8/n), from the fourth moment 9); Pearson's chi-square over 100
 * bins of equal probability (edges -log(1 - k/100)), which sees a wrong acceptance test in
 * the wedges at about 10 sigma; and the counts in [7.5, r) and [r, inf) around the
 * ziggurat's base r = 7.6971 (expected 99.0 and 454.1), which only a right tail branch
 * gets right. A million draws take a few milliseconds. */
static void test_exponential_distribution(void **state)
{
  gsl_rng *rng = *state;
  enum { BINS = 100, DRAWS = 1000000 };
  const double r = 7.697117470131487;
  unsigned count[BINS] = {0};
  double sum = 0, sum2 = 0;
  long near_r = 0, beyond_r = 0;
  cs_rng_select_stream(rng, 2024, 7, CS_STREAM_DYNAMICS, 0);
  for (int i = 0; i < DRAWS; i++) {
    const double x = cs_rng_exponential(rng);
    if (!(x >= 0.0 && isfinite(x)))
      fail_msg("draw %d is %g", i, x);
    sum += x;
    sum2 += x * x;
    near_r += x >= 7.5 && x < r;
    beyond_r += x >= r;
    /* The bin of probability mass F(x) = 1 - exp(-x). */
    const size_t bin = (size_t)(-expm1(-x) * BINS);
    count[bin < BINS ? bin : BINS - 1]++;
  }
  const double n = DRAWS, mean = sum / n, variance = sum2 / n - mean * mean;
  if (fabs(mean - 1.0) > 5 / sqrt(n))
    fail_msg("mean %g", mean);
  if (fabs(variance - 1.0) > 5 * sqrt(8 / n))
    fail_msg("variance %g", variance);
  double chi2 = 0;
  for (int b = 0; b < BINS; b++)
    chi2 += ((double)count[b] - n / BINS) * ((double)count[b] - n / BINS) / (n / BINS);
  if (fabs(chi2 - (BINS - 1)) > 5 * sqrt(2.0 * (BINS - 1)))
    fail_msg("chi-square %g is more than 5 sigma from %d", chi2, BINS - 1);
  const double near_expected = n * (exp(-7.5) - exp(-r)), tail_expected = n * exp(-r);
  if (fabs((double)near_r - near_expected) > 5 * sqrt(near_expected))
    fail_msg("%ld draws in [7.5, r), expected %g", near_r, near_expected);
  if (fabs((double)beyond_r - tail_expected) > 5 * sqrt(tail_expected))
    fail_msg("%ld draws beyond r, expected %g", beyond_r, tail_expected);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_type_interface, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_random123_known_answer, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_dynamics_stream_known_values, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_same_stream_same_sequence, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_streams_differ, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_select_restarts, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_clone_continues, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_uniform_range, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_chi_square_uniformity, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_low_bit_balanced, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_gsl_gaussian, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_u64_known_answer, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_inline_and_gsl_share_the_stream, setup_rng,
                                      teardown_rng),
      cmocka_unit_test_setup_teardown(test_exponential_known_values, setup_rng, teardown_rng),
      cmocka_unit_test_setup_teardown(test_exponential_distribution, setup_rng, teardown_rng),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
