#include "cohortsim/ssa.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "cohortsim/events.h"
#include "cohortsim/rng.h"

/* How far ahead the propensity bound of a drug-dependent reaction is taken, in units of
 * the fastest drug's elimination time 1/k: over 0.1/k a concentration falls by at most
 * 10%, so most candidates are accepted, yet the bound is rebuilt only every few events. */
#define CS_BOUND_WINDOW 0.1
/* The most reactions of a linear one-species network that advance_linear takes. */
#define CS_LINEAR_MAX 4
/* Events between two looks at the stop flag and the state (cs_ssa_check): about a
 * millisecond of the fastest loop, so a stop is seen at once, and the look, a pass over
 * the species and reactions, costs nothing per event. */
#define CS_SSA_CHECK_EVENTS 65536
/* The most events or steps a patient may still need (the engines count them in int64,
 * and no run could take more). */
#define CS_WORK_LIMIT 0x1.0p53

struct cs_ssa {
  const cs_model *model;
  const cs_cohort *cohort;
  double *propensity;       /* [reaction]: current values (static) or bounds (varying) */
  double *effect_now;       /* [drug] at the start of the look-ahead window */
  double *effect_horizon;   /* [drug] at the end of the look-ahead window */
  double *effect_candidate; /* [drug] at a thinning candidate's time */
  double *conc_now, *conc_horizon, *conc_candidate; /* [drug] the same as concentrations */
  /* The patient's reactions that can fire (rate > 0), without and with drug factors. */
  int n_static, n_varying;
  int *static_reaction;
  int *varying_reaction;
  bool *is_static; /* [reaction] */
  /* For the propensities of pure mass action on one species (rate * X, most reactions,
   * with no negativity check: cs_model_guarded), that species; -1 for the others, which
   * go through cs_model_propensity. */
  int *mass_action_species; /* [reaction] */
  const int **dependents;   /* [reaction]: cs_model_dependents, looked up once */
  int *n_dependents;        /* [reaction] */
  /* What is left of the current Exp(1) waiting-time draw, in units of integrated
   * propensity bound, when a stop (a dose, the end of a window) cut the wait short; -1
   * when a new draw is needed. By the memoryless property the remainder is again Exp(1),
   * so stops cost no random numbers: a patient's path does not depend on where the
   * stops fall, and an arm whose doses do nothing replays the untreated arm exactly. */
  double residual_wait;
  /* The static reactions again, dense and by position in static_reaction, for
   * advance_static: their propensities, the species and rate of those that are pure mass
   * action (species -1 for the others), and for each position the positions whose
   * propensity depends on it. Rebuilt for every patient. */
  double *dense_propensity;
  double *dense_cumulative;
  int *dense_species;
  double *dense_rate;
  int *dense_dependents;
  int *dense_dependents_start;
  /* When every reaction that can fire is first-order mass action in one species X and
   * changes only X by a fixed amount (birth, death and kill routes of one population),
   * that species, and the change of each dense position; else -1. Then every propensity
   * is rate * X, and advance_linear needs no dependency lists. */
  int linear_species;
  int64_t *dense_change;
  const volatile sig_atomic_t *stop; /* non-zero asks for a stop; NULL: never */
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
  w->cohort = cohort;
  w->propensity = calloc(n_reactions, sizeof *w->propensity);
  w->effect_now = calloc(n_drugs, sizeof *w->effect_now);
  w->effect_horizon = calloc(n_drugs, sizeof *w->effect_horizon);
  w->effect_candidate = calloc(n_drugs, sizeof *w->effect_candidate);
  w->conc_now = calloc(n_drugs, sizeof *w->conc_now);
  w->conc_horizon = calloc(n_drugs, sizeof *w->conc_horizon);
  w->conc_candidate = calloc(n_drugs, sizeof *w->conc_candidate);
  w->static_reaction = calloc(n_reactions, sizeof *w->static_reaction);
  w->varying_reaction = calloc(n_reactions, sizeof *w->varying_reaction);
  w->is_static = calloc(n_reactions, sizeof *w->is_static);
  w->mass_action_species = calloc(n_reactions, sizeof *w->mass_action_species);
  w->dependents = calloc(n_reactions, sizeof *w->dependents);
  w->n_dependents = calloc(n_reactions, sizeof *w->n_dependents);
  w->dense_propensity = calloc(n_reactions, sizeof *w->dense_propensity);
  w->dense_cumulative = calloc(n_reactions, sizeof *w->dense_cumulative);
  w->dense_species = calloc(n_reactions, sizeof *w->dense_species);
  w->dense_rate = calloc(n_reactions, sizeof *w->dense_rate);
  w->dense_dependents = calloc(n_reactions * n_reactions, sizeof *w->dense_dependents);
  w->dense_dependents_start = calloc(n_reactions + 1, sizeof *w->dense_dependents_start);
  w->dense_change = calloc(n_reactions, sizeof *w->dense_change);
  if (w->dense_propensity == NULL || w->dense_cumulative == NULL || w->dense_species == NULL ||
      w->dense_rate == NULL || w->dense_dependents == NULL || w->dense_dependents_start == NULL ||
      w->dense_change == NULL || w->propensity == NULL || w->effect_now == NULL ||
      w->effect_horizon == NULL || w->effect_candidate == NULL || w->conc_now == NULL ||
      w->conc_horizon == NULL || w->conc_candidate == NULL || w->static_reaction == NULL ||
      w->varying_reaction == NULL || w->is_static == NULL || w->mass_action_species == NULL ||
      w->dependents == NULL || w->n_dependents == NULL) {
    cs_ssa_destroy(&w);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the SSA workspace");
  }
  for (int r = 0; r < cohort->n_reactions; r++) {
    const cs_reaction *reaction = &cohort->reaction[r];
    const bool simple = reaction->n_factors == 1 &&
                        reaction->factor[0].kind == CS_FACTOR_SPECIES &&
                        !cs_model_guarded(model, r);
    w->mass_action_species[r] = simple ? reaction->factor[0].target : -1;
    cs_model_dependents(model, r, &w->dependents[r], &w->n_dependents[r]);
  }
  *ssa = w;
  return CS_OK;
}

void cs_ssa_destroy(cs_ssa **ssa)
{
  if (ssa == NULL || *ssa == NULL)
    return;
  cs_ssa *w = *ssa;
  free(w->propensity);
  free(w->effect_now);
  free(w->effect_horizon);
  free(w->effect_candidate);
  free(w->conc_now);
  free(w->conc_horizon);
  free(w->conc_candidate);
  free(w->static_reaction);
  free(w->varying_reaction);
  free(w->is_static);
  free(w->mass_action_species);
  free(w->dependents);
  free(w->n_dependents);
  free(w->dense_propensity);
  free(w->dense_cumulative);
  free(w->dense_species);
  free(w->dense_rate);
  free(w->dense_dependents);
  free(w->dense_dependents_start);
  free(w->dense_change);
  free(w);
  *ssa = NULL;
}

/* Position of reaction r in the static list, or -1. */
static int static_position(const cs_ssa *w, int r)
{
  for (int i = 0; i < w->n_static; i++)
    if (w->static_reaction[i] == r)
      return i;
  return -1;
}

static void build_dense(cs_ssa *w, const cs_kinetics *kinetics)
{
  int k = 0;
  for (int i = 0; i < w->n_static; i++) {
    const int r = w->static_reaction[i];
    w->dense_species[i] = w->mass_action_species[r];
    w->dense_rate[i] = kinetics->rate[r];
    w->dense_dependents_start[i] = k;
    for (int j = 0; j < w->n_dependents[r]; j++) {
      const int position = static_position(w, w->dependents[r][j]);
      if (position >= 0)
        w->dense_dependents[k++] = position;
    }
  }
  w->dense_dependents_start[w->n_static] = k;

  w->linear_species = w->n_varying == 0 && w->n_static > 0 && w->n_static <= CS_LINEAR_MAX
                          ? w->dense_species[0]
                          : -1;
  for (int i = 0; i < w->n_static && w->linear_species >= 0; i++) {
    const cs_reaction *reaction = &w->cohort->reaction[w->static_reaction[i]];
    if (w->dense_species[i] != w->linear_species || reaction->n_changes != 1 ||
        reaction->change_species[0] != w->linear_species)
      w->linear_species = -1;
    else
      w->dense_change[i] = kinetics->change[w->static_reaction[i] * CS_CHANGE_MAX];
  }
}

/* A reaction with rate 0 (a switched-off route, an immunodeficient host) never fires
 * and costs nothing. */
void cs_ssa_begin_patient(cs_ssa *w, const cs_kinetics *kinetics)
{
  w->n_static = w->n_varying = 0;
  w->residual_wait = -1;
  for (int r = 0; r < w->cohort->n_reactions; r++) {
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
  build_dense(w, kinetics);
}

static inline double static_propensity(const cs_ssa *w, const cs_kinetics *kinetics,
                                       const int64_t *counts, int r)
{
  const int s = w->mass_action_species[r];
  if (s >= 0)
    return kinetics->rate[r] * (double)counts[s];
  return cs_model_propensity(w->model, kinetics, r, counts, NULL);
}

/* Sum of the propensities of the varying reactions, each stored in w->propensity. */
static double evaluate_varying(cs_ssa *w, const cs_kinetics *kinetics, const int64_t *counts,
                               const cs_drug_span *drugs)
{
  double total = 0;
  for (int i = 0; i < w->n_varying; i++) {
    const int r = w->varying_reaction[i];
    w->propensity[r] = cs_model_propensity(w->model, kinetics, r, counts, drugs);
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

/* Fires reaction r at time t (after cs_trajectory_pass(t)) and re-evaluates the
 * static propensities that depend on it (the varying ones are re-evaluated at every step
 * anyway). The caller counts the event. */
static inline void fire(cs_ssa *restrict w, cs_trajectory *restrict tr, int r, double t)
{
  const cs_reaction *reaction = &w->cohort->reaction[r];
  const cs_kinetics *kinetics = tr->kinetics;
  const int64_t *restrict change = &kinetics->change[r * CS_CHANGE_MAX];
  int64_t *restrict counts = tr->counts;
  double *restrict peak = tr->record->species_peak;
  tr->record->reaction_count[r]++;
  for (int c = 0; c < reaction->n_changes; c++) {
    const int s = reaction->change_species[c];
    counts[s] += change[c];
    if (change[c] > 0 && (double)counts[s] > peak[s])
      peak[s] = (double)counts[s];
  }
  const int *restrict dependents = w->dependents[r];
  for (int i = 0; i < w->n_dependents[r]; i++) {
    const int d = dependents[i];
    if (w->is_static[d])
      w->propensity[d] = static_propensity(w, kinetics, counts, d);
  }
  if (kinetics->burden_change[r] != 0)
    cs_trajectory_burden_changed(tr, t, kinetics->burden_change[r]);
}

/* The time of the next event at total propensity `total`, from the current Exp(1) draw
 * (a new one if the last was used): false, with t moved to t_until and the unused part
 * of the draw kept in *residual, if it falls at or after t_until. */
static inline bool next_event(cs_rng_local *random, double total, double t_until, double *residual,
                              double *t)
{
  if (*residual < 0)
    *residual = cs_ziggurat_exponential(random->s, random->tables);
  const double t_next = total > 0 ? *t + *residual / total : INFINITY;
  if (!(t_next < t_until)) {
    *residual = fmax(0.0, *residual - total * (t_until - *t));
    *t = t_until;
    return false;
  }
  *residual = -1;
  *t = t_next;
  return true;
}

/* advance_static for a linear one-species network (see linear_species): the same steps
 * and the same random numbers, with the population in a register. Every propensity is
 * rate * X, so which reaction fires does not depend on X at all: reaction i with
 * probability rate_i / sum(rate). The uniform is therefore compared, as 64 random bits,
 * with fixed integer thresholds; the selection no longer waits for the propensities of
 * the current count, which would chain every event to the one before (the count, its
 * propensities, the scaled target, the comparison, the new count) and cost more than
 * everything else in the loop. The waiting time uses the same floating-point operations
 * as advance_static. The two loops can choose differently only when the uniform lies
 * within a few units of rounding of a boundary (probability about 1e-16 per event);
 * tests/unit/test_ssa.c compares them. The birth-death process (the engine's benchmark,
 * and the clonal dynamics of a single tumour population) is of this kind. `n` is the
 * number of reactions, a constant in each call below, so the compiler unrolls the loops
 * over them and keeps every per-reaction value in a register. */
static inline __attribute__((always_inline)) int64_t linear_loop(cs_ssa *restrict w,
                                                                 cs_trajectory *restrict tr,
                                                                 gsl_rng *rng, double t_until,
                                                                 int64_t max_events, const int n)
{
  const int species = w->linear_species;
  const int64_t *restrict burden_change = tr->kinetics->burden_change;
  double rate[CS_LINEAR_MAX], rate_sum = 0;
  int64_t change[CS_LINEAR_MAX], burden_step[CS_LINEAR_MAX], fired_by[CS_LINEAR_MAX];
  for (int i = 0; i < n; i++) {
    rate[i] = w->dense_rate[i];
    change[i] = w->dense_change[i];
    burden_step[i] = burden_change[w->static_reaction[i]];
    fired_by[i] = 0;
    rate_sum += rate[i];
  }
  /* Reaction i fires when the 64 bits, read as a fraction of 2^64, reach the share of
   * the reactions before it: bits >= threshold[i - 1]. Every rate here is positive, but
   * a share can round to 1 when the later rates are below 1e-16 of the total: such a
   * reaction then fires with probability 2^-64, not at every event (and 2^64 would not
   * fit in the threshold). */
  uint64_t threshold[CS_LINEAR_MAX - 1];
  double rate_before = 0;
  for (int i = 0; i + 1 < n; i++) {
    rate_before += rate[i];
    const double share = rate_before / rate_sum;
    threshold[i] = share < 1 ? (uint64_t)ceil(share * 0x1.0p64) : UINT64_MAX;
  }
  cs_rng_local random = cs_rng_local_take(rng);
  double residual = w->residual_wait;
  double t = tr->t;
  int64_t fired = 0, count = tr->counts[species], burden = tr->burden;
  /* Peaks as counts: an integer maximum is one instruction, fmax a library call. */
  int64_t peak = (int64_t)tr->record->species_peak[species];
  /* The trajectory sees the count and burden only when it looks: at a grid or sample
   * time, or when the burden leaves the band where no outcome can change. */
  int64_t quiet_low = tr->watch.quiet_low, quiet_high = tr->watch.quiet_high;
  bool final = tr->final;
  double next_watch = tr->next_watch_time;
  while (!final && fired < max_events) {
    const double x = (double)count;
    double total = 0;
    for (int i = 0; i < n; i++)
      total += rate[i] * x;
    if (!next_event(&random, total, t_until, &residual, &t))
      break;
    const uint64_t bits = cs_xoshiro_next(random.s);
    int chosen = 0;
    for (int i = 0; i + 1 < n; i++)
      chosen += bits >= threshold[i];
    if (next_watch < t) {
      tr->counts[species] = count;
      tr->watch.burden = burden;
      cs_trajectory_pass_slow(tr, t);
      next_watch = tr->next_watch_time;
    }
    /* Selected without indexing, so that nothing here goes through memory. */
    int64_t step = 0, burden_by = 0;
    for (int i = 0; i < n; i++) {
      const bool fires = chosen == i;
      step += fires ? change[i] : 0;
      burden_by += fires ? burden_step[i] : 0;
      fired_by[i] += fires;
    }
    count += step;
    peak = count > peak ? count : peak;
    fired++;
    burden += burden_by;
    if (burden <= quiet_low || burden >= quiet_high) {
      tr->counts[species] = count;
      tr->burden = burden - burden_by;
      cs_trajectory_burden_changed(tr, t, burden_by);
      quiet_low = tr->watch.quiet_low;
      quiet_high = tr->watch.quiet_high;
      final = tr->final;
    }
  }
  for (int i = 0; i < n; i++)
    tr->record->reaction_count[w->static_reaction[i]] += fired_by[i];
  tr->counts[species] = count;
  tr->burden = burden;
  tr->watch.burden = burden;
  tr->record->species_peak[species] = (double)peak;
  cs_rng_local_return(rng, &random);
  w->residual_wait = residual;
  tr->record->events += fired;
  tr->t = t;
  return fired;
}

static int64_t advance_linear(cs_ssa *w, cs_trajectory *tr, gsl_rng *rng, double t_until,
                              int64_t max_events)
{
  switch (w->n_static) {
  case 1:
    return linear_loop(w, tr, rng, t_until, max_events, 1);
  case 2:
    return linear_loop(w, tr, rng, t_until, max_events, 2);
  case 3:
    return linear_loop(w, tr, rng, t_until, max_events, 3);
  default:
    return linear_loop(w, tr, rng, t_until, max_events, CS_LINEAR_MAX);
  }
}

/* The direct method when no drug-dependent reaction can fire: the same steps and the
 * same random numbers as the general loop below, but over the dense arrays, with the
 * generator's state and everything else the loop touches held in locals and restrict
 * pointers, so the compiler keeps them in registers (through the general loop's structs,
 * every store could alias every load). This is the loop that runs tens of millions of
 * events per second. */
static int64_t advance_static(cs_ssa *restrict w, cs_trajectory *restrict tr, gsl_rng *rng,
                              double t_until, int64_t max_events)
{
  const cs_kinetics *kinetics = tr->kinetics;
  const cs_reaction *reactions = w->cohort->reaction;
  const int n = w->n_static;
  const int *restrict list = w->static_reaction;
  double *restrict a = w->dense_propensity;
  double *restrict cumulative = w->dense_cumulative;
  const int *restrict species = w->dense_species;
  const double *restrict rate = w->dense_rate;
  const int *restrict dependents = w->dense_dependents;
  const int *restrict dependents_start = w->dense_dependents_start;
  int64_t *restrict counts = tr->counts;
  double *restrict peak = tr->record->species_peak;
  int64_t *restrict reaction_count = tr->record->reaction_count;
  const int64_t *restrict burden_change = kinetics->burden_change;
  cs_rng_local random = cs_rng_local_take(rng);
  double residual = w->residual_wait;
  double t = tr->t;
  int64_t fired = 0;

  for (int i = 0; i < n; i++)
    a[i] = static_propensity(w, kinetics, counts, list[i]);
  while (!tr->final && fired < max_events) {
    /* Prefix sums, once: their last is the total, and the selection below compares the
     * target with all of them at once rather than summing again. */
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += a[i];
      cumulative[i] = total;
    }
    const double t_from = t;
    if (!next_event(&random, total, t_until, &residual, &t)) {
      /* A rate law gone negative (NaN, model.h): back to where it happened, for the check
       * (cs_ssa_check) to report it at that time. */
      if (isnan(total))
        t = t_from;
      break;
    }

    /* The first position whose cumulative propensity exceeds the target is the number of
     * cumulative sums at or below it: counted without branches, because which reaction
     * fires is as unpredictable for the processor as it is meant to be. (It always has a
     * positive propensity; rounding beyond the last sum takes the last that can fire, as
     * select_reaction does.) */
    const double target = cs_rng_bits_to_uniform(cs_xoshiro_next(random.s)) * total;
    int chosen = 0;
    for (int i = 0; i < n; i++)
      chosen += cumulative[i] <= target;
    if (chosen == n)
      for (chosen = n - 1; a[chosen] <= 0; chosen--)
        ;
    const int r = list[chosen];

    cs_trajectory_pass(tr, t);
    reaction_count[r]++;
    const cs_reaction *reaction = &reactions[r];
    const int64_t *restrict change = &kinetics->change[r * CS_CHANGE_MAX];
    for (int c = 0; c < reaction->n_changes; c++) {
      const int s = reaction->change_species[c];
      counts[s] += change[c];
      if ((double)counts[s] > peak[s])
        peak[s] = (double)counts[s];
    }
    for (int k = dependents_start[chosen]; k < dependents_start[chosen + 1]; k++) {
      const int j = dependents[k];
      a[j] = species[j] >= 0 ? rate[j] * (double)counts[species[j]]
                             : cs_model_propensity(w->model, kinetics, list[j], counts, NULL);
    }
    fired++;
    if (burden_change[r] != 0)
      cs_trajectory_burden_changed(tr, t, burden_change[r]);
  }
  cs_rng_local_return(rng, &random);
  w->residual_wait = residual;
  tr->record->events += fired;
  tr->t = t;
  return fired;
}

/* The general loop, with thinning, for when drug-dependent reactions can fire. The
 * look-ahead window ends at *t_horizon_kept (a new one starts when t reaches it), so that
 * cs_ssa_simulate can continue a window across its batches of events. */
static int64_t advance_varying(cs_ssa *w, cs_trajectory *tr, gsl_rng *rng, double t_until,
                               int64_t max_events, double *t_horizon_kept)
{
  const cs_kinetics *kinetics = tr->kinetics;
  int64_t fired = 0;
  for (int i = 0; i < w->n_static; i++) {
    const int r = w->static_reaction[i];
    w->propensity[r] = static_propensity(w, kinetics, tr->counts, r);
  }
  double t = tr->t;
  /* Drug effects only fall between doses (and every dose is a stop, so none falls inside
   * this call), so an effect factor is largest at the start of a window and an
   * inhibition factor (1 - f) at its end, and each concentration lies between its values
   * at the window's ends: evaluated there (a general rate law by interval arithmetic),
   * the propensities bound the true ones over the whole window, for any counts. So the
   * drugs are evaluated once per window, not at every event; only the propensities
   * follow the counts. */
  const cs_drug_span window = {.effect_min = w->effect_horizon,
                               .effect_max = w->effect_now,
                               .conc_min = w->conc_horizon,
                               .conc_max = w->conc_now};
  const cs_drug_span candidate = {.effect_min = w->effect_candidate,
                                  .effect_max = w->effect_candidate,
                                  .conc_min = w->conc_candidate,
                                  .conc_max = w->conc_candidate};
  double t_horizon = *t_horizon_kept;
  while (!tr->final && t < t_until && fired < max_events) {
    if (t >= t_horizon) {
      const double decay = cs_pk_fastest_decay(tr->pk);
      t_horizon = decay > 0 ? fmin(t_until, t + CS_BOUND_WINDOW / decay) : t_until;
      cs_pk_drugs(tr->pk, t, w->conc_now, w->effect_now);
      cs_pk_drugs(tr->pk, t_horizon, w->conc_horizon, w->effect_horizon);
    }
    const double varying_bound = evaluate_varying(w, kinetics, tr->counts, &window);
    const double static_total = sum_propensities(w, w->static_reaction, w->n_static);
    const double bound = static_total + varying_bound;
    /* An infinite or undefined bound would never let time advance: the caller's check
     * (cs_ssa_check) names the reaction. */
    if (!(bound < INFINITY))
      break;
    if (w->residual_wait < 0)
      w->residual_wait = cs_rng_exponential(rng);
    const double t_next = bound > 0 ? t + w->residual_wait / bound : INFINITY;
    if (!(t_next < t_horizon)) {
      w->residual_wait = fmax(0.0, w->residual_wait - bound * (t_horizon - t));
      t = t_horizon;
      continue;
    }
    w->residual_wait = -1;
    t = t_next;
    const double target = cs_rng_uniform(rng) * bound;
    int r;
    if (target < static_total) {
      r = select_reaction(w, w->static_reaction, w->n_static, target, false);
    } else {
      /* Thinning: the candidate is kept with probability (true propensity)/(bound). */
      cs_pk_drugs(tr->pk, t, w->conc_candidate, w->effect_candidate);
      evaluate_varying(w, kinetics, tr->counts, &candidate);
      r = select_reaction(w, w->varying_reaction, w->n_varying, target - static_total, true);
    }
    if (r < 0)
      continue;
    cs_trajectory_pass(tr, t);
    fire(w, tr, r, t);
    tr->record->events++;
    fired++;
  }
  *t_horizon_kept = t_horizon;
  tr->t = t;
  return fired;
}

static int64_t advance(cs_ssa *w, cs_trajectory *tr, gsl_rng *rng, double t_until,
                       int64_t max_events, double *t_horizon)
{
  if (w->linear_species >= 0)
    return advance_linear(w, tr, rng, t_until, max_events);
  if (w->n_varying == 0)
    return advance_static(w, tr, rng, t_until, max_events);
  return advance_varying(w, tr, rng, t_until, max_events, t_horizon);
}

int64_t cs_ssa_advance(cs_ssa *w, cs_trajectory *tr, gsl_rng *rng, double t_until,
                       int64_t max_events)
{
  double t_horizon = tr->t;
  return advance(w, tr, rng, t_until, max_events, &t_horizon);
}

void cs_ssa_set_stop_flag(cs_ssa *w, const volatile sig_atomic_t *stop)
{
  w->stop = stop;
}

/* The error for a total propensity that is not finite: the first reaction whose own
 * propensity is not, or else the sum's overflow. */
static cs_status propensity_error(const cs_ssa *w, const cs_trajectory *tr,
                                  const cs_drug_span *drugs, double total, cs_error *err)
{
  for (int r = 0; r < w->cohort->n_reactions; r++) {
    const double a = cs_model_propensity(w->model, tr->kinetics, r, tr->counts, drugs);
    CS_CHECK(isfinite(a), err, CS_ERR_NUMERIC,
             "day %g: the propensity of reaction '%s' is %g (rate %g per day): it must be "
             "finite%s",
             tr->t, w->cohort->reaction[r].name, a, tr->kinetics->rate[r],
             isnan(a) ? " and >= 0 (a rate law below 0 is not a number)" : "");
  }
  return cs_error_set(err, CS_ERR_NUMERIC,
                      "day %g: the sum of the propensities is %g: it must be finite", tr->t, total);
}

cs_status cs_ssa_check(cs_ssa *w, const cs_trajectory *tr, double t_from, double work,
                       const char *unit, cs_error *err)
{
  const cs_cohort *cohort = w->cohort;
  CS_CHECK(w->stop == NULL || *w->stop == 0, err, CS_ERR_INTERRUPTED,
           "stopped by a signal at day %g", tr->t);
  for (int s = 0; s < cohort->n_species; s++)
    CS_CHECK(tr->counts[s] >= -CS_COUNT_MAX && tr->counts[s] <= CS_COUNT_MAX, err, CS_ERR_NUMERIC,
             "day %g: species '%s' has %" PRId64 " copies, beyond %" PRId64
             ", the most the engines count exactly",
             tr->t, cohort->species[s].name, tr->counts[s], CS_COUNT_MAX);
  cs_pk_drugs(tr->pk, tr->t, w->conc_candidate, w->effect_candidate);
  const cs_drug_span now = {.effect_min = w->effect_candidate,
                            .effect_max = w->effect_candidate,
                            .conc_min = w->conc_candidate,
                            .conc_max = w->conc_candidate};
  double total = 0;
  for (int r = 0; r < cohort->n_reactions; r++)
    total += cs_model_propensity(w->model, tr->kinetics, r, tr->counts, &now);
  if (!isfinite(total))
    return propensity_error(w, tr, &now, total, err);
  if (work <= 0 || tr->final || tr->t == tr->t_end)
    return CS_OK;
  /* At the pace of the last `work` events or steps, the rest of follow-up needs this
   * many more: a patient beyond any run's reach (or whose time stands still, or is not
   * a number) is an error, not a run that never ends. */
  const double needed = work * (tr->t_end - tr->t) / (tr->t - t_from);
  CS_CHECK(needed <= CS_WORK_LIMIT, err, CS_ERR_NUMERIC,
           "day %g: %g %s advanced simulated time by only %g days, so the rest of follow-up "
           "would need %g more (at most 2^53): the propensities (%g per day in all) are too "
           "large",
           tr->t, work, unit, tr->t - t_from, needed, total);
  return CS_OK;
}

/* Batches of CS_SSA_CHECK_EVENTS events with a check after each: a batch ends exactly
 * where the next begins (the same random numbers, the drug-effect window kept), so the
 * path does not depend on where the checks fall. */
/* After an event changed rates or drug levels: the reactions sorted again and the
 * drug-effect window ended. */
static void restart_after_event(cs_ssa *w, cs_trajectory *tr, double *t_horizon)
{
  if (!tr->restart)
    return;
  cs_ssa_begin_patient(w, tr->kinetics);
  tr->restart = false;
  *t_horizon = tr->t;
}

cs_status cs_ssa_advance_watched(cs_ssa *w, cs_trajectory *tr, gsl_rng *rng, double t_until,
                                 int64_t max_events, int64_t *fired, cs_error *err)
{
  double t_horizon = tr->t;
  *fired = 0;
  while (*fired < max_events && !tr->final && tr->t < t_until) {
    const int64_t one = advance(w, tr, rng, t_until, 1, &t_horizon);
    *fired += one;
    if (one == 0)
      break;
    CS_CALL(cs_events_check(tr, err));
    restart_after_event(w, tr, &t_horizon);
  }
  return CS_OK;
}

cs_status cs_ssa_simulate(cs_ssa *w, cs_trajectory *tr, gsl_rng *rng, cs_error *err)
{
  cs_ssa_begin_patient(w, tr->kinetics);
  CS_CALL(cs_ssa_check(w, tr, tr->t, 0, "events", err));
  double t_paced = tr->t;
  int64_t events_paced = 0;
  /* With state events, one firing at a time and the triggers looked at after each; else
   * the loops run free (no look at events inside them). */
  const bool watching = cs_events_watching(tr->events);
  const int64_t batch = watching ? 1 : CS_SSA_CHECK_EVENTS;
  while (!tr->final && tr->t < tr->t_end) {
    double t_stop = tr->t_end;
    CS_CALL(cs_trajectory_stop(tr, &t_stop, err));
    double t_horizon = tr->t; /* a dose ends the drug-effect window */
    restart_after_event(w, tr, &t_horizon);
    while (!tr->final && tr->t < t_stop) {
      const double t_before = tr->t;
      const int64_t fired = advance(w, tr, rng, t_stop, batch, &t_horizon);
      events_paced += fired;
      const bool full = events_paced >= CS_SSA_CHECK_EVENTS;
      if (watching && fired > 0) {
        CS_CALL(cs_events_check(tr, err));
        restart_after_event(w, tr, &t_horizon);
        if (!full)
          continue; /* the look below only between batches, as without events */
      }
      CS_CALL(cs_ssa_check(w, tr, t_paced, full ? (double)events_paced : 0, "events", err));
      /* Only a bound that is not finite (advance_varying) stops a call without an event
       * or a step in time, when the propensities themselves are finite. */
      CS_CHECK(fired > 0 || tr->t > t_before || tr->final, err, CS_ERR_NUMERIC,
               "day %g: the bound of the propensities over the drug-effect window is not "
               "finite: a rate or a count is too large",
               tr->t);
      if (full) {
        t_paced = tr->t;
        events_paced = 0;
      }
    }
  }
  return CS_OK;
}
