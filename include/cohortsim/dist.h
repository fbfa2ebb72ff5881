/* Distributions of a value over patients (cs_dist): a parameter's, or a timing
 * quantity's (start delay, dose jitter), and their quantiles. Every kind but FIXED is
 * sampled by inverse transform from one standard normal deviate, so the same code serves
 * the Gaussian copula of the parameters (population.h) and the timing draws
 * (schedule.h); the cohort reader checks a distribution with the same quantiles.
 *
 * The inverse CDFs are GSL's, but for the beta, inverted here by a bisection of at most
 * 62 steps on GSL's CDF. GSL may report a failure through its error handler, which
 * callers switch off (main does, once).
 */
#ifndef COHORTSIM_DIST_H
#define COHORTSIM_DIST_H

/* How a value varies over patients. */
typedef enum {
  CS_DIST_FIXED,     /* the same value for every patient */
  CS_DIST_NORMAL,    /* mean, sd; truncated to [lower, upper] (either may be infinite) */
  CS_DIST_LOGNORMAL, /* log of the value ~ normal(mu, sigma) */
  CS_DIST_UNIFORM,   /* uniform on [lower, upper] */
  CS_DIST_BETA       /* lower + (upper - lower) * Beta(a, b) */
} cs_dist_kind;

typedef struct cs_dist {
  cs_dist_kind kind;
  /* FIXED: the value. Otherwise the distribution's median: the typical patient, with
   * whom the model's expressions are checked when the file is read, and the value
   * `cohortsim check` shows. */
  double value;
  double mean, sd;  /* NORMAL: of the normal before truncation; sd >= 0 */
  double mu, sigma; /* LOGNORMAL: of the logarithm; sigma >= 0 */
  double a, b;      /* BETA: shapes, > 0 */
  /* UNIFORM, BETA: the range; NORMAL: the truncation (-HUGE_VAL, HUGE_VAL: none). */
  double lower, upper;
} cs_dist;

/* The beta shapes whose quantiles are computed reliably (GSL's CDF fails beyond). */
#define CS_BETA_SHAPE_MIN 1e-3
#define CS_BETA_SHAPE_MAX 1e5
/* The normal deviate (in sd) out to which a distribution's quantiles must be finite:
 * a patient lies beyond with probability 1.2e-15. */
#define CS_DIST_CHECK_Z 8.0

/* For a NORMAL distribution: the probability that the untruncated normal falls in
 * [lower, upper], taken from the tails so that a range far out keeps its precision
 * (0 when it underflows: the range lies more than about 37 sd from the mean). */
double cs_dist_normal_mass(const cs_dist *dist);

/* The quantile of `dist` at lower-tail probability p, given also the upper-tail
 * probability q = 1 - p (computed separately by the caller, so that p near 1 loses no
 * precision): below the median it inverts the lower tail, above it the upper tail.
 * A truncated normal is inverted on its range. FIXED returns its value. */
double cs_dist_quantile(const cs_dist *dist, double p, double q);

/* The value of `dist` for a standard normal deviate z: its quantile at Phi(z). This is
 * how every sampled value is made, so the same z gives the same value in any marginal's
 * own units (e.g. z = 0 gives the median). */
double cs_dist_from_normal(const cs_dist *dist, double z);

#endif
