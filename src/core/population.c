#include "cohortsim/population.h"

#include <gsl/gsl_randist.h>
#include <math.h>

cs_status cs_population_sample(const cs_cohort *cohort, gsl_rng *rng, double *param_values,
                               unsigned char *traits, cs_error *err)
{
  const int n = cohort->n_sampled;
  for (int p = 0; p < cohort->n_params; p++)
    param_values[p] = cohort->param[p].dist.value;

  /* One standard normal per sampled parameter, in parameter order, kept in the
   * parameter's own slot until it is mapped: no workspace, no allocation. */
  for (int k = 0; k < n; k++)
    param_values[cohort->sampled[k]] = gsl_ran_ugaussian(rng);

  /* y = L z in place, from the last row up: row k reads z_0 .. z_k, which the rows
   * below it (done first) have not overwritten. */
  if (cohort->correlation_factor != NULL) {
    for (int k = n - 1; k >= 0; k--) {
      const double *row = &cohort->correlation_factor[(size_t)k * (size_t)n];
      double y = 0;
      for (int j = 0; j <= k; j++)
        y += row[j] * param_values[cohort->sampled[j]];
      param_values[cohort->sampled[k]] = y;
    }
  }

  for (int k = 0; k < n; k++) {
    const int p = cohort->sampled[k];
    const double y = param_values[p];
    param_values[p] = cs_dist_from_normal(&cohort->param[p].dist, y);
    CS_CHECK(isfinite(param_values[p]), err, CS_ERR_NUMERIC,
             "parameter '%s': the inverse CDF gave %g for the normal deviate %g",
             cohort->param[p].name, param_values[p], y);
  }

  /* Traits after every continuous draw, so adding a trait never moves a parameter. */
  for (int t = 0; t < cohort->n_traits; t++) {
    const cs_trait *trait = &cohort->trait[t];
    const int present = gsl_rng_uniform(rng) < trait->probability;
    if (traits != NULL)
      traits[t] = (unsigned char)present;
    if (!present)
      continue;
    for (int s = 0; s < trait->n_sets; s++)
      param_values[trait->set[s].param] = trait->set[s].value;
  }
  return CS_OK;
}

void cs_population_apply_arm(const cs_cohort *cohort, int arm, double *param_values)
{
  const cs_arm *a = &cohort->arm[arm];
  for (int i = 0; i < a->n_sets; i++)
    param_values[a->set[i].param] = a->set[i].value;
}
