/* Watching one patient's trajectory and turning it into a record.
 *
 * The engine reports the tumour burden after every change and when time passes; the
 * watcher decides clearance (burden 0), MRD negativity (burden below the MRD level),
 * relapse (back above the relapse level after MRD negativity), death (burden at the
 * lethal level) and censoring at the end of follow-up, and samples the burden on the
 * reporting grid. It tells the engine when the outcome is final, so a patient's
 * simulation stops as early as its record allows.
 *
 * Times are days since enrolment. "Never" is NAN (written to files as the
 * fill value).
 */
#ifndef COHORTSIM_OUTCOME_H
#define COHORTSIM_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"

/* One patient in one arm. The arrays are the caller's storage (rows of the output). */
typedef struct cs_record {
  double os_time;
  double rfs_time;
  double clearance_time;    /* NAN if never cleared */
  double mrd_negative_time; /* first time below the MRD level; NAN if never */
  double relapse_time;      /* first relapse; NAN if never */
  double final_burden;      /* burden when the simulation stopped */
  int64_t events;           /* reactions fired (plus leaps taken) */
  unsigned char os_event;   /* 1: death from disease; 0: censored */
  unsigned char rfs_event;  /* 1: relapse or death; 0: censored */
  unsigned char cleared;
  int64_t *reaction_count; /* [reaction] firings of each reaction */
  double *species_peak;    /* [species] largest count seen */
  double *burden;          /* [grid] burden on the reporting grid */
  /* Species and observables on the reporting grid, [grid * n + column] (records.h: the
   * recorded ones, and the others, which the cohort statistics need); held after the
   * simulation stops. Filled by the trajectory, not by the outcome watch. */
  double *record_value;
  double *unrecorded_value;
} cs_record;

/* The reporting grid: 0, every, 2*every, ... up to follow-up. Its number of points, as
 * a double (inf or NaN for intervals no grid has), for the cohort reader's check that it
 * lies in [2, CS_GRID_MAX_POINTS]; and as a size, for a cohort that passed the check. */
double cs_outcome_grid_points(double followup_days, double report_every_days);
size_t cs_outcome_grid_size(const cs_cohort *cohort);
void cs_outcome_grid(const cs_cohort *cohort, double *grid);

typedef struct cs_outcome_watch {
  const double *grid;
  size_t n_grid;
  size_t next_grid; /* first grid point not yet sampled */
  double followup_days;
  double mrd_cells;     /* MRD-negative below this burden (0: not tracked) */
  double relapse_cells; /* relapse at or above this burden after MRD negativity */
  double lethal_cells;  /* death at or above this burden (0: no death outcome) */
  bool clearance_final; /* clearance is absorbing in this model */
  /* The cohort names tumour species: without `outcomes` nothing is "cleared" (a burden
   * of no species is 0 from the start). */
  bool tracks_clearance;
  bool mrd_negative;    /* currently below the MRD level, not yet relapsed */
  int64_t burden;       /* the current burden */
  /* Burdens strictly between these cannot change the outcome, so the engines skip the
   * full check for them: the common case, by far. */
  int64_t quiet_low, quiet_high;
  cs_record *record;
} cs_outcome_watch;

/* Starts watching a patient with the given initial burden and resets the record.
 * Returns true if the outcome is already final at time 0. */
bool cs_outcome_begin(cs_outcome_watch *watch, const cs_cohort *cohort, const double *grid,
                      size_t n_grid, bool clearance_absorbing, int64_t burden0, int n_reactions,
                      int n_species, cs_record *record);

/* Time passes to t with the burden unchanged: samples the grid points before t. Inline,
 * as the engines call it before every event. */
static inline void cs_outcome_advance(cs_outcome_watch *watch, double t)
{
  while (watch->next_grid < watch->n_grid && watch->grid[watch->next_grid] < t)
    watch->record->burden[watch->next_grid++] = (double)watch->burden;
}

/* The burden changed at time t (after cs_outcome_advance(t)). Returns true when the
 * outcome is final and the simulation can stop. */
bool cs_outcome_observe(cs_outcome_watch *watch, double t, int64_t burden);

/* The burden is now `burden` at time t (after cs_outcome_advance(t)): the engines' fast
 * path to cs_outcome_observe. Returns true when the outcome is final. */
static inline bool cs_outcome_update(cs_outcome_watch *watch, double t, int64_t burden)
{
  watch->burden = burden;
  if (burden > watch->quiet_low && burden < watch->quiet_high)
    return false;
  return cs_outcome_observe(watch, t, burden);
}

/* The simulation stops (end of follow-up, or a final outcome): censors what is still
 * open at the end of follow-up and holds the last burden on the rest of the grid. */
void cs_outcome_end(cs_outcome_watch *watch);

#endif
