/* The validity rules of a cohort's values (cohort_check.h). */
#include "cohort_check.h"

#include <math.h>
#include <stdio.h>

#include "cohortsim/factor.h"

#include "cohort_expr.h"

const char *cs_rule_violation(cs_rule rule, double value)
{
  switch (rule) {
  case CS_RULE_RATE:
    return isfinite(value) && value >= 0 ? NULL : ">= 0";
  case CS_RULE_POSITIVE:
    return isfinite(value) && value > 0 ? NULL : "> 0";
  case CS_RULE_COUNT:
    return isfinite(value) && round(value) >= 0 && round(value) <= (double)CS_COUNT_MAX
               ? NULL
               : ">= 0 and at most 2^53 (about 9.0e15), the most copies the engines count "
                 "exactly";
  }
  return NULL;
}

cs_rule cs_dose_rule(const cs_dose_plan *plan)
{
  return plan->species >= 0 ? CS_RULE_COUNT : CS_RULE_RATE;
}

static int invalid_expr(const cs_cohort *c, const cs_expr *e, cs_rule rule, const double *values,
                        const char *where, char *what, size_t size)
{
  const double value = cs_expr_eval(e, values);
  const char *need = cs_rule_violation(rule, value);
  if (need == NULL)
    return 0;
  char text[128];
  cs_expr_format(text, sizeof text, e, c);
  snprintf(what, size, "%s ('%s') evaluates to %g, expected a finite value %s", where, text, value,
           need);
  return 1;
}

static int invalid_reaction(const cs_cohort *c, const cs_reaction *rx, const double *values,
                            char *what, size_t size)
{
  char where[3 * CS_NAME_MAX];
  snprintf(where, sizeof where, "reactions.%s.rate", rx->name);
  if (invalid_expr(c, &rx->rate, CS_RULE_RATE, values, where, what, size))
    return 1;
  /* A general rate law is factor 0, before the factors the file lists. */
  const int first = rx->n_factors > 0 && rx->factor[0].kind == CS_FACTOR_FORMULA;
  for (int f = first; f < rx->n_factors; f++) {
    snprintf(where, sizeof where, "reactions.%s.factors[%d]", rx->name, f - first);
    if (cs_factor_info_of(&rx->factor[f])->scale_key != NULL &&
        invalid_expr(c, &rx->factor[f].scale, CS_RULE_POSITIVE, values, where, what, size))
      return 1;
  }
  for (int k = 0; k < rx->n_changes; k++) {
    snprintf(where, sizeof where, "reactions.%s.%s.%s", rx->name,
             rx->stoichiometric ? "products" : "change", c->species[rx->change_species[k]].name);
    if (!cs_expr_is_number(&rx->change[k]) &&
        invalid_expr(c, &rx->change[k], CS_RULE_COUNT, values, where, what, size))
      return 1;
  }
  return 0;
}

/* The times of one event: at >= 0; every > 0, from and until >= 0, and at most
 * CS_EVENT_FIRINGS_MAX firings within the follow-up. */
static int invalid_event(const cs_cohort *c, const cs_event *e, const double *values, char *what,
                         size_t size)
{
  char where[3 * CS_NAME_MAX];
  switch (e->kind) {
  case CS_EVENT_AT:
    snprintf(where, sizeof where, "the time of event %s", e->name);
    return invalid_expr(c, &e->at, CS_RULE_RATE, values, where, what, size);
  case CS_EVENT_EVERY: {
    snprintf(where, sizeof where, "the interval of event %s", e->name);
    if (invalid_expr(c, &e->every, CS_RULE_POSITIVE, values, where, what, size))
      return 1;
    snprintf(where, sizeof where, "the first time of event %s", e->name);
    if (invalid_expr(c, &e->from, CS_RULE_RATE, values, where, what, size))
      return 1;
    snprintf(where, sizeof where, "the last time of event %s", e->name);
    if (e->has_until && invalid_expr(c, &e->until, CS_RULE_RATE, values, where, what, size))
      return 1;
    const double until =
        e->has_until ? fmin(cs_expr_eval(&e->until, values), c->followup_days) : c->followup_days;
    const double firings = cs_event_periodic_firings(cs_expr_eval(&e->every, values),
                                                     cs_expr_eval(&e->from, values), until);
    if (firings <= CS_EVENT_FIRINGS_MAX)
      return 0;
    snprintf(what, size, "event %s fires %.4g times, more than %.0f", e->name, firings,
             CS_EVENT_FIRINGS_MAX);
    return 1;
  }
  case CS_EVENT_WHEN:
    return 0;
  }
  return 0;
}

int cs_cohort_invalid_values(const cs_cohort *c, const cs_arm *arm, const double *values,
                             char *what, size_t size)
{
  char where[3 * CS_NAME_MAX];
  for (int s = 0; s < c->n_species; s++) {
    snprintf(where, sizeof where, "species.%s.initial", c->species[s].name);
    if (invalid_expr(c, &c->species[s].initial, CS_RULE_COUNT, values, where, what, size))
      return 1;
  }
  for (int d = 0; d < c->n_drugs; d++) {
    snprintf(where, sizeof where, "the elimination rate of %s", c->drug[d].name);
    if (invalid_expr(c, &c->drug[d].elimination_per_day, CS_RULE_POSITIVE, values, where, what,
                     size))
      return 1;
  }
  for (int i = 0; i < c->n_reactions; i++)
    if (invalid_reaction(c, &c->reaction[i], values, what, size))
      return 1;
  for (int i = 0; i < arm->n_doses; i++) {
    snprintf(where, sizeof where, "the dose amount of %s", cs_dose_plan_target(c, &arm->dose[i]));
    if (invalid_expr(c, &arm->dose[i].amount, cs_dose_rule(&arm->dose[i]), values, where, what,
                     size))
      return 1;
  }
  for (int i = 0; i < c->n_cohort_events; i++)
    if (invalid_event(c, &c->event[i], values, what, size))
      return 1;
  for (int i = 0; i < arm->n_events; i++)
    if (invalid_event(c, &c->event[arm->first_event + i], values, what, size))
      return 1;
  return 0;
}
