#include "cohortsim/leap.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/rng.h"

/* A leap shorter than this many mean waiting times 1/a0 costs more than the exact steps
 * it replaces (Cao, Gillespie and Petzold 2006 use 10). */
#define CS_LEAP_MIN_STEPS 10.0
/* Exact steps taken before leaping is considered again. */
#define CS_EXACT_BATCH 100
/* A leap aiming at an outcome threshold covers at most this fraction of the distance,
 * so the crossing is approached in ever shorter leaps and finally by exact steps. */
#define CS_THRESHOLD_APPROACH 0.5

struct cs_leap {
  const cs_model *model;
  const cs_cohort *cohort;
  cs_ssa *ssa;
  double epsilon;
  int64_t critical_count;
  double *propensity;    /* [reaction] at the start of the leap */
  double *species_part;  /* [reaction] propensity without its drug factors */
  double *midpoint;      /* [species] predicted counts half-way through the leap */
  int64_t *midpoint_counts; /* [species] */
  bool *critical;        /* [reaction] */
  double *bound;         /* [reaction] critical reactions' bound over the leap */
  int64_t *firings;      /* [reaction] */
  int64_t *saved_counts; /* [species] */
  double *drift, *spread, *sensitivity; /* [species] CGP sums */
  bool *read;            /* [species] read by a non-critical reaction */
  double *effect, *effect_end; /* [drug] */
  double *no_effect, *full_effect; /* [drug] all 0 and all 1: drug factors become 1 */
};

cs_status cs_leap_create(const cs_model *model, cs_ssa *ssa, cs_leap **leap, cs_error *err)
{
  const cs_cohort *c = cs_model_cohort(model);
  const size_t n_r = (size_t)c->n_reactions + 1, n_s = (size_t)c->n_species + 1;
  const size_t n_d = (size_t)c->n_drugs + 1;
  *leap = NULL;
  cs_leap *w = calloc(1, sizeof *w);
  if (w == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the hybrid workspace");
  w->model = model;
  w->cohort = c;
  w->ssa = ssa;
  w->epsilon = c->hybrid_epsilon;
  w->critical_count = c->hybrid_critical;
  w->propensity = calloc(n_r, sizeof *w->propensity);
  w->species_part = calloc(n_r, sizeof *w->species_part);
  w->midpoint = calloc(n_s, sizeof *w->midpoint);
  w->midpoint_counts = calloc(n_s, sizeof *w->midpoint_counts);
  w->critical = calloc(n_r, sizeof *w->critical);
  w->bound = calloc(n_r, sizeof *w->bound);
  w->firings = calloc(n_r, sizeof *w->firings);
  w->saved_counts = calloc(n_s, sizeof *w->saved_counts);
  w->drift = calloc(n_s, sizeof *w->drift);
  w->spread = calloc(n_s, sizeof *w->spread);
  w->sensitivity = calloc(n_s, sizeof *w->sensitivity);
  w->read = calloc(n_s, sizeof *w->read);
  w->effect = calloc(n_d, sizeof *w->effect);
  w->effect_end = calloc(n_d, sizeof *w->effect_end);
  w->no_effect = calloc(n_d, sizeof *w->no_effect);
  w->full_effect = calloc(n_d, sizeof *w->full_effect);
  if (w->propensity == NULL || w->species_part == NULL ||
      w->midpoint == NULL || w->midpoint_counts == NULL || w->no_effect == NULL ||
      w->full_effect == NULL || w->critical == NULL ||
      w->bound == NULL || w->firings == NULL || w->saved_counts == NULL || w->drift == NULL ||
      w->spread == NULL || w->sensitivity == NULL || w->read == NULL || w->effect == NULL ||
      w->effect_end == NULL) {
    cs_leap_destroy(&w);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the hybrid workspace");
  }
  for (int d = 0; d < c->n_drugs; d++)
    w->full_effect[d] = 1;
  *leap = w;
  return CS_OK;
}

void cs_leap_destroy(cs_leap **leap)
{
  if (leap == NULL || *leap == NULL)
    return;
  cs_leap *w = *leap;
  free(w->propensity);
  free(w->species_part);
  free(w->midpoint);
  free(w->midpoint_counts);
  free(w->no_effect);
  free(w->full_effect);
  free(w->critical);
  free(w->bound);
  free(w->firings);
  free(w->saved_counts);
  free(w->drift);
  free(w->spread);
  free(w->sensitivity);
  free(w->read);
  free(w->effect);
  free(w->effect_end);
  free(w);
  *leap = NULL;
}

/* An effect of 1 (for effect factors) and 0 (for inhibition factors) turns every drug
 * factor into 1: what is left is the part of the propensity that depends on the counts,
 * constant while the counts are. */
static double species_part(const cs_leap *w, const cs_kinetics *kinetics, int r,
                           const int64_t *counts)
{
  return cs_model_propensity(w->model, kinetics, r, counts, w->full_effect, w->no_effect);
}

/* A reaction is critical when it changes a species, or multiplies by a species, that is
 * down to a few copies: such reactions decide extinction and must fire exactly. */
static bool is_critical(const cs_leap *w, int r, const int64_t *counts)
{
  const cs_reaction *reaction = &w->cohort->reaction[r];
  for (int c = 0; c < reaction->n_changes; c++)
    if (counts[reaction->change_species[c]] < w->critical_count)
      return true;
  for (int f = 0; f < reaction->n_factors; f++)
    if (reaction->factor[f].kind == CS_FACTOR_SPECIES &&
        counts[reaction->factor[f].target] < w->critical_count)
      return true;
  return false;
}

/* |d ln a / d ln x_s| for one factor: the order of the reaction in s for mass action,
 * generalised to the other rate laws (the g_i of Cao, Gillespie and Petzold). */
static double factor_sensitivity(const cs_factor *factor, const double *scale, int f, int s,
                                 const int64_t *counts)
{
  double sum = 0;
  bool in_sum = false;
  for (int i = 0; i < factor->n_sum; i++) {
    sum += (double)counts[factor->sum[i]];
    in_sum = in_sum || factor->sum[i] == s;
  }
  const double x = (double)counts[s];
  switch (factor->kind) {
  case CS_FACTOR_SPECIES:
    return factor->target == s ? 1.0 : 0.0;
  case CS_FACTOR_HILL:
    return factor->target == s ? factor->hill_n : 0.0;
  case CS_FACTOR_LOGISTIC:
    return in_sum && sum < scale[f] ? (x / scale[f]) / (1 - sum / scale[f]) : 0.0;
  case CS_FACTOR_SATURATE:
    return in_sum ? (x / scale[f]) / (1 + sum / scale[f]) : 0.0;
  case CS_FACTOR_EFFECT:
  case CS_FACTOR_INHIBIT:
    return 0.0;
  }
  return 0.0;
}

/* The leap length of Cao, Gillespie and Petzold (2006, eqs. 32-33) over the
 * non-critical reactions: for every species s a non-critical propensity reads,
 * tau <= max(eps x_s / g_s, 1) / |drift_s| and <= max(eps x_s / g_s, 1)^2 / variance_s. */
static double cgp_tau(cs_leap *w, const cs_kinetics *kinetics, const int64_t *counts)
{
  const cs_cohort *c = w->cohort;
  for (int s = 0; s < c->n_species; s++) {
    w->drift[s] = w->spread[s] = 0;
    w->sensitivity[s] = 1;
    w->read[s] = false;
  }
  for (int r = 0; r < c->n_reactions; r++) {
    if (w->critical[r] || w->propensity[r] <= 0)
      continue;
    const cs_reaction *reaction = &c->reaction[r];
    const double *scale = &kinetics->scale[r * CS_FACTOR_MAX];
    for (int i = 0; i < reaction->n_changes; i++) {
      const double v = (double)kinetics->change[r * CS_CHANGE_MAX + i];
      const int s = reaction->change_species[i];
      w->drift[s] += v * w->propensity[r];
      w->spread[s] += v * v * w->propensity[r];
    }
    for (int s = 0; s < c->n_species; s++) {
      double g = 0;
      for (int f = 0; f < reaction->n_factors; f++)
        g += factor_sensitivity(&reaction->factor[f], scale, f, s, counts);
      if (g > 0) {
        w->read[s] = true;
        w->sensitivity[s] = fmax(w->sensitivity[s], g);
      }
    }
  }
  double tau = INFINITY;
  for (int s = 0; s < c->n_species; s++) {
    if (!w->read[s])
      continue;
    const double allowed = fmax(w->epsilon * (double)counts[s] / w->sensitivity[s], 1.0);
    if (w->drift[s] != 0)
      tau = fmin(tau, allowed / fabs(w->drift[s]));
    if (w->spread[s] > 0)
      tau = fmin(tau, allowed * allowed / w->spread[s]);
  }
  return tau;
}

/* The leap may not carry the burden past an outcome threshold in one go: it covers at
 * most half the remaining distance at the current drift. */
static double threshold_tau(const cs_leap *w, const cs_trajectory *tr)
{
  double drift = 0;
  for (int r = 0; r < w->cohort->n_reactions; r++)
    drift += (double)tr->kinetics->burden_change[r] * w->propensity[r];
  const double burden = (double)tr->burden;
  if (drift > 0 && tr->watch.quiet_high < INT64_MAX)
    return CS_THRESHOLD_APPROACH * ((double)tr->watch.quiet_high - burden) / drift;
  if (drift < 0 && tr->watch.quiet_low >= 0)
    return CS_THRESHOLD_APPROACH * (burden - (double)tr->watch.quiet_low) / -drift;
  return INFINITY;
}

/* Gauss-Legendre nodes and weights on [-1, 1], 4 points: exact for polynomials of degree
 * 7, far more than the smooth drug factors over a leap need. */
static const double gl_node[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
                                  0.8611363115940526};
static const double gl_weight[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
                                    0.3478548451374538};

/* Integral over [t0, t1] of the product of reaction r's drug factors. */
static double drug_integral(cs_leap *w, const cs_pk *pk, int r, double t0, double t1)
{
  const cs_reaction *reaction = &w->cohort->reaction[r];
  int n_drug = 0, only = -1;
  for (int f = 0; f < reaction->n_factors; f++)
    if (reaction->factor[f].kind == CS_FACTOR_EFFECT ||
        reaction->factor[f].kind == CS_FACTOR_INHIBIT) {
      n_drug++;
      only = f;
    }
  if (n_drug == 0)
    return t1 - t0;
  if (n_drug == 1) {
    const double effect = cs_pk_effect_integral(pk, reaction->factor[only].target, t0, t1);
    return reaction->factor[only].kind == CS_FACTOR_EFFECT ? effect : (t1 - t0) - effect;
  }
  double sum = 0;
  for (int k = 0; k < 4; k++) {
    const double t = 0.5 * (t0 + t1) + 0.5 * (t1 - t0) * gl_node[k];
    cs_pk_effect(pk, t, w->effect_end);
    double product = 1;
    for (int f = 0; f < reaction->n_factors; f++) {
      const cs_factor *factor = &reaction->factor[f];
      if (factor->kind == CS_FACTOR_EFFECT)
        product *= w->effect_end[factor->target];
      else if (factor->kind == CS_FACTOR_INHIBIT)
        product *= 1 - w->effect_end[factor->target];
    }
    sum += gl_weight[k] * product;
  }
  return 0.5 * (t1 - t0) * sum;
}

/* The first firing of a critical reaction within (t, t_limit], by thinning against the
 * critical propensities' bound over the interval (as in ssa.c); -1 if none. */
static int next_critical(cs_leap *w, const cs_trajectory *tr, gsl_rng *rng, double t_limit,
                         double *t_fire)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  cs_pk_effect(tr->pk, tr->t, w->effect);
  cs_pk_effect(tr->pk, t_limit, w->effect_end);
  double total = 0;
  for (int r = 0; r < c->n_reactions; r++) {
    w->bound[r] = w->critical[r] ? cs_model_propensity(w->model, kinetics, r, tr->counts,
                                                       w->effect, w->effect_end)
                                 : 0.0;
    total += w->bound[r];
  }
  double t = tr->t;
  while (total > 0) {
    t += cs_rng_exponential(rng) / total;
    if (!(t < t_limit))
      return -1;
    cs_pk_effect(tr->pk, t, w->effect);
    double target = cs_rng_uniform(rng) * total;
    for (int r = 0; r < c->n_reactions; r++) {
      if (!w->critical[r])
        continue;
      target -= cs_model_propensity(w->model, kinetics, r, tr->counts, w->effect, w->effect);
      if (target < 0) {
        *t_fire = t;
        return r;
      }
    }
  }
  return -1;
}

static void apply_firings(const cs_leap *w, const cs_kinetics *kinetics, int r, int64_t times,
                          int64_t *counts)
{
  const cs_reaction *reaction = &w->cohort->reaction[r];
  for (int c = 0; c < reaction->n_changes; c++)
    counts[reaction->change_species[c]] += times * kinetics->change[r * CS_CHANGE_MAX + c];
}

/* The counts half-way through a leap of length tau, predicted from the mean drift
 * (midpoint tau-leaping: Anderson, Ganguly and Kurtz, Ann Appl Probab 21, 2226, 2011).
 * Firing at the midpoint's propensities removes the first-order bias of plain
 * tau-leaping, which would otherwise accumulate over the hundreds of leaps a patient
 * takes (a few percent in the mean over a few e-folds). */
static void predict_midpoint(cs_leap *w, const cs_trajectory *tr, double t_mid)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  for (int s = 0; s < c->n_species; s++)
    w->midpoint[s] = (double)tr->counts[s];
  for (int r = 0; r < c->n_reactions; r++) {
    if (w->critical[r] || w->propensity[r] <= 0)
      continue;
    const double firings = w->species_part[r] * drug_integral(w, tr->pk, r, tr->t, t_mid);
    const cs_reaction *reaction = &c->reaction[r];
    for (int i = 0; i < reaction->n_changes; i++)
      w->midpoint[reaction->change_species[i]] +=
          firings * (double)kinetics->change[r * CS_CHANGE_MAX + i];
  }
  for (int s = 0; s < c->n_species; s++)
    w->midpoint_counts[s] = (int64_t)fmax(0.0, nearbyint(w->midpoint[s]));
}

/* One leap of length at most tau (shortened to the first critical firing). Returns
 * false, leaving the trajectory as it was, if a count would go negative. */
static bool try_leap(cs_leap *w, cs_trajectory *tr, gsl_rng *rng, double tau)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  double t_end = tr->t + tau;
  const int fired_critical = next_critical(w, tr, rng, t_end, &t_end);
  predict_midpoint(w, tr, 0.5 * (tr->t + t_end));
  memcpy(w->saved_counts, tr->counts, (size_t)c->n_species * sizeof *tr->counts);
  for (int r = 0; r < c->n_reactions; r++) {
    w->firings[r] = 0;
    if (w->critical[r] || w->propensity[r] <= 0)
      continue;
    const double mean = species_part(w, kinetics, r, w->midpoint_counts) *
                        drug_integral(w, tr->pk, r, tr->t, t_end);
    w->firings[r] = mean > 0 ? (int64_t)gsl_ran_poisson(rng, mean) : 0;
  }
  for (int r = 0; r < c->n_reactions; r++)
    apply_firings(w, kinetics, r, w->firings[r], tr->counts);
  if (fired_critical >= 0) {
    w->firings[fired_critical] = 1;
    apply_firings(w, kinetics, fired_critical, 1, tr->counts);
  }
  bool negative = false;
  for (int s = 0; s < c->n_species; s++)
    negative = negative || tr->counts[s] < 0;
  if (negative) {
    memcpy(tr->counts, w->saved_counts, (size_t)c->n_species * sizeof *tr->counts);
    return false;
  }
  cs_outcome_advance(&tr->watch, t_end);
  tr->record->events += 1 + (fired_critical >= 0);
  for (int r = 0; r < c->n_reactions; r++)
    tr->record->reaction_count[r] += w->firings[r];
  tr->t = t_end;
  cs_trajectory_changed(tr, t_end);
  return true;
}

/* One step from tr->t towards t_stop: a leap, or a batch of exact steps where leaping
 * would not pay. */
static void step(cs_leap *w, cs_trajectory *tr, gsl_rng *rng, double t_stop)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  cs_pk_effect(tr->pk, tr->t, w->effect);
  double total = 0;
  for (int r = 0; r < c->n_reactions; r++) {
    w->propensity[r] =
        cs_model_propensity(w->model, kinetics, r, tr->counts, w->effect, w->effect);
    total += w->propensity[r];
    w->critical[r] = w->propensity[r] > 0 && is_critical(w, r, tr->counts);
  }
  if (total <= 0) { /* nothing can happen before the next dose */
    cs_outcome_advance(&tr->watch, t_stop);
    tr->t = t_stop;
    return;
  }
  for (int r = 0; r < c->n_reactions; r++)
    w->species_part[r] = species_part(w, kinetics, r, tr->counts);

  double tau = fmin(cgp_tau(w, kinetics, tr->counts), threshold_tau(w, tr));
  for (;;) {
    if (tau < CS_LEAP_MIN_STEPS / total) {
      cs_ssa_advance(w->ssa, tr, rng, t_stop, CS_EXACT_BATCH);
      return;
    }
    if (try_leap(w, tr, rng, fmin(tau, t_stop - tr->t)))
      return;
    tau = fmin(tau, t_stop - tr->t) / 2;
  }
}

void cs_leap_simulate(cs_leap *w, cs_trajectory *tr, gsl_rng *rng)
{
  cs_ssa_begin_patient(w->ssa, tr->kinetics);
  size_t next_grid = 0;
  while (!tr->final && tr->t < tr->t_end) {
    double t_stop = cs_trajectory_apply_doses(tr);
    /* Leaps also stop at the reporting grid, so the burden there is a real state. */
    while (next_grid < tr->n_grid && tr->grid[next_grid] <= tr->t)
      next_grid++;
    if (next_grid < tr->n_grid)
      t_stop = fmin(t_stop, tr->grid[next_grid]);
    step(w, tr, rng, t_stop);
  }
}
