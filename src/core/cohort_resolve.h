/* Private to the cohort modules: the values a cohort derives from what a reader read,
 * computed and checked here whatever the format, so every reader gets them the same.
 */
#ifndef COHORTSIM_COHORT_RESOLVE_H
#define COHORTSIM_COHORT_RESOLVE_H

#include "cohortsim/cohort.h"

/* Factors the correlation matrix of the sampled parameters' normals (the identity but
 * for the cohort's pairs) once, L L^T = R, into cohort->correlation_factor, so that
 * sampling is a triangular product. A matrix that is not positive definite is no
 * correlation matrix at all: the pairwise values contradict each other (CS_ERR_COHORT;
 * the message does not say where, the reader adds its position). CS_ERR_NOMEM. */
cs_status cs_cohort_factor_correlations(cs_cohort *cohort, cs_error *err);

#endif
