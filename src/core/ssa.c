#include "cohortsim/ssa.h"

#include <math.h>
#include <stdlib.h>

#include "cohortsim/pk.h"
#include "cohortsim/rng.h"

/* How far ahead the propensity bound of a drug-dependent reaction is taken, in units of
 * the fastest drug's elimination time 1/k: over 0.1/k a concentration falls by at most
 * 10%, so most candidates are accepted, yet the bound is rebuilt only every few events. */
#define CS_BOUND_WINDOW 0.1

struct cs_ssa {
  const cs_model *model;
  int n_species;
  int n_reactions;
  int64_t *counts;
  double *propensity;     /* [reaction]: current values (static) or bounds (varying) */
  double *effect_now;     /* [drug] at the current or candidate time */
  double *effect_horizon; /* [drug] at the end of the look-ahead window */
  /* The patient's reactions that can fire (rate > 0), without and with drug factors. */
  int n_static, n_varying;
  int *static_reaction;
  int *varying_reaction;
  bool *is_static; /* [reaction] */
  /* For the propensities of pure mass action on one species (rate * X, most reactions),
   * that species; -1 for the others, which go through cs_model_propensity. */
  int *mass_action_species; /* [reaction] */
  const int **dependents;   /* [reaction]: cs_model_dependents, looked up once */
  int *n_dependents;        /* [reaction] */
  cs_pk *pk;
  double *grid;
  size_t n_grid;
};

cs_status cs_ssa_create(const cs_model *model, cs_ssa **ssa, cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(model);
  const size_t n_reactions = (size_t)cohort->n_reactions + 1;
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
  w->is_static = calloc(n_reactions, sizeof *w->is_static);
  w->mass_action_species = calloc(n_reactions, sizeof *w->mass_action_species);
  w->dependents = calloc(n_reactions, sizeof *w->dependents);
  w->n_dependents = calloc(n_reactions, sizeof *w->n_dependents);
  w->grid = calloc(w->n_grid, sizeof *w->grid);
  if (w->counts == NULL || w->propensity == NULL || w->effect_now == NULL ||
      w->effect_horizon == NULL || w->static_reaction == NULL || w->varying_reaction == NULL ||
      w->is_static == NULL || w->mass_action_species == NULL || w->dependents == NULL ||
      w->n_dependents == NULL || w->grid == NULL ||
      cs_pk_create(cohort->n_drugs, &w->pk, err) != CS_OK) {
    cs_ssa_destroy(&w);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the SSA workspace");
  }
  for (int r = 0; r < cohort->n_reactions; r++) {
    const cs_reaction *reaction = &cohort->reaction[r];
    const bool simple = reaction->n_factors == 1 && reaction->factor[0].kind == CS_FACTOR_SPECIES;
    w->mass_action_species[r] = simple ? reaction->factor[0].target : -1;
    cs_model_dependents(model, r, &w->dependents[r], &w->n_dependents[r]);
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
  free(w->is_static);
  free(w->mass_action_species);
  free(w->dependents);
  free(w->n_dependents);
  free(w->grid);
  cs_pk_destroy(&w->pk);
  free(w);
  *ssa = NULL;
}

/* Sorts the patient's reactions into those that can fire without and with drug factors;
 * a reaction with rate 0 (a switched-off route, an immunodeficient host) never fires
 * and costs nothing. */
static void classify_reactions(cs_ssa *w, const cs_kinetics *kinetics)
{
  w->n_static = w->n_varying = 0;
  for (int r = 0; r < w->n_reactions; r++) {
    w->is_static[r] = false;
    w->propensity[r] = 0;
    if (kinetics->rate[r] <= 0)
      continue;
    if (cs_model_uses_drugs(w->model, r)) {
      w->varying_reaction[w->n_varying++] = r;
    } else {
      w->static_reaction[w->n_static++] = r;
      w->is_static[r] = true;
    }
  }
}

static inline double static_propensity(const cs_ssa *w, const cs_kinetics *kinetics, int r)
{
  const int s = w->mass_action_species[r];
  if (s >= 0)
    return kinetics->rate[r] * (double)w->counts[s];
  return cs_model_propensity(w->model, kinetics, r, w->counts, NULL, NULL);
}

/* Sum of the propensities of the listed reactions, each stored in w->propensity. */
static double evaluate(cs_ssa *w, const cs_kinetics *kinetics, const int *reactions, int n,
                       const double *effect_max, const double *effect_min)
{
  double total = 0;
  for (int i = 0; i < n; i++) {
    const int r = reactions[i];
    w->propensity[r] =
        cs_model_propensity(w->model, kinetics, r, w->counts, effect_max, effect_min);
    total += w->propensity[r];
  }
  return total;
}

static double sum_propensities(const cs_ssa *w, const int *reactions, int n)
{
  double total = 0;
  for (int i = 0; i < n; i++)
    total += w->propensity[reactions[i]];
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

/* Fires reaction r and re-evaluates the static propensities that depend on it (the
 * varying ones are re-evaluated at every step anyway). */
static inline void fire(cs_ssa *w, const cs_cohort *cohort, const cs_kinetics *kinetics, int r,
                        cs_record *record)
{
  const cs_reaction *reaction = &cohort->reaction[r];
  const int64_t *change = &kinetics->change[r * CS_CHANGE_MAX];
  record->events++;
  record->reaction_count[r]++;
  for (int c = 0; c < reaction->n_changes; c++) {
    const int s = reaction->change_species[c];
    w->counts[s] += change[c];
    if (change[c] > 0 && (double)w->counts[s] > record->species_peak[s])
      record->species_peak[s] = (double)w->counts[s];
  }
  const int *dependents = w->dependents[r];
  for (int i = 0; i < w->n_dependents[r]; i++) {
    const int d = dependents[i];
    if (w->is_static[d])
      w->propensity[d] = static_propensity(w, kinetics, d);
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
  int64_t burden = cs_model_burden(w->model, w->counts);
  bool final = cs_outcome_begin(&watch, cohort, w->grid, w->n_grid,
                                cs_model_clearance_absorbing(w->model), burden, w->n_reactions,
                                w->n_species, record);
  for (int s = 0; s < w->n_species; s++)
    record->species_peak[s] = (double)w->counts[s];
  classify_reactions(w, kinetics);
  for (int i = 0; i < w->n_static; i++)
    w->propensity[w->static_reaction[i]] = static_propensity(w, kinetics, w->static_reaction[i]);

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
     * of the window and an inhibition factor (1 - f) at its end: evaluated that way, the
     * propensities bound the true ones over the whole window. */
    double t_horizon = t_stop, varying_bound = 0;
    if (w->n_varying > 0) {
      const double decay = cs_pk_fastest_decay(w->pk);
      if (decay > 0)
        t_horizon = fmin(t_stop, t + CS_BOUND_WINDOW / decay);
      cs_pk_effect(w->pk, t, w->effect_now);
      cs_pk_effect(w->pk, t_horizon, w->effect_horizon);
      varying_bound = evaluate(w, kinetics, w->varying_reaction, w->n_varying, w->effect_now,
                               w->effect_horizon);
    }
    const double static_total = sum_propensities(w, w->static_reaction, w->n_static);
    const double bound = static_total + varying_bound;
    const double tau = bound > 0 ? cs_rng_exponential(rng) / bound : INFINITY;
    if (t + tau >= t_horizon) {
      t = t_horizon;
      continue;
    }
    t += tau;

    const double target = cs_rng_uniform(rng) * bound;
    int r;
    if (target < static_total) {
      r = select_reaction(w, w->static_reaction, w->n_static, target, false);
    } else {
      /* Thinning: the candidate is kept with probability (true propensity)/(bound). */
      cs_pk_effect(w->pk, t, w->effect_now);
      evaluate(w, kinetics, w->varying_reaction, w->n_varying, w->effect_now, w->effect_now);
      r = select_reaction(w, w->varying_reaction, w->n_varying, target - static_total, true);
    }
    if (r < 0)
      continue;
    cs_outcome_advance(&watch, t);
    fire(w, cohort, kinetics, r, record);
    if (kinetics->burden_change[r] != 0) {
      burden += kinetics->burden_change[r];
      final = cs_outcome_update(&watch, t, burden);
    }
  }
  cs_outcome_end(&watch);
  return CS_OK;
}
