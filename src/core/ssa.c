#include "cohortsim/ssa.h"

#include <math.h>
#include <stdlib.h>

#include "cohortsim/pk.h"

/* How far ahead the propensity bound of a drug-dependent reaction is taken, in units of
 * the fastest drug's elimination time 1/k: over 0.1/k a concentration falls by at most
 * 10%, so most candidates are accepted, yet the bound is rebuilt only every few events. */
#define CS_BOUND_WINDOW 0.1

struct cs_ssa {
  const cs_model *model;
  int n_species;
  int n_reactions;
  int64_t *counts;
  double *propensity;      /* [reaction] */
  double *effect_now;      /* [drug] at the current or candidate time */
  double *effect_horizon;  /* [drug] at the end of the look-ahead window */
  int n_static, n_varying; /* reactions without and with drug factors */
  int *static_reaction;
  int *varying_reaction;
  cs_pk *pk;
  double *grid;
  size_t n_grid;
};

cs_status cs_ssa_create(const cs_model *model, cs_ssa **ssa, cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(model);
  const size_t n_reactions = (size_t)cohort->n_reactions;
  const size_t n_drugs = (size_t)cohort->n_drugs + 1;
  *ssa = NULL;
  cs_ssa *w = calloc(1, sizeof *w);
  if (w == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the SSA workspace");
  w->model = model;
  w->n_species = cohort->n_species;
  w->n_reactions = cohort->n_reactions;
  w->n_grid = cs_outcome_grid_size(cohort);
  w->counts = calloc((size_t)cohort->n_species, sizeof *w->counts);
  w->propensity = calloc(n_reactions, sizeof *w->propensity);
  w->effect_now = calloc(n_drugs, sizeof *w->effect_now);
  w->effect_horizon = calloc(n_drugs, sizeof *w->effect_horizon);
  w->static_reaction = calloc(n_reactions, sizeof *w->static_reaction);
  w->varying_reaction = calloc(n_reactions, sizeof *w->varying_reaction);
  w->grid = calloc(w->n_grid, sizeof *w->grid);
  if (w->counts == NULL || w->propensity == NULL || w->effect_now == NULL ||
      w->effect_horizon == NULL || w->static_reaction == NULL || w->varying_reaction == NULL ||
      w->grid == NULL || cs_pk_create(cohort->n_drugs, &w->pk, err) != CS_OK) {
    cs_ssa_destroy(&w);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the SSA workspace");
  }
  for (int r = 0; r < cohort->n_reactions; r++) {
    if (cs_model_uses_drugs(model, r))
      w->varying_reaction[w->n_varying++] = r;
    else
      w->static_reaction[w->n_static++] = r;
  }
  cs_outcome_grid(cohort, w->grid);
  *ssa = w;
  return CS_OK;
}

void cs_ssa_destroy(cs_ssa **ssa)
{
  if (ssa == NULL || *ssa == NULL)
    return;
  cs_ssa *w = *ssa;
  free(w->counts);
  free(w->propensity);
  free(w->effect_now);
  free(w->effect_horizon);
  free(w->static_reaction);
  free(w->varying_reaction);
  free(w->grid);
  cs_pk_destroy(&w->pk);
  free(w);
  *ssa = NULL;
}

/* Sum of the propensities of the listed reactions, each stored in w->propensity. */
static double evaluate(cs_ssa *w, const cs_kinetics *kinetics, const int *reactions, int n,
                       const double *effect_max, const double *effect_min)
{
  double total = 0;
  for (int i = 0; i < n; i++) {
    const int r = reactions[i];
    w->propensity[r] = cs_model_propensity(w->model, kinetics, r, w->counts, effect_max,
                                           effect_min);
    total += w->propensity[r];
  }
  return total;
}

/* The reaction whose cumulative propensity interval holds `target`. Beyond them all, a
 * thinning candidate is rejected (-1); for exact propensities that can only be rounding
 * in the sums, and the last reaction that can fire is taken. */
static int select_reaction(const cs_ssa *w, const int *reactions, int n, double target,
                           bool thinning)
{
  double cumulative = 0;
  int last_possible = -1;
  for (int i = 0; i < n; i++) {
    const double a = w->propensity[reactions[i]];
    cumulative += a;
    if (target < cumulative)
      return reactions[i];
    if (a > 0)
      last_possible = reactions[i];
  }
  return thinning ? -1 : last_possible;
}

static void fire(cs_ssa *w, const cs_kinetics *kinetics, int r, cs_record *record)
{
  const cs_reaction *reaction = &cs_model_cohort(w->model)->reaction[r];
  cs_model_fire(w->model, kinetics, r, w->counts);
  record->events++;
  record->reaction_count[r]++;
  for (int c = 0; c < reaction->n_changes; c++) {
    const int s = reaction->change_species[c];
    if ((double)w->counts[s] > record->species_peak[s])
      record->species_peak[s] = (double)w->counts[s];
  }
}

cs_status cs_ssa_simulate(cs_ssa *w, const cs_kinetics *kinetics, const cs_schedule *schedule,
                          gsl_rng *rng, cs_record *record, cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(w->model);
  const double t_end = cohort->followup_days;
  cs_outcome_watch watch;
  (void)err;

  for (int s = 0; s < w->n_species; s++)
    w->counts[s] = kinetics->initial[s];
  cs_pk_reset(w->pk, kinetics->elimination);
  bool final = cs_outcome_begin(&watch, cohort, w->grid, w->n_grid,
                                cs_model_clearance_absorbing(w->model),
                                cs_model_burden(w->model, w->counts), w->n_reactions,
                                w->n_species, record);
  for (int s = 0; s < w->n_species; s++)
    record->species_peak[s] = (double)w->counts[s];

  double t = 0;
  size_t next_dose = 0;
  while (!final && t < t_end) {
    while (next_dose < schedule->n_doses && schedule->dose[next_dose].t_days <= t) {
      const cs_dose *dose = &schedule->dose[next_dose++];
      cs_pk_dose(w->pk, t, dose->drug, dose->amount_ec50);
    }
    const double t_stop =
        next_dose < schedule->n_doses ? fmin(schedule->dose[next_dose].t_days, t_end) : t_end;

    /* Drug effects only fall between doses, so an effect factor is largest at the start
     * of the window and an inhibition factor (1 - f) at its end. */
    const double decay = cs_pk_fastest_decay(w->pk);
    const double t_horizon = decay > 0 ? fmin(t_stop, t + CS_BOUND_WINDOW / decay) : t_stop;
    const double static_total = evaluate(w, kinetics, w->static_reaction, w->n_static, NULL, NULL);
    double varying_bound = 0;
    if (w->n_varying > 0) {
      cs_pk_effect(w->pk, t, w->effect_now);
      cs_pk_effect(w->pk, t_horizon, w->effect_horizon);
      varying_bound = evaluate(w, kinetics, w->varying_reaction, w->n_varying, w->effect_now,
                               w->effect_horizon);
    }
    const double bound = static_total + varying_bound;
    const double tau = bound > 0 ? -log(gsl_rng_uniform_pos(rng)) / bound : INFINITY;
    if (t + tau >= t_horizon) {
      t = t_horizon;
      continue;
    }
    t += tau;

    const double target = gsl_rng_uniform(rng) * bound;
    int r;
    if (target < static_total) {
      r = select_reaction(w, w->static_reaction, w->n_static, target, false);
    } else {
      cs_pk_effect(w->pk, t, w->effect_now);
      evaluate(w, kinetics, w->varying_reaction, w->n_varying, w->effect_now, w->effect_now);
      r = select_reaction(w, w->varying_reaction, w->n_varying, target - static_total, true);
    }
    if (r < 0)
      continue;
    cs_outcome_advance(&watch, t);
    fire(w, kinetics, r, record);
    final = cs_outcome_observe(&watch, t, cs_model_burden(w->model, w->counts));
  }
  cs_outcome_end(&watch);
  return CS_OK;
}
