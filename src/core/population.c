#include "cohortsim/population.h"

cs_status cs_population_sample(const cs_cohort *cohort, gsl_rng *rng, double *param_values,
                               cs_error *err)
{
  (void)rng;
  (void)err;
  for (int p = 0; p < cohort->n_params; p++) {
    switch (cohort->param[p].dist) {
    case CS_DIST_FIXED:
      param_values[p] = cohort->param[p].value;
      break;
    }
  }
  return CS_OK;
}

void cs_population_apply_arm(const cs_cohort *cohort, int arm, double *param_values)
{
  const cs_arm *a = &cohort->arm[arm];
  for (int i = 0; i < a->n_sets; i++)
    param_values[a->set[i].param] = a->set[i].value;
}
