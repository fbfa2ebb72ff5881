/* Patients' parameters: drawn from the cohort's distributions on the patient's own
 * stream, then adjusted by the arm. */
#ifndef COHORTSIM_POPULATION_H
#define COHORTSIM_POPULATION_H

#include <gsl/gsl_rng.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

/* Draws one patient's parameter values (indexed as cohort->param) from `rng`, which must
 * be the patient's CS_STREAM_PARAMS stream, so a patient is the same person in every
 * arm and on any rank. */
cs_status cs_population_sample(const cs_cohort *cohort, gsl_rng *rng, double *param_values,
                               cs_error *err);

/* Applies the arm's parameter settings (e.g. an immunodeficient host) to a patient's
 * values. */
void cs_population_apply_arm(const cs_cohort *cohort, int arm, double *param_values);

#endif
