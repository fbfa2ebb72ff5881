#include "cohortsim/schedule.h"

#include <math.h>
#include <stdlib.h>

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

static int compare_doses(const void *a, const void *b)
{
  const cs_dose *x = a, *y = b;
  if (x->t_days != y->t_days)
    return x->t_days < y->t_days ? -1 : 1;
  return (x->drug > y->drug) - (x->drug < y->drug);
}

cs_status cs_schedule_plan(const cs_cohort *cohort, int arm, const double *param_values,
                           cs_schedule *schedule, cs_error *err)
{
  const cs_arm *a = &cohort->arm[arm];
  schedule->n_doses = 0;
  for (int p = 0; p < a->n_doses; p++) {
    const cs_dose_plan *plan = &a->dose[p];
    const double amount = cs_expr_eval(&plan->amount, param_values);
    CS_CHECK(isfinite(amount) && amount >= 0, err, CS_ERR_COHORT,
             "arm '%s', drug '%s': dose amount evaluates to %g; it must be finite and >= 0",
             a->name, cohort->drug[plan->drug].name, amount);
    const double cycle_days = plan->count * plan->every_days + plan->cycle_gap_days;
    for (int cycle = 0; cycle < plan->cycles; cycle++)
      for (int k = 0; k < plan->count; k++) {
        const double t = plan->start_day + cycle * cycle_days + k * plan->every_days;
        if (t > cohort->followup_days)
          continue;
        schedule->dose[schedule->n_doses++] =
            (cs_dose){.t_days = t, .drug = plan->drug, .amount_ec50 = amount};
      }
  }
  qsort(schedule->dose, schedule->n_doses, sizeof *schedule->dose, compare_doses);
  return CS_OK;
}
