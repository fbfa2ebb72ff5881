/* One patient's simulation in progress, shared by the exact and the hybrid engines: the
 * species counts, the time, the drug levels, the position in the dose schedule and the
 * outcome watch that turns the path into a record.
 *
 * Engines advance the counts and time; the trajectory applies doses at their times and
 * keeps the record (peaks, burden, outcomes) in step.
 */
#ifndef COHORTSIM_TRAJECTORY_H
#define COHORTSIM_TRAJECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/model.h"
#include "cohortsim/outcome.h"
#include "cohortsim/pk.h"
#include "cohortsim/schedule.h"
#include "cohortsim/status.h"

/* Receives a patient's state at regular times (for `cohortsim trajectory`): counts
 * indexed by species, concentrations by drug (EC50 units). */
typedef void cs_trajectory_emit(void *context, double t, const int64_t *counts,
                                const double *concentrations);

typedef struct cs_trajectory_sampler {
  double every_days;
  double next_time;  /* next_index * every_days: a product, not a running sum, which */
  size_t next_index; /* would drift (0.1 added 900 times falls short of 90) */
  cs_trajectory_emit *emit;
  void *context;
  double *concentrations; /* [drug] scratch */
} cs_trajectory_sampler;

/* One patient's events in one arm (events.h). */
typedef struct cs_event_run cs_event_run;

typedef struct cs_trajectory {
  const cs_model *model;
  cs_kinetics *kinetics; /* the patient's own copy: an event may set a parameter */
  const cs_schedule *schedule;
  cs_record *record;
  int64_t *counts; /* [species] */
  double t;
  double t_end;
  size_t next_dose;
  cs_pk *pk;
  int64_t burden;
  bool final; /* the outcome is decided: nothing more to simulate */
  cs_outcome_watch watch;
  double *grid;
  size_t n_grid;
  cs_trajectory_sampler *sampler; /* NULL unless a path is being recorded */
  double next_watch_time;         /* the next grid or sampler time */
  int *quantity_column;           /* [species + observables] cs_records_quantity_columns */
  double *grid_concentrations;    /* [drug] scratch for observables on the grid */
  cs_event_run *events;
  int arm; /* the arm simulated (set by cs_events_begin) */
  /* An event set a parameter since the patient began: dose amounts are computed again
   * from the kinetics' parameters. */
  bool params_changed;
  /* An event changed rates or drug levels: the engine must prepare its propensities
   * again (and clears the flag). */
  bool restart;
} cs_trajectory;

/* Allocates a trajectory for the model's patients (reused across patients). */
cs_status cs_trajectory_create(const cs_model *model, cs_trajectory **trajectory, cs_error *err);

/* Frees; accepts NULL and sets *trajectory to NULL. */
void cs_trajectory_destroy(cs_trajectory **trajectory);

/* Starts a patient at time 0 with its initial counts and no drug; resets the record. */
void cs_trajectory_begin(cs_trajectory *tr, cs_kinetics *kinetics,
                         const cs_schedule *schedule, cs_record *record);

/* Records a patient's path: from the next cs_trajectory_begin on, the state is emitted
 * at 0, every, 2 every, ... and when the simulation stops. Pass NULL to stop recording. */
void cs_trajectory_set_sampler(cs_trajectory *tr, cs_trajectory_sampler *sampler);

/* The work behind cs_trajectory_pass when a grid or sample time falls before t: samples
 * them with the current state and finds the next such time. */
void cs_trajectory_pass_slow(cs_trajectory *tr, double t);

/* Time passes to t with the state unchanged: the reporting grid and the sampler see the
 * current state at their times before t. Engines call it before every change. */
static inline void cs_trajectory_pass(cs_trajectory *tr, double t)
{
  if (tr->next_watch_time < t)
    cs_trajectory_pass_slow(tr, t);
}

/* Gives the doses due at the current time, fires the timed events due (events.h) and
 * the state events triggered, and sets *t_stop to the next stop: the time of the next
 * dose or timed event or the end of follow-up, whichever comes first. Fails (the
 * message names the event or dose and the day) on an event's invalid result or a dose
 * amount an event made invalid. */
cs_status cs_trajectory_stop(cs_trajectory *tr, double *t_stop, cs_error *err);

/* Counts changed at time t by more than one firing (a leap): updates the peaks, the
 * burden and the outcome. */
void cs_trajectory_changed(cs_trajectory *tr, double t);

/* The burden changed at time t by one firing (the exact engine's fast path). */
static inline void cs_trajectory_burden_changed(cs_trajectory *tr, double t, int64_t change)
{
  tr->burden += change;
  tr->final = cs_outcome_update(&tr->watch, t, tr->burden);
}

/* Ends the patient: censors what is open and completes the record. */
void cs_trajectory_end(cs_trajectory *tr);

#endif
