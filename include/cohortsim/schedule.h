/* Dose schedules: an arm's dose plans turned into one patient's sorted list of dose
 * events, with the patient's treatment timing (start delay, dose-time jitter, missed
 * doses) applied.
 *
 * Time 0 is enrolment. Every dose is shifted by the patient's start delay, drawn once per
 * patient from the stream (seed, patient, CS_STREAM_SCHEDULE, 0). The doses of drug d
 * draw, in plan order (dose k of cycle c, cycle by cycle), first their jitter and then
 * the uniform that decides whether they are missed, from the stream (seed, patient,
 * CS_STREAM_SCHEDULE, 1 + d); the doses into species s from (seed, patient,
 * CS_STREAM_SCHEDULE, 1 + n_drugs + s). The draws depend on the drug and the plan, not on the arm,
 * so two arms that give a drug by the same plan give that patient identical times for
 * it (common random numbers), and one that gives a longer course of the same plan
 * shares the times of the doses they have in common. A fixed (non-random) start delay
 * or jitter and a missed-dose probability of 0 draw nothing.
 */
#ifndef COHORTSIM_SCHEDULE_H
#define COHORTSIM_SCHEDULE_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

typedef struct cs_dose {
  double t_days;
  int drug;           /* -1 for a dose into a species */
  int species;        /* the species dosed, or -1 for a drug */
  double amount_ec50; /* EC50 units for a drug; copies (rounded when given) for a species */
} cs_dose;

typedef struct cs_schedule {
  size_t n_doses;
  size_t capacity;
  cs_dose *dose;           /* sorted by time, then drug */
  double start_delay_days; /* the patient's start delay (the same in every arm) */
} cs_schedule;

/* Allocates a schedule large enough for any arm of the cohort. */
cs_status cs_schedule_create(const cs_cohort *cohort, cs_schedule **schedule, cs_error *err);

/* Frees; accepts NULL and sets *schedule to NULL. */
void cs_schedule_destroy(cs_schedule **schedule);

/* Fills `schedule` with the doses of `arm` for patient `patient` of a run with `seed`,
 * whose parameter values (with the arm's settings) are `param_values`: the planned
 * times plus the start delay plus each dose's jitter (a time below 0 becomes 0), missed
 * doses left out, doses after the end of follow-up left out, sorted by time (ties: drugs
 * by index, then species by index). `rng` (allocated with cs_rng_philox) is repositioned on the patient's
 * schedule streams; the caller selects its own stream again afterwards. Fails with
 * CS_ERR_COHORT if an amount evaluates to a negative or non-finite value for this
 * patient, and with CS_ERR_NUMERIC if a timing draw is not finite. Deterministic: a
 * pure function of the arguments. */
cs_status cs_schedule_plan(const cs_cohort *cohort, int arm, const double *param_values,
                           gsl_rng *rng, uint64_t seed, size_t patient, cs_schedule *schedule,
                           cs_error *err);

#endif
