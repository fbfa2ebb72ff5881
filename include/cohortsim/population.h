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
 * The quantiles are dist.h's; a non-finite one is CS_ERR_NUMERIC. The cohort reader
 * refuses what would fail: beta shapes outside [CS_BETA_SHAPE_MIN, CS_BETA_SHAPE_MAX],
 * where GSL's beta CDF is not reliable, and any distribution whose quantiles at
 * z = -CS_DIST_CHECK_Z, 0 and CS_DIST_CHECK_Z are not finite.
 */
#ifndef COHORTSIM_POPULATION_H
#define COHORTSIM_POPULATION_H

#include <gsl/gsl_rng.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

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
