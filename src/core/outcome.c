#include "cohortsim/outcome.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

double cs_outcome_grid_points(double followup_days, double report_every_days)
{
  /* A small tolerance keeps follow-up itself on the grid when it is a multiple of the
   * reporting interval in decimal but not quite in binary (e.g. 0.1 * 30). */
  return floor(followup_days / report_every_days + 1e-9) + 1;
}

size_t cs_outcome_grid_size(const cs_cohort *cohort)
{
  return (size_t)cs_outcome_grid_points(cohort->followup_days, cohort->report_every_days);
}

void cs_outcome_grid(const cs_cohort *cohort, double *grid)
{
  const size_t n = cs_outcome_grid_size(cohort);
  for (size_t k = 0; k < n; k++)
    grid[k] = fmin((double)k * cohort->report_every_days, cohort->followup_days);
}

bool cs_outcome_begin(cs_outcome_watch *watch, const cs_cohort *cohort, const double *grid,
                      size_t n_grid, bool clearance_absorbing, int64_t burden0, int n_reactions,
                      int n_species, cs_record *record)
{
  const cs_outcomes *o = &cohort->outcomes;
  *watch = (cs_outcome_watch){
      .grid = grid,
      .n_grid = n_grid,
      .followup_days = cohort->followup_days,
      .mrd_cells = o->mrd_negative_below * o->reference_cells,
      .relapse_cells = o->relapse_at * o->reference_cells,
      .lethal_cells = o->lethal_cells,
      .clearance_final = clearance_absorbing,
      .tracks_clearance = o->n_tumour > 0,
      .burden = burden0,
      .record = record,
  };
  record->os_time = record->rfs_time = NAN;
  record->clearance_time = record->mrd_negative_time = record->relapse_time = NAN;
  record->final_burden = (double)burden0;
  record->events = 0;
  record->os_event = record->rfs_event = record->cleared = 0;
  memset(record->reaction_count, 0, (size_t)n_reactions * sizeof *record->reaction_count);
  memset(record->species_peak, 0, (size_t)n_species * sizeof *record->species_peak);
  return cs_outcome_observe(watch, 0.0, burden0);
}

/* The smallest whole count at or above `cells`, clamped to the int64 range. */
static int64_t ceil_count(double cells)
{
  const double c = ceil(cells);
  return c >= 0x1.0p63 ? INT64_MAX : (int64_t)c;
}

/* Recomputes the band of burdens that cannot change anything in the watch's state:
 * below it lie clearance and MRD negativity, above it relapse and death. */
static void update_quiet_band(cs_outcome_watch *w)
{
  w->quiet_low = w->record->cleared || !w->tracks_clearance ? -1 : 0;
  if (w->mrd_cells > 0 && !w->mrd_negative) {
    const int64_t below_mrd = ceil_count(w->mrd_cells) - 1;
    if (below_mrd > w->quiet_low)
      w->quiet_low = below_mrd;
  }
  w->quiet_high = INT64_MAX;
  if (w->lethal_cells > 0)
    w->quiet_high = ceil_count(w->lethal_cells);
  if (w->mrd_negative && w->relapse_cells > 0 && ceil_count(w->relapse_cells) < w->quiet_high)
    w->quiet_high = ceil_count(w->relapse_cells);
}

static bool observe(cs_outcome_watch *watch, double t, int64_t burden);

bool cs_outcome_observe(cs_outcome_watch *watch, double t, int64_t burden)
{
  const bool final = observe(watch, t, burden);
  update_quiet_band(watch);
  return final;
}

static bool observe(cs_outcome_watch *watch, double t, int64_t burden)
{
  cs_record *r = watch->record;
  const double n = (double)burden;
  watch->burden = burden;
  if (watch->mrd_cells > 0 && n < watch->mrd_cells && !watch->mrd_negative) {
    watch->mrd_negative = true;
    if (isnan(r->mrd_negative_time))
      r->mrd_negative_time = t;
  }
  if (watch->mrd_negative && watch->relapse_cells > 0 && n >= watch->relapse_cells) {
    watch->mrd_negative = false;
    if (isnan(r->relapse_time))
      r->relapse_time = t;
    if (!r->rfs_event) {
      r->rfs_time = t;
      r->rfs_event = 1;
    }
  }
  /* Death after the relapse check: a leap from MRD negativity straight to the lethal
   * level is a relapse too. */
  if (watch->lethal_cells > 0 && n >= watch->lethal_cells) {
    r->os_time = t;
    r->os_event = 1;
    if (!r->rfs_event) {
      r->rfs_time = t;
      r->rfs_event = 1;
    }
    return true;
  }
  if (burden == 0 && !r->cleared && watch->tracks_clearance) {
    r->cleared = 1;
    r->clearance_time = t;
    return watch->clearance_final;
  }
  return false;
}

void cs_outcome_end(cs_outcome_watch *watch)
{
  cs_record *r = watch->record;
  /* Sample every remaining grid point: those up to t saw the current burden, and after
   * a final outcome the burden is held (0 after clearance, the lethal level after death)
   * so that quantile bands keep the dead at the top and the cleared at the bottom. */
  cs_outcome_advance(watch, INFINITY);
  r->final_burden = (double)watch->burden;
  if (!r->os_event)
    r->os_time = watch->followup_days;
  if (!r->rfs_event)
    r->rfs_time = watch->followup_days;
}
