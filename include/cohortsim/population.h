/* Patients' parameters: drawn from the cohort's distributions on the patient's own
 * stream through a Gaussian copula, then switched by categorical traits, then adjusted
 * by the arm.
 *
 * Sampling, per patient, on its CS_STREAM_PARAMS stream:
 *  1. one standard normal z_k (gsl_ran_ugaussian) per sampled parameter, in parameter
 *     order; fixed parameters draw nothing;
 *  2. y = L z, L the Cholesky factor of the correlation matrix (the identity without
 *     correlations), so y is multivariate normal with that correlation matrix;
 *  3. each y_k is mapped through the normal CDF and the parameter's inverse CDF: a
 *     Gaussian copula (Nelsen, "An Introduction to Copulas", 2nd ed. 2006, section
 *     2.9), so every parameter keeps its marginal exactly whatever the correlations;
 *  4. each trait, in file order, draws one uniform u; with u < probability the trait is
 *     present and its values override the parameters.
 * The number of draws depends only on which parameters are sampled and on the traits,
 * never on the correlations or on the values drawn, so adding a correlation changes the
 * correlated parameters and nothing else.
 *
 * The inverse CDFs are GSL's, but for the beta, inverted here by a bisection of at most
 * 62 steps on GSL's CDF. GSL may report a failure through its error handler, which
 * callers switch off (main does, once), and a non-finite result is then CS_ERR_NUMERIC.
 * The cohort reader refuses what would fail: beta shapes outside [CS_BETA_SHAPE_MIN,
 * CS_BETA_SHAPE_MAX], where GSL's beta CDF is not reliable, and any distribution whose
 * quantiles at z = -CS_DIST_CHECK_Z, 0 and CS_DIST_CHECK_Z are not finite.
 */
#ifndef COHORTSIM_POPULATION_H
#define COHORTSIM_POPULATION_H

#include <gsl/gsl_rng.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

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

/* Draws one patient's parameter values (indexed as cohort->param) and traits (1 = the
 * patient has trait t, indexed as cohort->trait; may be NULL when not wanted) from
 * `rng`, which must be positioned at the start of the patient's CS_STREAM_PARAMS stream,
 * so a patient is the same person in every arm and on any rank. No allocation.
 * Fails with CS_ERR_NUMERIC if an inverse CDF gives a non-finite value. */
cs_status cs_population_sample(const cs_cohort *cohort, gsl_rng *rng, double *param_values,
                               unsigned char *traits, cs_error *err);

/* Applies the arm's parameter settings (e.g. an immunodeficient host) to a patient's
 * values; they override traits, since an arm is an experimental condition. */
void cs_population_apply_arm(const cs_cohort *cohort, int arm, double *param_values);

#endif
