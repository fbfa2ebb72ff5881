#include "cohortsim/model.h"

#include <math.h>
#include <stdlib.h>

#include "cohortsim/factor.h"

struct cs_model {
  const cs_cohort *cohort;
  bool *uses_drugs;    /* [reaction] */
  bool *drug_formula;  /* [reaction] */
  /* The negativity rule's checks: reaction r's propensity is 0 while the count of
   * guard_species[g] is below guard_amount[g], g in [guard_start[r], guard_start[r+1]).
   * Only consumptions that no mass-action factor already protects are listed, so
   * today's reactions (-1 of a species with a {species: X} factor) have none. */
  int *guard_start;
  int *guard_species;
  int64_t *guard_amount;
  bool clearance_absorbing;
  int *dependents;       /* concatenated lists, one per reaction */
  int *dependents_start; /* [reaction + 1]: reaction r's list is [start[r], start[r+1]) */
};

/* True if a factor makes the propensity 0 whenever `species` has fewer than `amount`
 * copies: X (for one copy) or C(X, k) (for up to k). */
static bool factor_protects(const cs_factor *factor, int species, int amount)
{
  if (factor->target != species)
    return false;
  return (factor->kind == CS_FACTOR_SPECIES && amount == 1) ||
         (factor->kind == CS_FACTOR_BINOMIAL && amount <= factor->order);
}

static bool needs_guard(const cs_reaction *reaction, int i)
{
  for (int f = 0; f < reaction->n_factors; f++)
    if (factor_protects(&reaction->factor[f], reaction->consumed_species[i],
                        reaction->consumed[i]))
      return false;
  return true;
}

static bool build_guards(cs_model *m)
{
  const cs_cohort *c = m->cohort;
  const size_t n = (size_t)c->n_reactions;
  m->guard_start = calloc(n + 1, sizeof *m->guard_start);
  m->guard_species = calloc(n * CS_CHANGE_MAX + 1, sizeof *m->guard_species);
  m->guard_amount = calloc(n * CS_CHANGE_MAX + 1, sizeof *m->guard_amount);
  if (m->guard_start == NULL || m->guard_species == NULL || m->guard_amount == NULL)
    return false;
  int k = 0;
  for (int r = 0; r < c->n_reactions; r++) {
    const cs_reaction *reaction = &c->reaction[r];
    m->guard_start[r] = k;
    for (int i = 0; i < reaction->n_consumed; i++)
      if (needs_guard(reaction, i)) {
        m->guard_species[k] = reaction->consumed_species[i];
        m->guard_amount[k++] = reaction->consumed[i];
      }
  }
  m->guard_start[c->n_reactions] = k;
  return true;
}

static bool has_guard(const cs_model *m, int r, int species)
{
  for (int g = m->guard_start[r]; g < m->guard_start[r + 1]; g++)
    if (m->guard_species[g] == species)
      return true;
  return false;
}

/* The propensity reads a species through a factor or through the negativity rule. */
static bool reaction_reads_species(const cs_model *m, int r, int species)
{
  const cs_reaction *reaction = &m->cohort->reaction[r];
  for (int f = 0; f < reaction->n_factors; f++)
    if (cs_factor_reads_species(&reaction->factor[f], species))
      return true;
  return has_guard(m, r, species);
}

static bool reaction_changes_read_by(const cs_model *m, int fired, int other)
{
  const cs_reaction *reaction = &m->cohort->reaction[fired];
  for (int c = 0; c < reaction->n_changes; c++)
    if (reaction_reads_species(m, other, reaction->change_species[c]))
      return true;
  return false;
}

/* The dependency graph of Gibson and Bruck (J Phys Chem A 104, 1876, 2000). */
static bool build_dependents(cs_model *m)
{
  const cs_cohort *c = m->cohort;
  const size_t n = (size_t)c->n_reactions;
  m->dependents = calloc(n * n + 1, sizeof *m->dependents);
  m->dependents_start = calloc(n + 1, sizeof *m->dependents_start);
  if (m->dependents == NULL || m->dependents_start == NULL)
    return false;
  int k = 0;
  for (int r = 0; r < c->n_reactions; r++) {
    m->dependents_start[r] = k;
    for (int other = 0; other < c->n_reactions; other++)
      if (reaction_changes_read_by(m, r, other))
        m->dependents[k++] = other;
  }
  m->dependents_start[c->n_reactions] = k;
  return true;
}

void cs_model_dependents(const cs_model *model, int r, const int **dependents, int *n)
{
  *dependents = &model->dependents[model->dependents_start[r]];
  *n = model->dependents_start[r + 1] - model->dependents_start[r];
}

static bool is_tumour_species(const cs_cohort *cohort, int species)
{
  for (int i = 0; i < cohort->outcomes.n_tumour; i++)
    if (cohort->outcomes.tumour[i] == species)
      return true;
  return false;
}

/* A reaction can create a tumour cell out of none if it adds to a tumour species while
 * nothing makes its propensity vanish at zero burden: a mass-action factor of a tumour
 * species, or the consumption of one. A general rate law reading a tumour species is
 * not analysed: it counts as able to create (clearance then is not absorbing, which
 * costs time, never correctness). */
static bool creates_tumour_from_nothing(const cs_cohort *cohort, const cs_reaction *reaction)
{
  bool adds_tumour = false;
  for (int c = 0; c < reaction->n_changes; c++)
    if (is_tumour_species(cohort, reaction->change_species[c]) && reaction->change[c].coef > 0)
      adds_tumour = true;
  if (!adds_tumour)
    return false;
  for (int f = 0; f < reaction->n_factors; f++)
    if ((reaction->factor[f].kind == CS_FACTOR_SPECIES ||
         reaction->factor[f].kind == CS_FACTOR_BINOMIAL) &&
        is_tumour_species(cohort, reaction->factor[f].target))
      return false;
  for (int i = 0; i < reaction->n_consumed; i++)
    if (is_tumour_species(cohort, reaction->consumed_species[i]))
      return false;
  return true;
}

static bool factor_is_drug_formula(const cs_factor *factor)
{
  return factor->kind == CS_FACTOR_FORMULA &&
         cs_formula_reads(factor->formula, CS_SYMBOL_DRUG, -1);
}

cs_status cs_model_create(const cs_cohort *cohort, cs_model **model, cs_error *err)
{
  *model = NULL;
  cs_model *m = calloc(1, sizeof *m);
  if (m == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory compiling the model");
  m->cohort = cohort;
  m->uses_drugs = calloc((size_t)cohort->n_reactions + 1, sizeof *m->uses_drugs);
  m->drug_formula = calloc((size_t)cohort->n_reactions + 1, sizeof *m->drug_formula);
  if (m->uses_drugs == NULL || m->drug_formula == NULL || !build_guards(m) ||
      !build_dependents(m)) {
    cs_model_destroy(&m);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory compiling the model");
  }
  m->clearance_absorbing = true;
  for (int r = 0; r < cohort->n_reactions; r++) {
    const cs_reaction *reaction = &cohort->reaction[r];
    for (int f = 0; f < reaction->n_factors; f++) {
      if (factor_is_drug_formula(&reaction->factor[f]))
        m->drug_formula[r] = true;
      if (cs_factor_reads_drug(&reaction->factor[f]) || m->drug_formula[r])
        m->uses_drugs[r] = true;
    }
    if (creates_tumour_from_nothing(cohort, reaction))
      m->clearance_absorbing = false;
  }
  *model = m;
  return CS_OK;
}

void cs_model_destroy(cs_model **model)
{
  if (model == NULL || *model == NULL)
    return;
  free((*model)->uses_drugs);
  free((*model)->drug_formula);
  free((*model)->guard_start);
  free((*model)->guard_species);
  free((*model)->guard_amount);
  free((*model)->dependents);
  free((*model)->dependents_start);
  free(*model);
  *model = NULL;
}

const cs_cohort *cs_model_cohort(const cs_model *model)
{
  return model->cohort;
}

bool cs_model_uses_drugs(const cs_model *model, int r)
{
  return model->uses_drugs[r];
}

bool cs_model_guarded(const cs_model *model, int r)
{
  return model->guard_start[r + 1] > model->guard_start[r];
}

bool cs_model_drug_formula(const cs_model *model, int r)
{
  return model->drug_formula[r];
}

bool cs_model_clearance_absorbing(const cs_model *model)
{
  return model->clearance_absorbing;
}

int64_t cs_model_burden(const cs_model *model, const int64_t *counts)
{
  const cs_outcomes *o = &model->cohort->outcomes;
  int64_t burden = 0;
  for (int i = 0; i < o->n_tumour; i++)
    burden += counts[o->tumour[i]];
  return burden;
}

cs_status cs_kinetics_create(const cs_model *model, cs_kinetics **kinetics, cs_error *err)
{
  const cs_cohort *c = model->cohort;
  const size_t n_reactions = (size_t)c->n_reactions;
  *kinetics = NULL;
  cs_kinetics *k = calloc(1, sizeof *k);
  if (k != NULL) {
    k->param = calloc((size_t)c->n_params + 1, sizeof *k->param);
    k->rate = calloc(n_reactions, sizeof *k->rate);
    k->scale = calloc(n_reactions * CS_FACTOR_MAX, sizeof *k->scale);
    k->change = calloc(n_reactions * CS_CHANGE_MAX, sizeof *k->change);
    k->elimination = calloc((size_t)c->n_drugs + 1, sizeof *k->elimination);
    k->initial = calloc((size_t)c->n_species, sizeof *k->initial);
    k->burden_change = calloc(n_reactions, sizeof *k->burden_change);
  }
  if (k == NULL || k->param == NULL || k->rate == NULL || k->scale == NULL || k->change == NULL ||
      k->elimination == NULL || k->initial == NULL || k->burden_change == NULL) {
    cs_kinetics_destroy(&k);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating patient kinetics");
  }
  *kinetics = k;
  return CS_OK;
}

void cs_kinetics_destroy(cs_kinetics **kinetics)
{
  if (kinetics == NULL || *kinetics == NULL)
    return;
  cs_kinetics *k = *kinetics;
  free(k->param);
  free(k->rate);
  free(k->scale);
  free(k->change);
  free(k->elimination);
  free(k->initial);
  free(k->burden_change);
  free(k);
  *kinetics = NULL;
}

/* Counts are int64; 2^63 itself is not representable, so the bound is exclusive. */
static bool fits_int64(double value)
{
  return isfinite(value) && value >= -0x1.0p63 && value < 0x1.0p63;
}

static cs_status bind_reaction(const cs_reaction *reaction, const double *param_values,
                               double *rate, double *scale, int64_t *change, cs_error *err)
{
  *rate = cs_expr_eval(&reaction->rate, param_values);
  CS_CHECK(isfinite(*rate) && *rate >= 0, err, CS_ERR_COHORT,
           "reaction '%s': rate evaluates to %g; a rate must be finite and >= 0", reaction->name,
           *rate);
  for (int f = 0; f < reaction->n_factors; f++) {
    const cs_factor *factor = &reaction->factor[f];
    if (cs_factor_info_of(factor)->scale_key == NULL)
      continue;
    scale[f] = cs_expr_eval(&factor->scale, param_values);
    CS_CHECK(isfinite(scale[f]) && scale[f] > 0, err, CS_ERR_COHORT,
             "reaction '%s', factor %d: capacity or half-saturation evaluates to %g; it must "
             "be finite and > 0",
             reaction->name, f + 1, scale[f]);
  }
  for (int c = 0; c < reaction->n_changes; c++) {
    const double amount = round(cs_expr_eval(&reaction->change[c], param_values));
    CS_CHECK(fits_int64(amount), err, CS_ERR_COHORT,
             "reaction '%s': change of a species evaluates to %g, outside the int64 range",
             reaction->name, amount);
    /* Only integer literals consume; an amount computed from this patient's parameters
     * (a produced number of units) must not turn negative. */
    CS_CHECK(amount >= 0 || cs_expr_is_number(&reaction->change[c]), err, CS_ERR_COHORT,
             "reaction '%s': an amount produced evaluates to %g for this patient; it must be "
             ">= 0",
             reaction->name, amount);
    change[c] = (int64_t)amount;
  }
  return CS_OK;
}

cs_status cs_model_bind(const cs_model *model, const double *param_values, cs_kinetics *kinetics,
                        cs_error *err)
{
  const cs_cohort *c = model->cohort;
  for (int p = 0; p < c->n_params; p++)
    kinetics->param[p] = param_values[p];
  for (int r = 0; r < c->n_reactions; r++) {
    const cs_reaction *reaction = &c->reaction[r];
    int64_t *change = &kinetics->change[r * CS_CHANGE_MAX];
    CS_CALL(bind_reaction(reaction, param_values, &kinetics->rate[r],
                          &kinetics->scale[r * CS_FACTOR_MAX], change, err));
    kinetics->burden_change[r] = 0;
    for (int i = 0; i < reaction->n_changes; i++)
      if (is_tumour_species(c, reaction->change_species[i]))
        kinetics->burden_change[r] += change[i];
  }
  for (int d = 0; d < c->n_drugs; d++) {
    const double k = cs_expr_eval(&c->drug[d].elimination_per_day, param_values);
    CS_CHECK(isfinite(k) && k > 0, err, CS_ERR_COHORT,
             "drug '%s': elimination rate evaluates to %g per day; it must be finite and > 0",
             c->drug[d].name, k);
    kinetics->elimination[d] = k;
  }
  for (int s = 0; s < c->n_species; s++) {
    const double initial = round(cs_expr_eval(&c->species[s].initial, param_values));
    CS_CHECK(fits_int64(initial) && initial >= 0, err, CS_ERR_COHORT,
             "species '%s': initial count evaluates to %g; it must be >= 0 and < 2^63",
             c->species[s].name, initial);
    kinetics->initial[s] = (int64_t)initial;
  }
  return CS_OK;
}

static double sum_species(const cs_factor *factor, const int64_t *counts)
{
  double sum = 0;
  for (int i = 0; i < factor->n_sum; i++)
    sum += (double)counts[factor->sum[i]];
  return sum;
}

/* C(x, k) = x(x-1)...(x-k+1)/k!, 0 for x < k; exact in doubles while the value is
 * below 2^53 (each partial product is itself a binomial coefficient, an integer). */
static double binomial(double x, int k)
{
  if (x < k)
    return 0.0;
  double c = 1.0;
  for (int j = 0; j < k; j++)
    c = c * (x - j) / (j + 1);
  return c;
}

/* A general rate law at the counts and the drugs (their span: an upper bound over it). */
static double formula_factor(const cs_formula *formula, const cs_kinetics *kinetics,
                             const int64_t *counts, const cs_drug_span *drugs)
{
  double value;
  if (drugs == NULL || drugs->conc_min == drugs->conc_max) {
    const cs_formula_state state = {.param = kinetics->param,
                                    .count = counts,
                                    .drug = drugs != NULL ? drugs->conc_max : NULL};
    value = cs_formula_eval(formula, &state);
  } else {
    const cs_formula_box box = {.param = kinetics->param,
                                .count = counts,
                                .drug_lo = drugs->conc_min,
                                .drug_hi = drugs->conc_max};
    value = cs_formula_bound(formula, &box).hi;
  }
  return value >= 0 ? value : NAN;
}

static bool guards_hold(const cs_model *model, int r, const int64_t *counts)
{
  for (int g = model->guard_start[r]; g < model->guard_start[r + 1]; g++)
    if (counts[model->guard_species[g]] < model->guard_amount[g])
      return false;
  return true;
}

double cs_model_propensity(const cs_model *model, const cs_kinetics *kinetics, int r,
                           const int64_t *counts, const cs_drug_span *drugs)
{
  const cs_reaction *reaction = &model->cohort->reaction[r];
  const double *scale = &kinetics->scale[r * CS_FACTOR_MAX];
  double a = kinetics->rate[r];
  if (!guards_hold(model, r, counts))
    return 0.0;
  /* The exact engine's inner loop: a switch the compiler inlines, not factor.h's table
   * of function pointers, which would cost an indirect call per factor per event. */
  for (int f = 0; f < reaction->n_factors && a > 0; f++) {
    const cs_factor *factor = &reaction->factor[f];
    switch (factor->kind) {
    case CS_FACTOR_SPECIES:
      a *= (double)counts[factor->target];
      break;
    case CS_FACTOR_LOGISTIC:
      a *= fmax(0.0, 1.0 - sum_species(factor, counts) / scale[f]);
      break;
    case CS_FACTOR_EFFECT:
      a *= drugs->effect_max[factor->target];
      break;
    case CS_FACTOR_INHIBIT:
      a *= 1.0 - drugs->effect_min[factor->target];
      break;
    case CS_FACTOR_HILL: {
      const double x = (double)counts[factor->target];
      if (factor->hill_n == 1.0)
        a *= x / (scale[f] + x);
      else /* x^n/(K^n + x^n) without overflowing x^n or K^n */
        a *= x > 0 ? 1.0 / (1.0 + pow(scale[f] / x, factor->hill_n)) : 0.0;
      break;
    }
    case CS_FACTOR_SATURATE:
      a *= 1.0 / (1.0 + sum_species(factor, counts) / scale[f]);
      break;
    case CS_FACTOR_BINOMIAL:
      a *= binomial((double)counts[factor->target], factor->order);
      break;
    case CS_FACTOR_FORMULA:
      a *= formula_factor(factor->formula, kinetics, counts, drugs);
      break;
    }
  }
  return a;
}

void cs_model_fire(const cs_model *model, const cs_kinetics *kinetics, int r, int64_t *counts)
{
  const cs_reaction *reaction = &model->cohort->reaction[r];
  const int64_t *change = &kinetics->change[r * CS_CHANGE_MAX];
  for (int c = 0; c < reaction->n_changes; c++)
    counts[reaction->change_species[c]] += change[c];
}
