/* Dose schedules: an arm's dose plans turned into one patient's sorted list of dose
 * events. */
#ifndef COHORTSIM_SCHEDULE_H
#define COHORTSIM_SCHEDULE_H

#include <stddef.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

typedef struct cs_dose {
  double t_days;
  int drug;
  double amount_ec50;
} cs_dose;

typedef struct cs_schedule {
  size_t n_doses;
  size_t capacity;
  cs_dose *dose; /* sorted by time, then drug */
} cs_schedule;

/* Allocates a schedule large enough for any arm of the cohort. */
cs_status cs_schedule_create(const cs_cohort *cohort, cs_schedule **schedule, cs_error *err);

/* Frees; accepts NULL and sets *schedule to NULL. */
void cs_schedule_destroy(cs_schedule **schedule);

/* Fills `schedule` with the doses of `arm` for a patient with the given parameter
 * values, sorted by time (ties by drug index). Doses after the end of follow-up are
 * left out. Fails with CS_ERR_COHORT if an amount evaluates to a negative or
 * non-finite value for this patient. */
cs_status cs_schedule_plan(const cs_cohort *cohort, int arm, const double *param_values,
                           cs_schedule *schedule, cs_error *err);

#endif
