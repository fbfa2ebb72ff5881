#include "cohortsim/dist.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The standardised limits and the normal mass cut off below and above the range. */
static void normal_tails(const cs_dist *d, double *alpha, double *beta, double *below,
                         double *above)
{
  *alpha = (d->lower - d->mean) / d->sd;
  *beta = (d->upper - d->mean) / d->sd;
  *below = isinf(*alpha) ? 0.0 : gsl_cdf_ugaussian_P(*alpha);
  *above = isinf(*beta) ? 0.0 : gsl_cdf_ugaussian_Q(*beta);
}

static double normal_mass(double alpha, double beta, double below, double above)
{
  if (alpha >= 0)
    return gsl_cdf_ugaussian_Q(alpha) - above;
  if (beta <= 0)
    return gsl_cdf_ugaussian_P(beta) - below;
  return 1.0 - below - above;
}

double cs_dist_normal_mass(const cs_dist *d)
{
  if (d->sd == 0)
    return d->mean >= d->lower && d->mean <= d->upper ? 1.0 : 0.0;
  double alpha, beta, below, above;
  normal_tails(d, &alpha, &beta, &below, &above);
  return normal_mass(alpha, beta, below, above);
}

/* The quantile of a normal truncated to [lower, upper], by inversion on the range: with
 * alpha, beta the standardised limits, x = Phi^-1(Phi(alpha) + p (Phi(beta) -
 * Phi(alpha))). Written that way it fails in the upper tail, where Phi is within an
 * ulp of 1 (a range 9 sd above the mean has Phi(alpha) == 1 in double precision; the
 * weakness of naive inversion that Chopin, Stat Comput 21:275, 2011, discusses), so
 * every probability is taken from the tail it is small in: the mass of the range from
 * whichever side keeps it accurate, and a target above the median inverted through the
 * upper tail Q with q = 1 - p. */
static double truncated_normal_quantile(const cs_dist *d, double p, double q)
{
  if (d->sd == 0)
    return d->mean; /* validation keeps the mean inside the range */
  double alpha, beta, below, above;
  normal_tails(d, &alpha, &beta, &below, &above);
  const double mass = normal_mass(alpha, beta, below, above);
  const double target = below + p * mass;
  const double x =
      target <= 0.5 ? gsl_cdf_ugaussian_Pinv(target) : gsl_cdf_ugaussian_Qinv(above + q * mass);
  /* Rounding can step an ulp outside the range; the range is a promise. */
  return fmin(fmax(d->mean + d->sd * x, d->lower), d->upper);
}

/* The beta quantile, found by bisection on the bits of x: non-negative doubles are
 * ordered as their bit patterns, so at most 62 halvings of [0, 1] reach the smallest x
 * whose lower-tail probability P(x) is at least p (or, above the median, whose upper
 * tail Q(x) is at most q), to the last bit, with the tail it is small in. GSL's own
 * inverse (gsl_cdf_beta_Pinv) iterates without bound where the CDF fails, e.g. for
 * shapes of 1e6 and more, so its time could not be bounded. */
static double beta_quantile(const cs_dist *d, double p, double q, bool upper)
{
  const double one = 1.0;
  uint64_t below = 0, above;
  memcpy(&above, &one, sizeof above);
  while (above - below > 1) {
    const uint64_t middle = below + (above - below) / 2;
    double x;
    memcpy(&x, &middle, sizeof x);
    const bool short_of_target =
        upper ? gsl_cdf_beta_Q(x, d->a, d->b) > q : gsl_cdf_beta_P(x, d->a, d->b) < p;
    if (short_of_target)
      below = middle;
    else
      above = middle;
  }
  double x;
  memcpy(&x, &above, sizeof x);
  return x;
}

double cs_dist_quantile(const cs_dist *d, double p, double q)
{
  const int upper = p > 0.5;
  switch (d->kind) {
  case CS_DIST_FIXED:
    return d->value;
  case CS_DIST_NORMAL:
    return truncated_normal_quantile(d, p, q);
  case CS_DIST_LOGNORMAL:
    return upper ? gsl_cdf_lognormal_Qinv(q, d->mu, d->sigma)
                 : gsl_cdf_lognormal_Pinv(p, d->mu, d->sigma);
  case CS_DIST_UNIFORM:
    return upper ? gsl_cdf_flat_Qinv(q, d->lower, d->upper)
                 : gsl_cdf_flat_Pinv(p, d->lower, d->upper);
  case CS_DIST_BETA:
    return d->lower + (d->upper - d->lower) * beta_quantile(d, p, q, upper);
  }
  return NAN;
}

double cs_dist_from_normal(const cs_dist *d, double z)
{
  if (d->kind == CS_DIST_FIXED)
    return d->value;
  return cs_dist_quantile(d, gsl_cdf_ugaussian_P(z), gsl_cdf_ugaussian_Q(z));
}
