#include "cohortsim/events.h"

#include <math.h>
#include <stdlib.h>

#include "cohortsim/formula.h"
#include "cohortsim/pk.h"

/* Rounds of cs_events_check at one instant before events that keep triggering each
 * other are an error rather than a loop without end. */
#define CS_EVENT_ROUNDS 1000

struct cs_event_run {
  const cs_cohort *cohort;
  int n;                  /* the arm's events: the cohort's, then the arm's own */
  const cs_event **event; /* [n] */
  double *next_time;      /* [n] timed: the next firing, INFINITY when none is left */
  double *every;          /* [n] EVERY: this patient's interval, start and end */
  double *from;
  double *until;
  int64_t *fired; /* [n] firings so far */
  bool *was_true; /* [n] WHEN: the trigger at the last look */
  int n_state;    /* events with a trigger */
  double next;    /* the earliest next_time */
  double *conc;   /* [drug] concentrations at the firing time */
  double value[CS_ASSIGN_MAX];
};

cs_status cs_event_run_create(const cs_cohort *cohort, cs_event_run **run, cs_error *err)
{
  *run = NULL;
  cs_event_run *w = calloc(1, sizeof *w);
  const size_t n = (size_t)cohort->n_events + 1;
  if (w != NULL) {
    w->cohort = cohort;
    w->event = calloc(n, sizeof *w->event);
    w->next_time = calloc(n, sizeof *w->next_time);
    w->every = calloc(n, sizeof *w->every);
    w->from = calloc(n, sizeof *w->from);
    w->until = calloc(n, sizeof *w->until);
    w->fired = calloc(n, sizeof *w->fired);
    w->was_true = calloc(n, sizeof *w->was_true);
    w->conc = calloc((size_t)cohort->n_drugs + 1, sizeof *w->conc);
    w->next = INFINITY;
  }
  if (w == NULL || w->event == NULL || w->next_time == NULL || w->every == NULL ||
      w->from == NULL || w->until == NULL || w->fired == NULL || w->was_true == NULL ||
      w->conc == NULL) {
    cs_event_run_destroy(&w);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating the event state");
  }
  *run = w;
  return CS_OK;
}

void cs_event_run_destroy(cs_event_run **run)
{
  if (run == NULL || *run == NULL)
    return;
  cs_event_run *w = *run;
  free(w->event);
  free(w->next_time);
  free(w->every);
  free(w->from);
  free(w->until);
  free(w->fired);
  free(w->was_true);
  free(w->conc);
  free(w);
  *run = NULL;
}

static double earliest(const cs_event_run *w)
{
  double next = INFINITY;
  for (int i = 0; i < w->n; i++)
    next = fmin(next, w->next_time[i]);
  return next;
}

static bool trigger_true(const cs_event_run *w, const cs_event *e, const cs_trajectory *tr,
                         const int64_t *counts)
{
  const cs_formula_state state = {
      .param = tr->kinetics->param, .count = counts, .drug = w->conc, .time = tr->t};
  return cs_formula_eval(e->trigger, &state) != 0;
}

/* A time of event i for this patient: finite, >= 0 (> 0 for an interval). */
static cs_status event_time(const cs_trajectory *tr, const cs_event *e, const cs_expr *expr,
                            const char *key, bool positive, double *value, cs_error *err)
{
  *value = cs_expr_eval(expr, tr->kinetics->param);
  CS_CHECK(isfinite(*value) && *value >= 0 && (!positive || *value > 0), err, CS_ERR_COHORT,
           "event '%s': '%s' evaluates to %g for this patient; it must be finite and %s", e->name,
           key, *value, positive ? "> 0" : ">= 0");
  return CS_OK;
}

/* A periodic event fires at most CS_EVENT_FIRINGS_MAX times in one patient. */
static cs_status check_firings(const cs_event *e, double every, double from, double until,
                               cs_error *err)
{
  const double firings = cs_event_periodic_firings(every, from, until);
  CS_CHECK(firings <= CS_EVENT_FIRINGS_MAX, err, CS_ERR_COHORT,
           "event '%s': every %g days from day %g to day %g is %.4g firings for this patient, "
           "more than %.0f",
           e->name, every, from, until, firings, CS_EVENT_FIRINGS_MAX);
  return CS_OK;
}

cs_status cs_events_begin(cs_trajectory *tr, int arm, cs_error *err)
{
  cs_event_run *w = tr->events;
  const cs_cohort *c = w->cohort;
  const cs_arm *a = &c->arm[arm];
  tr->arm = arm;
  w->n = 0;
  w->n_state = 0;
  for (int i = 0; i < c->n_cohort_events; i++)
    w->event[w->n++] = &c->event[i];
  for (int i = 0; i < a->n_events; i++)
    w->event[w->n++] = &c->event[a->first_event + i];
  if (w->n == 0) {
    w->next = INFINITY;
    return CS_OK;
  }
  cs_pk_concentration(tr->pk, tr->t, w->conc);
  for (int i = 0; i < w->n; i++) {
    const cs_event *e = w->event[i];
    w->fired[i] = 0;
    w->next_time[i] = INFINITY;
    w->was_true[i] = false;
    switch (e->kind) {
    case CS_EVENT_AT:
      CS_CALL(event_time(tr, e, &e->at, "at", false, &w->next_time[i], err));
      /* `when: t >= 0` with fires_at_start false: true from the start, so no transition
       * ever comes. */
      if (!e->fires_at_start && w->next_time[i] <= 0)
        w->next_time[i] = INFINITY;
      break;
    case CS_EVENT_EVERY:
      CS_CALL(event_time(tr, e, &e->every, "every", true, &w->every[i], err));
      CS_CALL(event_time(tr, e, &e->from, "from", false, &w->from[i], err));
      w->until[i] = tr->t_end;
      if (e->has_until)
        CS_CALL(event_time(tr, e, &e->until, "until", false, &w->until[i], err));
      if (w->from[i] <= w->until[i])
        w->next_time[i] = w->from[i];
      CS_CALL(check_firings(e, w->every[i], w->from[i], fmin(w->until[i], tr->t_end), err));
      break;
    case CS_EVENT_WHEN:
      w->n_state++;
      w->was_true[i] = !e->fires_at_start && trigger_true(w, e, tr, tr->counts);
      break;
    }
  }
  w->next = earliest(w);
  return CS_OK;
}

bool cs_events_watching(const cs_event_run *run)
{
  return run->n_state > 0;
}

double cs_events_next_time(const cs_event_run *run)
{
  return run->next;
}

/* The value of an assignment applied to the current value `current`. */
static double assigned(const cs_assignment *a, double current, double value)
{
  return a->add ? current + value : value;
}

static cs_status set_species(cs_trajectory *tr, const cs_event *e, const cs_assignment *a,
                             double value, cs_error *err)
{
  const double count = round(assigned(a, (double)tr->counts[a->target], value));
  /* A negative count is an error rather than clamped at 0: it means the model asked
   * for copies that do not exist (docs/cohort-reference.md "Events"). */
  CS_CHECK(count >= 0 && count <= (double)CS_COUNT_MAX, err, CS_ERR_COHORT,
           "day %g: event '%s' would make species '%s' %g copies; a count must lie in [0, %g]",
           tr->t, e->name, cs_model_cohort(tr->model)->species[a->target].name, count,
           (double)CS_COUNT_MAX);
  tr->counts[a->target] = (int64_t)count;
  return CS_OK;
}

static cs_status set_drug(cs_trajectory *tr, const cs_event *e, const cs_assignment *a,
                          double value, cs_error *err)
{
  cs_pk *pk = tr->pk;
  const double level = assigned(a, pk->conc[a->target], value);
  CS_CHECK(isfinite(level) && level >= 0, err, CS_ERR_COHORT,
           "day %g: event '%s' would make drug '%s' %g EC50; a concentration must be finite "
           "and >= 0",
           tr->t, e->name, cs_model_cohort(tr->model)->drug[a->target].name, level);
  pk->conc[a->target] = level;
  return CS_OK;
}

/* Fires event i at tr->t: every value from the state just before, then all applied. */
static cs_status fire(cs_trajectory *tr, int i, cs_error *err)
{
  cs_event_run *w = tr->events;
  const cs_event *e = w->event[i];
  cs_kinetics *kinetics = tr->kinetics;
  cs_pk_concentration(tr->pk, tr->t, w->conc);
  const cs_formula_state state = {
      .param = kinetics->param, .count = tr->counts, .drug = w->conc, .time = tr->t};
  for (int k = 0; k < e->n_assign; k++) {
    w->value[k] = cs_formula_eval(e->assign[k].value, &state);
    CS_CHECK(isfinite(w->value[k]), err, CS_ERR_COHORT,
             "day %g: event '%s': '%s' evaluates to %g; it must be finite", tr->t, e->name,
             cs_formula_text(e->assign[k].value), w->value[k]);
  }
  /* The grid sees the state before the event at the times before this one; drug levels
   * are moved to this time, so an elimination rate an event changes applies from now. */
  cs_trajectory_pass(tr, tr->t);
  cs_pk_concentration(tr->pk, tr->t, tr->pk->conc);
  tr->pk->t_ref = tr->t;
  bool species = false, params = false;
  for (int k = 0; k < e->n_assign; k++) {
    const cs_assignment *a = &e->assign[k];
    switch (a->kind) {
    case CS_TARGET_SPECIES:
      CS_CALL(set_species(tr, e, a, w->value[k], err));
      species = true;
      break;
    case CS_TARGET_PARAM:
      kinetics->param[a->target] = assigned(a, kinetics->param[a->target], w->value[k]);
      params = true;
      break;
    case CS_TARGET_DRUG:
      CS_CALL(set_drug(tr, e, a, w->value[k], err));
      tr->restart = true;
      break;
    }
  }
  if (params) {
    /* Every rate, scale, amount and elimination rate computed from the parameters again,
     * in the patient's own kinetics (the model is shared and never changes). */
    const cs_status status = cs_model_bind(tr->model, kinetics->param, kinetics, err);
    if (status != CS_OK) {
      cs_error_add_context(err, "day %g, after event '%s'", tr->t, e->name);
      return status;
    }
    tr->params_changed = true;
    tr->restart = true;
  }
  if (species)
    cs_trajectory_changed(tr, tr->t);
  w->fired[i]++;
  return CS_OK;
}

cs_status cs_events_fire_timed(cs_trajectory *tr, cs_error *err)
{
  cs_event_run *w = tr->events;
  if (!(w->next <= tr->t))
    return CS_OK;
  for (int i = 0; i < w->n; i++) {
    if (!(w->next_time[i] <= tr->t))
      continue;
    CS_CALL(fire(tr, i, err));
    const cs_event *e = w->event[i];
    if (e->kind == CS_EVENT_EVERY) {
      /* A product, not a running sum, which would drift. */
      const double next = w->from[i] + (double)w->fired[i] * w->every[i];
      w->next_time[i] = next <= w->until[i] ? next : INFINITY;
    } else {
      w->next_time[i] = INFINITY;
    }
  }
  w->next = earliest(w);
  return CS_OK;
}

static bool may_fire(const cs_event_run *w, int i)
{
  const cs_event *e = w->event[i];
  return e->kind == CS_EVENT_WHEN && !(e->once && w->fired[i] > 0);
}

bool cs_events_would_fire(cs_trajectory *tr, const int64_t *counts, double t)
{
  cs_event_run *w = tr->events;
  cs_pk_concentration(tr->pk, t, w->conc);
  for (int i = 0; i < w->n; i++)
    if (may_fire(w, i) && !w->was_true[i] && trigger_true(w, w->event[i], tr, counts))
      return true;
  return false;
}

/* After a firing at this instant: every trigger it made false is seen to be false, so
 * one that a later firing makes true again is a new transition. Without this a cycle of
 * events (A sets what B watches, B what C watches, C what A watches) would stop after
 * one round, at a state that depends on the order the events are listed in, rather
 * than be reported as events triggering each other without end. */
static void lower_false_triggers(cs_event_run *w, cs_trajectory *tr)
{
  for (int j = 0; j < w->n; j++)
    if (w->was_true[j] && w->event[j]->kind == CS_EVENT_WHEN &&
        !trigger_true(w, w->event[j], tr, tr->counts))
      w->was_true[j] = false;
}

cs_status cs_events_check(cs_trajectory *tr, cs_error *err)
{
  cs_event_run *w = tr->events;
  if (w->n_state == 0)
    return CS_OK;
  for (int round = 0; round < CS_EVENT_ROUNDS; round++) {
    bool fired = false;
    cs_pk_concentration(tr->pk, tr->t, w->conc);
    for (int i = 0; i < w->n; i++) {
      if (w->event[i]->kind != CS_EVENT_WHEN)
        continue;
      const bool now = trigger_true(w, w->event[i], tr, tr->counts);
      const bool transition = now && !w->was_true[i];
      w->was_true[i] = now;
      if (transition && may_fire(w, i)) {
        CS_CALL(fire(tr, i, err));
        cs_pk_concentration(tr->pk, tr->t, w->conc);
        lower_false_triggers(w, tr);
        fired = true;
      }
    }
    if (!fired)
      return CS_OK;
  }
  return cs_error_set(err, CS_ERR_NUMERIC,
                      "day %g: events keep triggering each other (%d rounds at one instant)", tr->t,
                      CS_EVENT_ROUNDS);
}
