#include "cohortsim/schedule.h"

#include <gsl/gsl_randist.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "cohortsim/dist.h"
#include "cohortsim/rng.h"

static size_t doses_in_plan(const cs_dose_plan *plan)
{
  return (size_t)plan->count * (size_t)plan->cycles;
}

cs_status cs_schedule_create(const cs_cohort *cohort, cs_schedule **schedule, cs_error *err)
{
  *schedule = NULL;
  size_t capacity = 1;
  for (int a = 0; a < cohort->n_arms; a++) {
    size_t n = 0;
    for (int p = 0; p < cohort->arm[a].n_doses; p++)
      n += doses_in_plan(&cohort->arm[a].dose[p]);
    if (n > capacity)
      capacity = n;
  }
  cs_schedule *s = calloc(1, sizeof *s);
  if (s != NULL)
    s->dose = calloc(capacity, sizeof *s->dose);
  if (s == NULL || s->dose == NULL) {
    cs_schedule_destroy(&s);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating a dose schedule");
  }
  s->capacity = capacity;
  *schedule = s;
  return CS_OK;
}

void cs_schedule_destroy(cs_schedule **schedule)
{
  if (schedule == NULL || *schedule == NULL)
    return;
  free((*schedule)->dose);
  free(*schedule);
  *schedule = NULL;
}

/* Drugs first, by index, then species: the order doses at one time are given in. */
static int dose_key(const cs_dose *dose)
{
  return dose->drug >= 0 ? dose->drug : INT_MAX / 2 + dose->species;
}

static int compare_doses(const void *a, const void *b)
{
  const cs_dose *x = a, *y = b;
  if (x->t_days != y->t_days)
    return x->t_days < y->t_days ? -1 : 1;
  return (dose_key(x) > dose_key(y)) - (dose_key(x) < dose_key(y));
}

/* One draw of a timing quantity: a fixed value draws nothing, any other draws one
 * standard normal and maps it through the distribution's quantile, as the parameters
 * are sampled (dist.h). */
static double draw_timing(const cs_dist *dist, gsl_rng *rng)
{
  if (dist->kind == CS_DIST_FIXED)
    return dist->value;
  return cs_dist_from_normal(dist, gsl_ran_ugaussian(rng));
}

cs_status cs_schedule_plan(const cs_cohort *cohort, int arm, const double *param_values,
                           gsl_rng *rng, uint64_t seed, size_t patient, cs_schedule *schedule,
                           cs_error *err)
{
  const cs_arm *a = &cohort->arm[arm];
  const cs_timing *timing = &cohort->timing;
  schedule->n_doses = 0;
  cs_rng_select_stream(rng, seed, patient, CS_STREAM_SCHEDULE, 0);
  const double delay = draw_timing(&timing->start_delay_days, rng);
  CS_CHECK(isfinite(delay), err, CS_ERR_NUMERIC, "the start delay drawn is %g", delay);
  schedule->start_delay_days = delay;
  for (int p = 0; p < a->n_doses; p++) {
    const cs_dose_plan *plan = &a->dose[p];
    const char *drug = cs_dose_plan_target(cohort, plan);
    const double amount = cs_expr_eval(&plan->amount, param_values);
    CS_CHECK(isfinite(amount) && amount >= 0, err, CS_ERR_COHORT,
             "arm '%s', drug '%s': dose amount evaluates to %g; it must be finite and >= 0",
             a->name, drug, amount);
    /* The drug's (or species') own stream, whatever the arm: common random numbers
     * across arms. */
    const int stream = plan->drug >= 0 ? plan->drug : cohort->n_drugs + plan->species;
    cs_rng_select_stream(rng, seed, patient, CS_STREAM_SCHEDULE, 1u + (uint32_t)stream);
    const double cycle_days = plan->count * plan->every_days + plan->cycle_gap_days;
    for (int cycle = 0; cycle < plan->cycles; cycle++)
      for (int k = 0; k < plan->count; k++) {
        const double jitter = draw_timing(&timing->dose_jitter_days, rng);
        CS_CHECK(isfinite(jitter), err, CS_ERR_NUMERIC,
                 "arm '%s', drug '%s': the dose-time jitter drawn is %g", a->name, drug, jitter);
        const int missed = timing->missed_dose_probability > 0 &&
                           gsl_rng_uniform(rng) < timing->missed_dose_probability;
        const double planned = plan->start_day + cycle * cycle_days + k * plan->every_days;
        const double t = fmax(0.0, planned + delay + jitter);
        if (missed || t > cohort->followup_days)
          continue;
        schedule->dose[schedule->n_doses++] =
            (cs_dose){.t_days = t,
                      .drug = plan->drug,
                      .species = plan->species,
                      .amount_ec50 = amount};
      }
  }
  qsort(schedule->dose, schedule->n_doses, sizeof *schedule->dose, compare_doses);
  return CS_OK;
}
