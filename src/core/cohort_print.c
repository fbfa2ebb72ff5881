/* Printing a resolved cohort: what `cohortsim check` shows. Only reads the cs_cohort,
 * so it prints a model the same way whatever format it was read from.
 */
#include "cohortsim/cohort.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/factor.h"
#include "cohortsim/sweep.h"

#include "cohort_events.h"
#include "cohort_expr.h"

/* Prints "k A" for a species' count or amount on one side of a reaction. */
static void print_side_term(FILE *out, int *first, const char *amount, const char *species)
{
  /* "2A" but "qN D": a space only where a name would run into the species. */
  const int space = amount[0] != '\0' && !isdigit((unsigned char)amount[0]);
  fprintf(out, "%s%s%s%s", *first ? "" : " + ", amount, space ? " " : "", species);
  *first = 0;
}

/* The amount change k of a reaction adds, as written before its species: "" for 1, "2",
 * or a parameter expression ("qN", "(2*q)"). */
static void format_change(char *amount, size_t size, const cs_reaction *rx, int k,
                          const cs_cohort *c)
{
  amount[0] = '\0';
  if (!cs_expr_is_number(&rx->change[k]))
    cs_expr_format_operand(amount, size, &rx->change[k], c);
  else if (rx->change[k].coef != 1)
    snprintf(amount, size, "%.15g", rx->change[k].coef);
}

/* The reaction as a chemist writes it: the mass-action species on the left (they are
 * what the reaction needs), the left side plus the change on the right. */
static void print_equation(FILE *out, const cs_reaction *rx, const cs_cohort *c)
{
  int left[CS_FACTOR_MAX + CS_CHANGE_MAX];
  int count[CS_FACTOR_MAX + CS_CHANGE_MAX];
  int n = 0;
  for (int f = 0; f < rx->n_factors; f++) {
    if (rx->factor[f].kind != CS_FACTOR_SPECIES)
      continue;
    int i = 0;
    while (i < n && left[i] != rx->factor[f].target)
      i++;
    if (i == n) {
      left[n] = rx->factor[f].target;
      count[n++] = 0;
    }
    count[i]++;
  }
  int first = 1;
  char amount[160];
  for (int i = 0; i < n; i++) {
    amount[0] = '\0';
    if (count[i] > 1)
      snprintf(amount, sizeof amount, "%d", count[i]);
    print_side_term(out, &first, amount, c->species[left[i]].name);
  }
  fprintf(out, "%s -> ", first ? "0" : "");
  first = 1;
  for (int i = 0; i < n; i++) {
    int k = 0;
    while (k < rx->n_changes && rx->change_species[k] != left[i])
      k++;
    double total = count[i];
    if (k < rx->n_changes && cs_expr_is_number(&rx->change[k]))
      total += rx->change[k].coef;
    if (total > 0) {
      amount[0] = '\0';
      if (total != 1)
        snprintf(amount, sizeof amount, "%.15g", total);
      print_side_term(out, &first, amount, c->species[left[i]].name);
    }
  }
  for (int k = 0; k < rx->n_changes; k++) {
    int i = 0;
    while (i < n && left[i] != rx->change_species[k])
      i++;
    const int symbolic = !cs_expr_is_number(&rx->change[k]);
    if (i < n && !symbolic)
      continue;
    if (!symbolic && rx->change[k].coef < 0)
      continue;
    format_change(amount, sizeof amount, rx, k, c);
    print_side_term(out, &first, amount, c->species[rx->change_species[k]].name);
  }
  if (first)
    fprintf(out, "0");
}

/* A reaction written with reactants and products: as written, the reactants on the left
 * and reactants plus the net change on the right. */
static void print_stoichiometric(FILE *out, const cs_reaction *rx, const cs_cohort *c)
{
  int first = 1;
  char amount[160];
  for (int i = 0; i < rx->n_consumed; i++) {
    amount[0] = '\0';
    if (rx->consumed[i] > 1)
      snprintf(amount, sizeof amount, "%d", rx->consumed[i]);
    print_side_term(out, &first, amount, c->species[rx->consumed_species[i]].name);
  }
  fprintf(out, "%s -> ", first ? "0" : "");
  first = 1;
  for (int i = 0; i < rx->n_consumed; i++) {
    int k = 0;
    while (k < rx->n_changes && rx->change_species[k] != rx->consumed_species[i])
      k++;
    const double total = rx->consumed[i] + (k < rx->n_changes ? rx->change[k].coef : 0);
    if (total > 0) {
      amount[0] = '\0';
      if (total != 1)
        snprintf(amount, sizeof amount, "%.15g", total);
      print_side_term(out, &first, amount, c->species[rx->consumed_species[i]].name);
    }
  }
  for (int k = 0; k < rx->n_changes; k++) {
    int consumed = 0;
    for (int i = 0; i < rx->n_consumed; i++)
      consumed |= rx->consumed_species[i] == rx->change_species[k];
    if (consumed)
      continue;
    format_change(amount, sizeof amount, rx, k, c);
    print_side_term(out, &first, amount, c->species[rx->change_species[k]].name);
  }
  if (first)
    fprintf(out, "0");
}

/* The propensity as a formula: rate * factors, a general rate law as written (its rate
 * is 1), C(X, k) as X*(X-1)*.../k!. A formula is bracketed where factors follow it:
 * "(b + d) * A". */
static void print_propensity(FILE *out, const cs_reaction *rx, const cs_cohort *c)
{
  int f = 0;
  if (rx->n_factors > 0 && rx->factor[0].kind == CS_FACTOR_FORMULA &&
      cs_expr_is_number(&rx->rate) && rx->rate.coef == 1) {
    const char *text = cs_formula_text(rx->factor[0].formula);
    fprintf(out, rx->n_factors == 1 ? "%s" : "(%s)", text);
    f = 1;
  } else {
    char rate[128];
    cs_expr_format(rate, sizeof rate, &rx->rate, c);
    const bool bracket = rx->rate.formula != NULL && rx->n_factors > 0;
    fprintf(out, bracket ? "(%s)" : "%s", rate);
  }
  for (; f < rx->n_factors; f++) {
    fprintf(out, " * ");
    cs_factor_print(out, &rx->factor[f], c);
  }
}

static void print_dose_plan(FILE *out, const cs_dose_plan *d, const cs_cohort *c)
{
  char amount[128];
  cs_expr_format(amount, sizeof amount, &d->amount, c);
  const long total = (long)d->count * d->cycles;
  fprintf(out, "    %s: %s per dose, %ld dose%s at day%s", cs_dose_plan_target(c, d), amount, total,
          total == 1 ? "" : "s", total == 1 ? "" : "s");
  const double cycle_days = d->count * d->every_days + d->cycle_gap_days;
  long shown = 0;
  for (int k = 0; k < d->cycles; k++)
    for (int j = 0; j < d->count; j++, shown++) {
      const double t = d->start_day + k * cycle_days + j * d->every_days;
      if (shown < 10 || shown == total - 1)
        fprintf(out, "%s %g", shown == 0 ? "" : ",", t);
      else if (shown == 10)
        fprintf(out, ", ...");
    }
  fprintf(out, "\n");
}

static void print_arm(FILE *out, const cs_arm *arm, const cs_cohort *c)
{
  fprintf(out, "  %s:%s\n", arm->name, arm->n_doses == 0 ? " no doses" : "");
  for (int i = 0; i < arm->n_doses; i++)
    print_dose_plan(out, &arm->dose[i], c);
  if (arm->n_events > 0)
    fprintf(out, "    events (after the cohort's):\n");
  cs_cohort_print_events(out, c, arm->first_event, arm->n_events, 6);
  if (arm->n_sets == 0)
    return;
  fprintf(out, "    set:");
  for (int i = 0; i < arm->n_sets; i++)
    fprintf(out, "%s %s = %g", i == 0 ? "" : ",", c->param[arm->set[i].param].name,
            arm->set[i].value);
  fprintf(out, "\n");
}

/* The value an expression takes with the parameters' fixed values. */
static double fixed_value(const cs_cohort *c, const cs_expr *e)
{
  if (e->formula != NULL) {
    double *values = malloc(((size_t)c->n_params + 1) * sizeof *values);
    if (values == NULL)
      return NAN;
    for (int p = 0; p < c->n_params; p++)
      values[p] = c->param[p].dist.value;
    const double value = cs_expr_eval(e, values);
    free(values);
    return value;
  }
  double value = e->coef;
  for (int t = 0; t < e->n_terms; t++) {
    const double p = c->param[e->param[t]].dist.value;
    value = e->power[t] > 0 ? value * p : value / p;
  }
  return value;
}

/* "kH*b (= 0.7)" for an expression of parameters, "3" for a number. */
static void print_expr(FILE *out, const cs_expr *e, const cs_cohort *c)
{
  char text[128];
  cs_expr_format(text, sizeof text, e, c);
  fprintf(out, "%s", text);
  if (!cs_expr_is_number(e))
    fprintf(out, " (= %g)", fixed_value(c, e));
}

static void print_settings(FILE *out, const cs_cohort *c)
{
  fprintf(out, "cohort %s (%s)\n", c->name, c->path);
  size_t length = strlen(c->description);
  while (length > 0 && isspace((unsigned char)c->description[length - 1]))
    length--;
  if (length > 0)
    fprintf(out, "  %.*s\n", (int)length, c->description);
  if (c->overrides[0] != '\0')
    fprintf(out, "overrides: %s\n", c->overrides);
  if (c->method == CS_METHOD_HYBRID)
    fprintf(out, "method: hybrid (epsilon %g, critical %d)\n", c->hybrid_epsilon,
            c->hybrid_critical);
  else
    fprintf(out, "method: exact\n");
  fprintf(out, "follow-up: %g days, reported every %g days\n", c->followup_days,
          c->report_every_days);
}

/* "lognormal(median 0.7, cv 0.3; mu -0.356675, sigma 0.29356)", "normal(mean 0, sd 1)
 * truncated to [0, inf)", "uniform(0, 3)", "beta(a 2, b 5) on [0, 1]", or the number. */
static void format_dist(char *buffer, size_t size, const cs_dist *d)
{
  switch (d->kind) {
  case CS_DIST_FIXED:
    snprintf(buffer, size, "%g", d->value);
    return;
  case CS_DIST_NORMAL: {
    const int n = snprintf(buffer, size, "normal(mean %g, sd %g)", d->mean, d->sd);
    if (n > 0 && (size_t)n < size && (isfinite(d->lower) || isfinite(d->upper)))
      snprintf(buffer + n, size - (size_t)n, " truncated to %s%g, %g%s",
               isfinite(d->lower) ? "[" : "(", d->lower, d->upper, isfinite(d->upper) ? "]" : ")");
    return;
  }
  case CS_DIST_LOGNORMAL:
    snprintf(buffer, size, "lognormal(median %g, cv %g; mu %g, sigma %g)", exp(d->mu),
             sqrt(expm1(d->sigma * d->sigma)), d->mu, d->sigma);
    return;
  case CS_DIST_UNIFORM:
    snprintf(buffer, size, "uniform(%g, %g)", d->lower, d->upper);
    return;
  case CS_DIST_BETA:
    snprintf(buffer, size, "beta(a %g, b %g) on [%g, %g]", d->a, d->b, d->lower, d->upper);
    return;
  }
}

static void print_variability(FILE *out, const cs_cohort *c)
{
  if (c->n_correlations > 0) {
    fprintf(out, "\ncorrelations (Gaussian copula of the sampled parameters):\n");
    for (int i = 0; i < c->n_correlations; i++)
      fprintf(out, "  %s ~ %s: %g\n", c->param[c->correlation[i].param[0]].name,
              c->param[c->correlation[i].param[1]].name, c->correlation[i].rho);
  }
  if (c->n_traits > 0) {
    fprintf(out, "\ntraits (%d):\n", c->n_traits);
    for (int t = 0; t < c->n_traits; t++) {
      const cs_trait *trait = &c->trait[t];
      fprintf(out, "  %s: probability %g", trait->name, trait->probability);
      for (int s = 0; s < trait->n_sets; s++)
        fprintf(out, "%s %s = %g", s == 0 ? ", sets" : ",", c->param[trait->set[s].param].name,
                trait->set[s].value);
      fprintf(out, "\n");
    }
  }
}

static void print_model(FILE *out, const cs_cohort *c)
{
  fprintf(out, "\nparameters (%d, %d sampled per patient):\n", c->n_params, c->n_sampled);
  for (int p = 0; p < c->n_params; p++) {
    const cs_dist *d = &c->param[p].dist;
    if (d->kind == CS_DIST_FIXED) {
      fprintf(out, "  %-12s = %g\n", c->param[p].name, d->value);
      continue;
    }
    char text[160];
    format_dist(text, sizeof text, d);
    fprintf(out, "  %-12s ~ %s, median %g\n", c->param[p].name, text, d->value);
  }
  print_variability(out, c);

  fprintf(out, "\nspecies (%d), initial counts:\n", c->n_species);
  for (int s = 0; s < c->n_species; s++) {
    fprintf(out, "  %-12s ", c->species[s].name);
    print_expr(out, &c->species[s].initial, c);
    if (c->species[s].leap_tolerance != 1.0)
      fprintf(out, "   (leap tolerance %g)", c->species[s].leap_tolerance);
    fprintf(out, "\n");
  }

  fprintf(out, "\ndrugs (%d), concentrations C in EC50 units, effect f = C/(1+C):\n", c->n_drugs);
  for (int d = 0; d < c->n_drugs; d++) {
    const double k = fixed_value(c, &c->drug[d].elimination_per_day);
    fprintf(out, "  %-12s elimination ", c->drug[d].name);
    print_expr(out, &c->drug[d].elimination_per_day, c);
    fprintf(out, " per day, half-life %g days\n", CS_LN2 / k);
  }

  fprintf(out, "\nreactions (%d):\n", c->n_reactions);
  for (int i = 0; i < c->n_reactions; i++) {
    const cs_reaction *rx = &c->reaction[i];
    fprintf(out, "  %s: ", rx->name);
    if (rx->stoichiometric)
      print_stoichiometric(out, rx, c);
    else
      print_equation(out, rx, c);
    fprintf(out, "   propensity = ");
    print_propensity(out, rx, c);
    fprintf(out, "\n");
  }
}

static void print_outcomes(FILE *out, const cs_cohort *c)
{
  const cs_outcomes *o = &c->outcomes;
  if (o->n_tumour == 0) {
    fprintf(out, "\noutcomes: none (no clearance, no death: every patient is followed to the "
                 "end)\n");
    return;
  }
  fprintf(out, "\noutcomes:\n  tumour burden = ");
  for (int i = 0; i < o->n_tumour; i++)
    fprintf(out, "%s%s", i == 0 ? "" : " + ", c->species[o->tumour[i]].name);
  fprintf(out, "\n  reference: %g cells\n", o->reference_cells);
  if (o->mrd_negative_below > 0)
    fprintf(out, "  MRD-negative below %g of reference (%g cells)\n", o->mrd_negative_below,
            o->mrd_negative_below * o->reference_cells);
  else
    fprintf(out, "  MRD: not tracked\n");
  if (o->relapse_at > 0)
    fprintf(out, "  relapse after MRD negativity at %g of reference (%g cells)\n", o->relapse_at,
            o->relapse_at * o->reference_cells);
  else
    fprintf(out, "  relapse: not tracked\n");
  if (o->lethal_cells > 0)
    fprintf(out, "  death at %g cells\n", o->lethal_cells);
  else
    fprintf(out, "  death: not tracked\n");
}

static void print_timing(FILE *out, const cs_cohort *c)
{
  const cs_timing *t = &c->timing;
  char text[160];
  fprintf(out, "\ntiming (time 0 is enrolment; dose days above are planned, before the start "
               "delay):\n");
  format_dist(text, sizeof text, &t->start_delay_days);
  fprintf(out, "  start delay: %s days\n", text);
  format_dist(text, sizeof text, &t->dose_jitter_days);
  fprintf(out, "  dose jitter: %s days\n", text);
  fprintf(out, "  missed doses: probability %g each\n", t->missed_dose_probability);
}

/* The observables with their formulas, and what is recorded per patient. */
static void print_time_courses(FILE *out, const cs_cohort *c)
{
  if (c->n_observables > 0) {
    fprintf(out, "\nobservables (%d):\n", c->n_observables);
    for (int o = 0; o < c->n_observables; o++)
      fprintf(out, "  %s = %s\n", c->observable[o].name, cs_formula_text(c->observable[o].formula));
  }
  fprintf(out, "\nrecorded per patient on the reporting grid:");
  for (int k = 0; k < c->n_recorded; k++) {
    const int q = c->recorded[k];
    fprintf(out, " %s",
            q < c->n_species ? c->species[q].name : c->observable[q - c->n_species].name);
  }
  fprintf(out, "%s\n", c->n_recorded == 0 ? " nothing" : "");
  fprintf(out, "time-course statistics: %s\n",
          c->time_course_statistics
              ? "mean, sd and quantiles of every species and observable (all stored)"
              : "none (time_course_statistics: false; only what is recorded is stored)");
}

void cs_cohort_print(const cs_cohort *cohort, FILE *out)
{
  print_settings(out, cohort);
  print_model(out, cohort);
  if (cohort->n_cohort_events > 0)
    fprintf(out, "\nevents (%d, in every arm):\n", cohort->n_cohort_events);
  cs_cohort_print_events(out, cohort, 0, cohort->n_cohort_events, 2);
  fprintf(out, "\narms (%d):\n", cohort->n_arms);
  for (int a = 0; a < cohort->n_arms; a++)
    print_arm(out, &cohort->arm[a], cohort);
  cs_sweep_print(cohort, out);
  print_timing(out, cohort);
  print_outcomes(out, cohort);
  print_time_courses(out, cohort);
}
