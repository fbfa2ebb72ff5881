#include "cohortsim/poisson.h"

#include <math.h>

#include "cohortsim/rng.h"

/* Inversion stops here and starts again with a new uniform: with a mean below 10 the
 * probability of a larger value is below 1e-60, far under the 2^-53 resolution of the
 * uniform, so the restart only guards against a uniform beyond the rounded sum of the
 * probabilities (which may fall short of 1 by a few units in the last place). */
#define CS_INVERSION_MAX 100

static double uniform(uint64_t s[4])
{
  return cs_rng_bits_to_uniform(cs_xoshiro_next(s));
}

/* Inversion by sequential search: the smallest k with u < P(X <= k). */
static int64_t inversion(uint64_t s[4], double mean)
{
  const double p0 = exp(-mean);
  for (;;) {
    const double u = uniform(s);
    double p = p0, cdf = p0;
    int64_t k = 0;
    while (u >= cdf && k < CS_INVERSION_MAX) {
      k++;
      p *= mean / (double)k;
      cdf += p;
    }
    if (u < cdf)
      return k;
  }
}

/* ln k! for k < 10, where Stirling's series below is not yet accurate to 1e-10. */
static const double log_factorial_small[10] = {0.0,
                                               0.0,
                                               0.6931471805599453,
                                               1.791759469228055,
                                               3.1780538303479458,
                                               4.787491742782046,
                                               6.579251212010101,
                                               8.525161361065415,
                                               10.60460290274525,
                                               12.801827480081469};

/* ln of the Poisson probability of k (a non-negative integer held in a double) for the
 * given mean. For k >= 10, ln k! is Stirling's series to the k^-5 term (error below
 * 1e-10), and k ln(mean/k) is written as k log1p((mean - k)/k): mean - k is exact when
 * the two are close (Sterbenz), so the large terms k ln mean, mean and ln k! never
 * cancel in floating point, which keeps the test accurate even for means of 1e12. */
static double log_probability(double k, double mean)
{
  if (k < 10)
    return k * log(mean) - mean - log_factorial_small[(int)k];
  const double r = 1 / k, r2 = r * r;
  const double stirling_tail = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260)));
  return k * log1p((mean - k) / k) + (k - mean) - 0.5 * log(k) - 0.9189385332046727 - stirling_tail;
}

/* PTRS, as in Hoermann (1993), Algorithm PTRS, with his constants. A try draws u
 * uniform on [-1/2, 1/2) and v on [0, 1); k = floor((2a/us + b) u + mean + 0.43) with
 * us = 1/2 - |u| follows a hat close to the Poisson law; the squeeze (us >= 0.07 and
 * v <= v_r) accepts many tries without a logarithm, and the rest are accepted when
 * v times the hat's density ratio lies below the Poisson probability. */
static int64_t ptrs(uint64_t s[4], double mean)
{
  const double b = 0.931 + 2.53 * sqrt(mean);
  const double a = -0.059 + 0.02483 * b;
  const double v_r = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = uniform(s) - 0.5;
    const double v = uniform(s);
    const double us = 0.5 - fabs(u);
    /* us = 0 (u = -1/2) gives k = -inf, rejected below before any conversion. */
    const double k = floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r)
      return (int64_t)k;
    if (k < 0 || (us < 0.013 && v > us))
      continue;
    const double alpha = 1.1239 + 1.1328 / (b - 3.4); /* only needed here */
    if (log(v * alpha / (a / (us * us) + b)) <= log_probability(k, mean))
      return (int64_t)k;
  }
}

/* The largest result: far beyond any count, and converted from double without
 * overflow (a mean near 2^63 would give values that do not fit int64). */
#define CS_POISSON_MAX 0x1.0p62

int64_t cs_poisson_draw(uint64_t s[4], double mean)
{
  if (!(mean > 0))
    return 0;
  if (mean >= CS_POISSON_MAX)
    return (int64_t)CS_POISSON_MAX;
  return mean < CS_POISSON_PTRS_FROM ? inversion(s, mean) : ptrs(s, mean);
}
