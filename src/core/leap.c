#include "cohortsim/leap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "cohortsim/events.h"
#include "cohortsim/factor.h"
#include "cohortsim/poisson.h"
#include "cohortsim/rng.h"

/* A leap shorter than this many mean waiting times 1/a0 costs more than the exact steps
 * it replaces (Cao, Gillespie and Petzold 2006 use 10). */
#define CS_LEAP_MIN_STEPS 10.0
/* Exact steps taken before leaping is considered again. */
#define CS_EXACT_BATCH 100
/* A leap aiming at an outcome threshold covers at most this fraction of the distance,
 * so the crossing is approached in ever shorter leaps and finally by exact steps. */
#define CS_THRESHOLD_APPROACH 0.5
/* Gauss-Legendre points for integrals of products of drug factors over a leap. */
#define CS_GL_POINTS 4
/* Steps between two looks at the stop flag and the state (cs_ssa_check): a step costs
 * microseconds, the look about as much as one. */
#define CS_LEAP_CHECK_STEPS 64

/* What the drug factors of every reaction need over one interval [t0, t1], computed once
 * per interval: each drug's effect integral (closed form) and its effects at the
 * Gauss-Legendre nodes (for products of factors). */
typedef struct drug_interval {
  double t0, t1;
  double *effect_integral; /* [drug] */
  double *node_effect;     /* [node * n_drugs + drug] */
  double *node_conc;       /* [node * n_drugs + drug] */
} drug_interval;

struct cs_leap {
  const cs_model *model;
  const cs_cohort *cohort;
  cs_ssa *ssa;
  double epsilon;
  int64_t critical_count;
  double *propensity;       /* [reaction] at the start of the leap */
  double *species_part;     /* [reaction] propensity without its drug factors */
  double *midpoint;         /* [species] predicted counts half-way through the leap */
  int64_t *midpoint_counts; /* [species] */
  bool *critical;           /* [reaction] */
  int n_critical;
  double *bound;                        /* [reaction] critical reactions' bound over the leap */
  int64_t *firings;                     /* [reaction] */
  int64_t *new_counts;                  /* [species] the counts after the leap being tried */
  double *drift, *spread, *sensitivity; /* [species] CGP sums */
  double *reaction_sensitivity;         /* [species] one reaction's g, zero between uses */
  bool *read;                           /* [species] read by a non-critical reaction */
  double *effect, *effect_end;          /* [drug] at the start of the step and the leap's end */
  double *conc;                         /* [drug] concentrations at the start of the step */
  double *conc_end;                     /* [drug] concentrations at the leap's end */
  double *effect_at, *conc_at;          /* [drug] at a critical firing's candidate time */
  int64_t *probe;                       /* [species] counts moved by one, for sensitivities */
  double *no_effect, *full_effect;      /* [drug] all 0 and all 1: drug factors become 1 */
  int *n_drug_factors;                  /* [reaction] */
  bool *drug_formula;                   /* [reaction] cs_model_drug_formula */
  /* [reaction] a consumption the change rule of is_critical does not already watch: more
   * than one copy, or a catalyst (consumed and made again). None in a `change` file. */
  bool *watch_consumption;
  int *drug_factor;         /* [reaction] the drug factor of reactions with exactly one */
  bool has_drug_products;   /* some reaction has two or more drug factors */
  bool has_drug_formulas;   /* some reaction has a general rate law reading a drug */
  drug_interval half, full; /* the first half of the current leap, and all of it */
  /* Cutting a leap back to the firing where a trigger turned true (cut_leap). */
  int64_t *cut_base;    /* [species] the counts at the start of the part searched */
  int64_t *cut_firings; /* [reaction] the firings left in that part */
  int64_t *cut_half;    /* [reaction] those of its first half */
  int64_t *cut_applied; /* [reaction] the firings before it */
};

static bool watches_consumption(const cs_reaction *reaction)
{
  for (int i = 0; i < reaction->n_consumed; i++) {
    bool changed = false;
    for (int c = 0; c < reaction->n_changes; c++)
      changed = changed || reaction->change_species[c] == reaction->consumed_species[i];
    if (reaction->consumed[i] > 1 || !changed)
      return true;
  }
  return false;
}

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
  w->new_counts = calloc(n_s, sizeof *w->new_counts);
  w->drift = calloc(n_s, sizeof *w->drift);
  w->spread = calloc(n_s, sizeof *w->spread);
  w->sensitivity = calloc(n_s, sizeof *w->sensitivity);
  w->reaction_sensitivity = calloc(n_s, sizeof *w->reaction_sensitivity);
  w->read = calloc(n_s, sizeof *w->read);
  w->effect = calloc(n_d, sizeof *w->effect);
  w->effect_end = calloc(n_d, sizeof *w->effect_end);
  w->conc = calloc(n_d, sizeof *w->conc);
  w->conc_end = calloc(n_d, sizeof *w->conc_end);
  w->effect_at = calloc(n_d, sizeof *w->effect_at);
  w->conc_at = calloc(n_d, sizeof *w->conc_at);
  w->probe = calloc(n_s, sizeof *w->probe);
  w->half.node_conc = calloc(n_d * CS_GL_POINTS, sizeof(double));
  w->full.node_conc = calloc(n_d * CS_GL_POINTS, sizeof(double));
  w->no_effect = calloc(n_d, sizeof *w->no_effect);
  w->n_drug_factors = calloc(n_r, sizeof *w->n_drug_factors);
  w->drug_formula = calloc(n_r, sizeof *w->drug_formula);
  w->watch_consumption = calloc(n_r, sizeof *w->watch_consumption);
  w->drug_factor = calloc(n_r, sizeof *w->drug_factor);
  w->half.effect_integral = calloc(n_d, sizeof(double));
  w->full.effect_integral = calloc(n_d, sizeof(double));
  w->half.node_effect = calloc(n_d * CS_GL_POINTS, sizeof(double));
  w->full.node_effect = calloc(n_d * CS_GL_POINTS, sizeof(double));
  w->full_effect = calloc(n_d, sizeof *w->full_effect);
  w->cut_base = calloc(n_s, sizeof *w->cut_base);
  w->cut_firings = calloc(n_r, sizeof *w->cut_firings);
  w->cut_half = calloc(n_r, sizeof *w->cut_half);
  w->cut_applied = calloc(n_r, sizeof *w->cut_applied);
  if (w->cut_base == NULL || w->cut_firings == NULL || w->cut_half == NULL ||
      w->cut_applied == NULL || w->propensity == NULL || w->species_part == NULL ||
      w->midpoint == NULL || w->midpoint_counts == NULL || w->no_effect == NULL ||
      w->full_effect == NULL || w->n_drug_factors == NULL || w->drug_formula == NULL ||
      w->watch_consumption == NULL || w->drug_factor == NULL || w->half.effect_integral == NULL ||
      w->full.effect_integral == NULL || w->half.node_effect == NULL ||
      w->full.node_effect == NULL || w->critical == NULL || w->bound == NULL ||
      w->firings == NULL || w->new_counts == NULL || w->drift == NULL || w->spread == NULL ||
      w->sensitivity == NULL || w->reaction_sensitivity == NULL || w->read == NULL ||
      w->effect == NULL || w->effect_end == NULL || w->conc == NULL || w->conc_end == NULL ||
      w->effect_at == NULL || w->conc_at == NULL || w->probe == NULL || w->half.node_conc == NULL ||
      w->full.node_conc == NULL) {
    cs_leap_destroy(&w);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the hybrid workspace");
  }
  for (int d = 0; d < c->n_drugs; d++)
    w->full_effect[d] = 1;
  for (int r = 0; r < c->n_reactions; r++) {
    w->watch_consumption[r] = watches_consumption(&c->reaction[r]);
    /* A general rate law reading a drug is integrated whole (formula_integral): its
     * drug factors, if any, are part of it. */
    w->drug_formula[r] = cs_model_drug_formula(model, r);
    if (w->drug_formula[r]) {
      w->has_drug_formulas = true;
      continue;
    }
    for (int f = 0; f < c->reaction[r].n_factors; f++)
      if (cs_factor_reads_drug(&c->reaction[r].factor[f])) {
        w->n_drug_factors[r]++;
        w->drug_factor[r] = f;
      }
    w->has_drug_products = w->has_drug_products || w->n_drug_factors[r] > 1;
  }
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
  free(w->n_drug_factors);
  free(w->drug_formula);
  free(w->watch_consumption);
  free(w->drug_factor);
  free(w->half.effect_integral);
  free(w->full.effect_integral);
  free(w->half.node_effect);
  free(w->full.node_effect);
  free(w->full_effect);
  free(w->critical);
  free(w->bound);
  free(w->firings);
  free(w->new_counts);
  free(w->drift);
  free(w->spread);
  free(w->sensitivity);
  free(w->reaction_sensitivity);
  free(w->read);
  free(w->effect);
  free(w->effect_end);
  free(w->conc);
  free(w->conc_end);
  free(w->effect_at);
  free(w->conc_at);
  free(w->probe);
  free(w->half.node_conc);
  free(w->full.node_conc);
  free(w->cut_base);
  free(w->cut_firings);
  free(w->cut_half);
  free(w->cut_applied);
  free(w);
  *leap = NULL;
}

/* An effect of 1 (for effect factors) and 0 (for inhibition factors) turns every drug
 * factor into 1: what is left is the part of the propensity that depends on the counts,
 * constant while the counts are. A general rate law reading a drug does not split so:
 * its "species part" is its whole propensity at the step's start (and its drug factors
 * are 1, drug_factors). */
static double species_part(const cs_leap *w, const cs_kinetics *kinetics, int r,
                           const int64_t *counts)
{
  if (w->drug_formula[r]) {
    const cs_drug_span start = {w->effect, w->effect, w->conc, w->conc};
    return cs_model_propensity(w->model, kinetics, r, counts, &start);
  }
  const cs_drug_span factors_off = {w->no_effect, w->full_effect, w->conc, w->conc};
  return cs_model_propensity(w->model, kinetics, r, counts, &factors_off);
}

/* The product of reaction r's drug factors at the given effects: the propensity is its
 * species part times this (cs_model_propensity multiplies the same factors). */
static double drug_factors(const cs_leap *w, int r, const double *effect)
{
  if (w->n_drug_factors[r] == 0)
    return 1.0;
  const cs_reaction *reaction = &w->cohort->reaction[r];
  double product = 1.0;
  for (int f = 0; f < reaction->n_factors; f++) {
    const cs_factor *factor = &reaction->factor[f];
    if (cs_factor_reads_drug(factor))
      product *= cs_factor_of_effect(factor, effect[factor->target]);
  }
  return product;
}

/* A reaction is critical when it changes a species, or multiplies by a species, that is
 * down to a few copies, or when fewer than `critical` firings could exhaust a reactant
 * (x / stoichiometry < critical: Cao, Gillespie and Petzold 2006): such reactions decide
 * extinction and must fire exactly. */
static bool is_critical(const cs_leap *w, int r, const int64_t *counts)
{
  const cs_reaction *reaction = &w->cohort->reaction[r];
  for (int c = 0; c < reaction->n_changes; c++)
    if (counts[reaction->change_species[c]] < w->critical_count)
      return true;
  for (int i = 0; w->watch_consumption[r] && i < reaction->n_consumed; i++)
    if (counts[reaction->consumed_species[i]] < w->critical_count * reaction->consumed[i])
      return true;
  for (int f = 0; f < reaction->n_factors; f++)
    if (reaction->factor[f].kind == CS_FACTOR_SPECIES &&
        counts[reaction->factor[f].target] < w->critical_count)
      return true;
  return false;
}

/* A general rate law's |d ln a / d ln x_s| for each species s it reads, by a forward
 * difference of one copy: x_s |a(x_s + 1) - a(x_s)| / a(x_s). It is exact for mass
 * action (1 for X, 2 + 1/X for X^2: a step of one copy is the smallest the counts take)
 * and needs no derivative of the formula. Drugs at the step's start. */
static void add_formula_sensitivity(cs_leap *w, const cs_kinetics *kinetics,
                                    const cs_formula *formula, const int64_t *counts, double *g)
{
  const int n_species = w->cohort->n_species;
  memcpy(w->probe, counts, (size_t)n_species * sizeof *counts);
  cs_formula_state state = {.param = kinetics->param, .count = w->probe, .drug = w->conc};
  const double a = cs_formula_eval(formula, &state);
  if (!(a > 0))
    return;
  for (int s = 0; s < n_species; s++) {
    if (!cs_formula_reads(formula, CS_SYMBOL_SPECIES, s))
      continue;
    w->probe[s]++;
    const double moved = cs_formula_eval(formula, &state);
    w->probe[s]--;
    g[s] += (double)counts[s] * fabs(moved - a) / a;
  }
}

/* Adds |d ln a / d ln x_s| of one factor to g[s] for every species s it reads: the order
 * of the reaction in s for mass action, generalised to the other rate laws (the g_i of
 * Cao, Gillespie and Petzold). Only the species a factor reads are visited. A switch on
 * the kind, like cs_model_propensity's, as it runs for every reaction at every step. */
static void add_factor_sensitivity(cs_leap *w, const cs_kinetics *kinetics,
                                   const cs_factor *factor, double scale, const int64_t *counts,
                                   double *g)
{
  switch (factor->kind) {
  case CS_FACTOR_SPECIES:
    g[factor->target] += 1.0;
    return;
  case CS_FACTOR_BINOMIAL: {
    /* C(x, k) = x(x-1)...(x-k+1)/k!: d ln C / d ln x = sum_j x/(x - j) = k + sum_j
     * j/(x - j), j < k, which is CGP's g for k molecules of one species (2 + 1/(x-1) for
     * two, 3 + 1/(x-1) + 2/(x-2) for three). The propensity is positive, so x >= k. */
    const double x = (double)counts[factor->target];
    double sum = factor->order;
    for (int j = 1; j < factor->order; j++)
      sum += j / (x - j);
    g[factor->target] += sum;
    return;
  }
  case CS_FACTOR_FORMULA:
    add_formula_sensitivity(w, kinetics, factor->formula, counts, g);
    return;
  case CS_FACTOR_HILL:
    g[factor->target] += factor->hill_n;
    return;
  case CS_FACTOR_LOGISTIC:
  case CS_FACTOR_SATURATE: {
    double sum = 0;
    for (int i = 0; i < factor->n_sum; i++)
      sum += (double)counts[factor->sum[i]];
    if (factor->kind == CS_FACTOR_LOGISTIC && !(sum < scale))
      return;
    const double denominator =
        factor->kind == CS_FACTOR_LOGISTIC ? 1 - sum / scale : 1 + sum / scale;
    /* The species of a sum are distinct (the cohort reader refuses repeats). */
    for (int i = 0; i < factor->n_sum; i++)
      g[factor->sum[i]] += ((double)counts[factor->sum[i]] / scale) / denominator;
    return;
  }
  case CS_FACTOR_EFFECT:
  case CS_FACTOR_INHIBIT:
    return;
  }
}

/* The leap length of Cao, Gillespie and Petzold (2006, eqs. 32-33) over the
 * non-critical reactions: for every species s a non-critical propensity reads,
 * tau <= max(eps x_s / g_s, 1) / |drift_s| and <= max(eps x_s / g_s, 1)^2 / variance_s,
 * where a species may raise the floor of 1 to its own absolute tolerance. */
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
    for (int f = 0; f < reaction->n_factors; f++)
      add_factor_sensitivity(w, kinetics, &reaction->factor[f], scale[f], counts,
                             w->reaction_sensitivity);
    for (int s = 0; s < c->n_species; s++) {
      const double g = w->reaction_sensitivity[s];
      w->reaction_sensitivity[s] = 0;
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
    const double allowed =
        fmax(w->epsilon * (double)counts[s] / w->sensitivity[s], c->species[s].leap_tolerance);
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

/* Gauss-Legendre on [-1, 1] with nodes -+0.8611363115940526 and -+0.3399810435848563:
 * exact for polynomials of degree 7, far more than the smooth drug factors over a leap
 * need. The weights, in the order of the nodes from -1 to 1; and the lower two nodes as
 * fractions of the interval, (1 + x)/2 (the upper two are 1 minus these). */
static const double gl_weight[CS_GL_POINTS] = {0.3478548451374538, 0.6521451548625461,
                                               0.6521451548625461, 0.3478548451374538};
static const double gl_fraction[CS_GL_POINTS / 2] = {0.5 * (1 - 0.8611363115940526),
                                                     0.5 * (1 - 0.3399810435848563)};

/* The drug terms of a leap [t0, t1]: the effect integrals over its first half and over
 * all of it, and the effects at both intervals' Gauss-Legendre nodes, from the
 * concentrations at t0 (w->conc, set by step). Between doses C(t0 + s) = C(t0) e^{-k s}
 * and the integral of C/(1+C) over [t0, t0 + s] is (ln(1 + C(t0)) - ln(1 + C(t0 + s)))/k
 * (pk.h), so every time needed is a product of a few exponentials: e^{-k h/2} for the
 * half's end (squared for the end), e^{-k h phi/2} for a half-interval node at fraction
 * phi (squared for the full interval's), and the symmetric node 1 - phi is the end's
 * factor divided by it. Four exponentials per drug instead of thirteen. */
static void prepare_intervals(cs_leap *w, const cs_pk *pk, double t0, double t1)
{
  const int n_drugs = w->cohort->n_drugs;
  const double length = t1 - t0;
  w->half.t0 = w->full.t0 = t0;
  w->half.t1 = 0.5 * (t0 + t1);
  w->full.t1 = t1;
  for (int d = 0; d < n_drugs; d++) {
    const double c0 = w->conc[d];
    if (c0 <= 0) {
      w->half.effect_integral[d] = w->full.effect_integral[d] = 0;
      for (int k = 0; k < CS_GL_POINTS; k++) {
        w->half.node_effect[k * n_drugs + d] = w->full.node_effect[k * n_drugs + d] = 0;
        w->half.node_conc[k * n_drugs + d] = w->full.node_conc[k * n_drugs + d] = 0;
      }
      continue;
    }
    const double rate = pk->elimination[d];
    const double decay_half = exp(-rate * 0.5 * length), decay_full = decay_half * decay_half;
    w->half.effect_integral[d] = cs_pk_effect_integral(c0, rate, decay_half);
    w->full.effect_integral[d] = cs_pk_effect_integral(c0, rate, decay_full);
    if (!w->has_drug_products && !w->has_drug_formulas)
      continue;
    for (int k = 0; k < CS_GL_POINTS / 2; k++) {
      const double decay = exp(-rate * 0.5 * length * gl_fraction[k]), decay2 = decay * decay;
      /* A factor that underflowed to 0 leaves the later node's at 0 too (never 0/0). */
      const double c_half_low = c0 * decay, c_full_low = c0 * decay2;
      const double c_half_high = decay > 0 ? c0 * (decay_half / decay) : 0.0;
      const double c_full_high = decay2 > 0 ? c0 * (decay_full / decay2) : 0.0;
      const int low = k * n_drugs + d, high = (CS_GL_POINTS - 1 - k) * n_drugs + d;
      w->half.node_effect[low] = cs_pk_effect_of(c_half_low);
      w->half.node_effect[high] = cs_pk_effect_of(c_half_high);
      w->full.node_effect[low] = cs_pk_effect_of(c_full_low);
      w->full.node_effect[high] = cs_pk_effect_of(c_full_high);
      w->half.node_conc[low] = c_half_low;
      w->half.node_conc[high] = c_half_high;
      w->full.node_conc[low] = c_full_low;
      w->full.node_conc[high] = c_full_high;
    }
  }
}

/* Integral over the interval of the product of reaction r's drug factors. */
static double drug_integral(const cs_leap *w, int r, const drug_interval *interval)
{
  const cs_reaction *reaction = &w->cohort->reaction[r];
  const double length = interval->t1 - interval->t0;
  if (w->n_drug_factors[r] == 0)
    return length;
  if (w->n_drug_factors[r] == 1) {
    const cs_factor *factor = &reaction->factor[w->drug_factor[r]];
    const double effect = interval->effect_integral[factor->target];
    return factor->kind == CS_FACTOR_EFFECT ? effect : length - effect;
  }
  double sum = 0;
  for (int k = 0; k < CS_GL_POINTS; k++)
    sum += gl_weight[k] * drug_factors(w, r, &interval->node_effect[k * w->cohort->n_drugs]);
  return 0.5 * length * sum;
}

/* Integral over the interval of the whole propensity of a general rate law reading a
 * drug, at fixed counts, by the same Gauss-Legendre rule (exact for polynomials of
 * degree 7 in time; the concentrations are smooth exponentials between doses). */
static double formula_integral(const cs_leap *w, const cs_kinetics *kinetics, int r,
                               const int64_t *counts, const drug_interval *interval)
{
  const int n_drugs = w->cohort->n_drugs;
  double sum = 0;
  for (int k = 0; k < CS_GL_POINTS; k++) {
    const double *effect = &interval->node_effect[k * n_drugs];
    const double *conc = &interval->node_conc[k * n_drugs];
    const cs_drug_span node = {effect, effect, conc, conc};
    sum += gl_weight[k] * cs_model_propensity(w->model, kinetics, r, counts, &node);
  }
  return 0.5 * (interval->t1 - interval->t0) * sum;
}

/* The expected number of firings of reaction r over the interval at fixed counts, from
 * its species part at those counts. */
static double expected_firings(const cs_leap *w, const cs_kinetics *kinetics, int r,
                               const int64_t *counts, double part,
                               const drug_interval *interval)
{
  if (w->drug_formula[r])
    return formula_integral(w, kinetics, r, counts, interval);
  return part * drug_integral(w, r, interval);
}

/* The first firing of a critical reaction within (t, t_limit], by thinning against the
 * critical propensities' bound over the interval (as in ssa.c); -1 if none. */
static int next_critical(cs_leap *w, const cs_trajectory *tr, gsl_rng *rng, double t_limit,
                         double *t_fire)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  if (w->n_critical == 0)
    return -1;
  /* The drugs at the step's start are w->conc and w->effect (step). */
  cs_pk_drugs(tr->pk, t_limit, w->conc_end, w->effect_end);
  const cs_drug_span interval = {w->effect_end, w->effect, w->conc_end, w->conc};
  const cs_drug_span candidate = {w->effect_at, w->effect_at, w->conc_at, w->conc_at};
  double total = 0;
  for (int r = 0; r < c->n_reactions; r++) {
    w->bound[r] =
        w->critical[r] ? cs_model_propensity(w->model, kinetics, r, tr->counts, &interval) : 0.0;
    total += w->bound[r];
  }
  double t = tr->t;
  while (total > 0) {
    t += cs_rng_exponential(rng) / total;
    if (!(t < t_limit))
      return -1;
    cs_pk_drugs(tr->pk, t, w->conc_at, w->effect_at);
    double target = cs_rng_uniform(rng) * total;
    for (int r = 0; r < c->n_reactions; r++) {
      if (!w->critical[r])
        continue;
      target -= cs_model_propensity(w->model, kinetics, r, tr->counts, &candidate);
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
static void predict_midpoint(cs_leap *w, const cs_trajectory *tr)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  for (int s = 0; s < c->n_species; s++)
    w->midpoint[s] = (double)tr->counts[s];
  for (int r = 0; r < c->n_reactions; r++) {
    if (w->critical[r] || w->propensity[r] <= 0)
      continue;
    const double firings =
        expected_firings(w, kinetics, r, tr->counts, w->species_part[r], &w->half);
    const cs_reaction *reaction = &c->reaction[r];
    for (int i = 0; i < reaction->n_changes; i++)
      w->midpoint[reaction->change_species[i]] +=
          firings * (double)kinetics->change[r * CS_CHANGE_MAX + i];
  }
  /* Clamped below 2^62 so that the conversion is defined whatever the prediction; a
   * count that large fails the next cs_ssa_check (at most CS_COUNT_MAX = 2^53). */
  for (int s = 0; s < c->n_species; s++)
    w->midpoint_counts[s] = (int64_t)fmin(fmax(0.0, nearbyint(w->midpoint[s])), 0x1.0p62);
}

/* The firings of one reaction in the first half of an interval, given n in all: each
 * falls in either half with probability 1/2, whatever the others do (a Poisson process
 * given its count), so Binomial(n, 1/2). Beyond GSL's unsigned range (2^32 firings of
 * one reaction in one leap) its normal approximation, rounded and kept within [0, n]. */
static int64_t first_half(gsl_rng *rng, int64_t n)
{
  if (n <= 0)
    return 0;
  if (n < (int64_t)UINT32_MAX)
    return (int64_t)gsl_ran_binomial(rng, 0.5, (unsigned int)n);
  const double k = nearbyint(0.5 * (double)n + 0.5 * sqrt((double)n) * gsl_ran_ugaussian(rng));
  return (int64_t)fmin(fmax(k, 0.0), (double)n);
}

static void add_firings(const cs_leap *w, const cs_kinetics *kinetics, const int64_t *firings,
                        int64_t *counts)
{
  for (int r = 0; r < w->cohort->n_reactions; r++)
    if (firings[r] != 0)
      apply_firings(w, kinetics, r, firings[r], counts);
}

/* A leap [t, t_end] at whose end a state trigger is true that was false at its start:
 * the firings are split between the halves of the interval (binomially, first_half),
 * the half in which the trigger turns true is kept, and so on until one firing is
 * left, the one that turned it true, placed uniformly in what is left of the interval
 * (the time of a Poisson process's only event in an interval). The trajectory moves to
 * that firing, the firings after it are dropped, and the caller fires the event there.
 * The trigger is looked at only where the halves meet: a trigger that turns true and
 * false again within one half is not seen, as the leap itself does not see changes
 * within it (docs/cohort-reference.md "Events"). Returns false, the trajectory left as
 * it was, if the counts at the firing found would be negative. */
static bool cut_leap(cs_leap *w, cs_trajectory *tr, gsl_rng *rng, double t_end, int critical)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  const size_t species_bytes = (size_t)c->n_species * sizeof *tr->counts;
  double lo = tr->t, hi = t_end;
  memcpy(w->cut_base, tr->counts, species_bytes);
  int64_t total = 0;
  for (int r = 0; r < c->n_reactions; r++) {
    w->cut_applied[r] = 0;
    w->cut_firings[r] = r == critical ? 0 : w->firings[r];
    total += w->cut_firings[r];
  }
  /* The critical firing falls at the leap's end: if the trigger turns true only with it,
   * the whole leap stands and the event fires at its end. */
  memcpy(w->new_counts, tr->counts, species_bytes);
  add_firings(w, kinetics, w->cut_firings, w->new_counts);
  if (critical >= 0 && !cs_events_would_fire(tr, w->new_counts, t_end)) {
    w->cut_firings[critical] = 1;
    total = 1 + total;
    lo = hi;
  }
  while (total > 1 && lo < hi) {
    const double mid = lo + 0.5 * (hi - lo);
    int64_t first = 0;
    memcpy(w->new_counts, w->cut_base, species_bytes);
    for (int r = 0; r < c->n_reactions; r++) {
      w->cut_half[r] = first_half(rng, w->cut_firings[r]);
      first += w->cut_half[r];
    }
    add_firings(w, kinetics, w->cut_half, w->new_counts);
    if (cs_events_would_fire(tr, w->new_counts, mid)) {
      hi = mid;
      memcpy(w->cut_firings, w->cut_half, (size_t)c->n_reactions * sizeof *w->cut_firings);
      total = first;
    } else {
      lo = mid;
      memcpy(w->cut_base, w->new_counts, species_bytes);
      for (int r = 0; r < c->n_reactions; r++) {
        w->cut_applied[r] += w->cut_half[r];
        w->cut_firings[r] -= w->cut_half[r];
      }
      total -= first;
    }
  }
  const double t_cut = lo < hi ? lo + cs_rng_uniform(rng) * (hi - lo) : hi;
  memcpy(w->new_counts, w->cut_base, species_bytes);
  add_firings(w, kinetics, w->cut_firings, w->new_counts);
  for (int s = 0; s < c->n_species; s++)
    if (w->new_counts[s] < 0)
      return false;
  cs_trajectory_pass(tr, t_cut);
  memcpy(tr->counts, w->new_counts, species_bytes);
  tr->record->events += 1;
  for (int r = 0; r < c->n_reactions; r++)
    tr->record->reaction_count[r] += w->cut_applied[r] + w->cut_firings[r];
  tr->t = t_cut;
  cs_trajectory_changed(tr, t_cut);
  return true;
}

/* One leap of length at most tau (shortened to the first critical firing), cut back to
 * the firing where a state trigger turned true (cut_leap). Returns false, leaving the
 * trajectory as it was, if a count would go negative. */
static bool try_leap(cs_leap *w, cs_trajectory *tr, gsl_rng *rng, double tau)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  double t_end = tr->t + tau;
  const int fired_critical = next_critical(w, tr, rng, t_end, &t_end);
  prepare_intervals(w, tr->pk, tr->t, t_end);
  predict_midpoint(w, tr);
  /* The counts are exact Poisson variates at every mean, drawn from a local copy of the
   * stream: PTRS (poisson.h) costs the same at any mean, so the rounded normal that once
   * stood in for GSL's sampler above a mean of 1e4 is no longer needed. */
  cs_rng_local local = cs_rng_local_take(rng);
  for (int r = 0; r < c->n_reactions; r++) {
    w->firings[r] = 0;
    if (w->critical[r] || w->propensity[r] <= 0)
      continue;
    const int64_t *counts = w->midpoint_counts;
    w->firings[r] = cs_poisson_draw(
        local.s, expected_firings(w, kinetics, r, counts, species_part(w, kinetics, r, counts),
                                  &w->full));
  }
  cs_rng_local_return(rng, &local);
  if (fired_critical >= 0)
    w->firings[fired_critical] = 1;
  /* The new counts go to new_counts first: a leap that would make one negative is
   * rejected, and the old state is what the grid and sampler see until the leap ends. */
  memcpy(w->new_counts, tr->counts, (size_t)c->n_species * sizeof *tr->counts);
  for (int r = 0; r < c->n_reactions; r++)
    apply_firings(w, kinetics, r, w->firings[r], w->new_counts);
  for (int s = 0; s < c->n_species; s++)
    if (w->new_counts[s] < 0)
      return false;
  if (cs_events_watching(tr->events) && cs_events_would_fire(tr, w->new_counts, t_end))
    return cut_leap(w, tr, rng, t_end, fired_critical);
  cs_trajectory_pass(tr, t_end);
  memcpy(tr->counts, w->new_counts, (size_t)c->n_species * sizeof *tr->counts);
  tr->record->events += 1 + (fired_critical >= 0);
  for (int r = 0; r < c->n_reactions; r++)
    tr->record->reaction_count[r] += w->firings[r];
  tr->t = t_end;
  cs_trajectory_changed(tr, t_end);
  return true;
}

/* One step from tr->t towards t_stop: a leap, or a batch of exact steps where leaping
 * would not pay. A total propensity that is not finite would make every leap length 0
 * and the step endless: cs_ssa_check names the reaction. */
static cs_status step(cs_leap *w, cs_trajectory *tr, gsl_rng *rng, double t_stop, cs_error *err)
{
  const cs_cohort *c = w->cohort;
  const cs_kinetics *kinetics = tr->kinetics;
  /* The concentrations at the start serve the propensities here and the leap's drug
   * terms (prepare_intervals). */
  cs_pk_concentration(tr->pk, tr->t, w->conc);
  for (int d = 0; d < c->n_drugs; d++)
    w->effect[d] = cs_pk_effect_of(w->conc[d]);
  double total = 0;
  w->n_critical = 0;
  for (int r = 0; r < c->n_reactions; r++) {
    w->species_part[r] = species_part(w, kinetics, r, tr->counts);
    w->propensity[r] = w->species_part[r] * drug_factors(w, r, w->effect);
    total += w->propensity[r];
    w->critical[r] = w->propensity[r] > 0 && is_critical(w, r, tr->counts);
    w->n_critical += w->critical[r];
  }
  if (!isfinite(total)) {
    CS_CALL(cs_ssa_check(w->ssa, tr, tr->t, 0, "steps", err));
    return cs_error_set(err, CS_ERR_NUMERIC, "day %g: the total propensity is %g", tr->t, total);
  }
  if (total <= 0) { /* nothing can happen before the next dose */
    cs_trajectory_pass(tr, t_stop);
    tr->t = t_stop;
    return CS_OK;
  }

  double tau = fmin(cgp_tau(w, kinetics, tr->counts), threshold_tau(w, tr));
  for (;;) {
    if (tau < CS_LEAP_MIN_STEPS / total) {
      int64_t fired = 0;
      if (cs_events_watching(tr->events))
        return cs_ssa_advance_watched(w->ssa, tr, rng, t_stop, CS_EXACT_BATCH, &fired, err);
      cs_ssa_advance(w->ssa, tr, rng, t_stop, CS_EXACT_BATCH);
      return CS_OK;
    }
    if (try_leap(w, tr, rng, fmin(tau, t_stop - tr->t)))
      return CS_OK;
    tau = fmin(tau, t_stop - tr->t) / 2;
  }
}

/* After an event changed rates or drug levels, the exact stretches' reactions are
 * sorted again (the leaps evaluate everything at every step anyway). */
static void restart_after_event(cs_leap *w, cs_trajectory *tr)
{
  if (!tr->restart)
    return;
  cs_ssa_begin_patient(w->ssa, tr->kinetics);
  tr->restart = false;
}

cs_status cs_leap_simulate(cs_leap *w, cs_trajectory *tr, gsl_rng *rng, cs_error *err)
{
  cs_ssa_begin_patient(w->ssa, tr->kinetics);
  CS_CALL(cs_ssa_check(w->ssa, tr, tr->t, 0, "steps", err));
  double t_paced = tr->t;
  int steps = 0;
  size_t next_grid = 0;
  while (!tr->final && tr->t < tr->t_end) {
    double t_stop = tr->t_end;
    CS_CALL(cs_trajectory_stop(tr, &t_stop, err));
    restart_after_event(w, tr);
    /* Leaps also stop at the reporting grid, so the burden there is a real state. */
    while (next_grid < tr->n_grid && tr->grid[next_grid] <= tr->t)
      next_grid++;
    if (next_grid < tr->n_grid)
      t_stop = fmin(t_stop, tr->grid[next_grid]);
    CS_CALL(step(w, tr, rng, t_stop, err));
    CS_CALL(cs_events_check(tr, err));
    restart_after_event(w, tr);
    if (++steps == CS_LEAP_CHECK_STEPS) {
      CS_CALL(cs_ssa_check(w->ssa, tr, t_paced, steps, "steps", err));
      t_paced = tr->t;
      steps = 0;
    }
  }
  return CS_OK;
}
