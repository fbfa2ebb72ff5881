/* Events at simulation time: one patient's timed and state events in one arm
 * (docs/cohort-reference.md "Events"), fired on its trajectory.
 *
 * Timed events are schedule stops like doses: the trajectory stops at each
 * (cs_trajectory_stop), gives the doses due, then fires the timed events due in file
 * order, then looks at the state triggers. A state event fires at each false -> true
 * transition of its trigger; the engines call cs_events_check after every firing (the
 * exact engine) or after every leap cut back to the firing where a trigger turned true
 * (the hybrid engine), so transitions are found exactly, at the firing that caused them.
 * An event's values are all computed from the state just before it fires.
 *
 * Firing needs no random numbers: a patient's events are a pure function of its path.
 */
#ifndef COHORTSIM_EVENTS_H
#define COHORTSIM_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"
#include "cohortsim/trajectory.h"

/* Allocates the per-patient event state for any arm of the cohort. */
cs_status cs_event_run_create(const cs_cohort *cohort, cs_event_run **run, cs_error *err);

/* Frees; accepts NULL and sets *run to NULL. */
void cs_event_run_destroy(cs_event_run **run);

/* Starts the events of `arm` on a begun trajectory (after cs_trajectory_begin): the
 * times of its timed events from the patient's parameters (tr->kinetics->param), and
 * each trigger's value at time 0 (false when the event fires at start, so a trigger
 * already true fires at the first stop). CS_ERR_COHORT if a time is not a finite value
 * >= 0 (an interval > 0) for this patient. */
cs_status cs_events_begin(cs_trajectory *tr, int arm, cs_error *err);

/* True if the arm has state events: the engines then look after every firing. */
bool cs_events_watching(const cs_event_run *run);

/* The time of the next timed event, INFINITY if none. */
double cs_events_next_time(const cs_event_run *run);

/* Fires the timed events due at tr->t (in file order). */
cs_status cs_events_fire_timed(cs_trajectory *tr, cs_error *err);

/* True if some state trigger that may fire is true at `counts` (with the drugs at
 * day t) while it was false at the last look: the hybrid engine's test of a leap. */
bool cs_events_would_fire(cs_trajectory *tr, const int64_t *counts, double t);

/* Fires the state events whose triggers turned true since the last look, in file order,
 * again while firings turn more triggers true (an event's assignment may trigger
 * another at the same instant). CS_ERR_NUMERIC if they keep triggering each other. */
cs_status cs_events_check(cs_trajectory *tr, cs_error *err);

#endif
