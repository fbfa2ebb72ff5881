/* The table of rate-law factor kinds (factor.h) and what is done with it outside the
 * engines' hot loops.
 */
#include "cohortsim/factor.h"

#include "cohort_expr.h"

static const char *const species_keys[] = {"species", NULL};
static const char *const logistic_keys[] = {"logistic", "capacity", NULL};
static const char *const effect_keys[] = {"effect", NULL};
static const char *const inhibit_keys[] = {"inhibit", NULL};
static const char *const hill_keys[] = {"hill", "half", "n", NULL};
static const char *const saturate_keys[] = {"saturate", "half", NULL};

/* A kind added to cohort.h without its row here would read a zeroed row. */
_Static_assert(CS_FACTOR_FORMULA + 1 == CS_FACTOR_KINDS, "one row per cs_factor_kind");

const cs_factor_info cs_factor_table[CS_FACTOR_KINDS] = {
    [CS_FACTOR_SPECIES] = {"species", species_keys, CS_FACTOR_READS_SPECIES, NULL, NULL, 0},
    [CS_FACTOR_LOGISTIC] = {"logistic", logistic_keys, CS_FACTOR_READS_SUM, "capacity", NULL, 0},
    [CS_FACTOR_EFFECT] = {"effect", effect_keys, CS_FACTOR_READS_DRUG, NULL, NULL, +1},
    [CS_FACTOR_INHIBIT] = {"inhibit", inhibit_keys, CS_FACTOR_READS_DRUG, NULL, NULL, -1},
    [CS_FACTOR_HILL] = {"hill", hill_keys, CS_FACTOR_READS_SPECIES, "half", "n", 0},
    [CS_FACTOR_SATURATE] = {"saturate", saturate_keys, CS_FACTOR_READS_SUM, "half", NULL, 0},
    [CS_FACTOR_BINOMIAL] = {NULL, NULL, CS_FACTOR_READS_SPECIES, NULL, NULL, 0},
    [CS_FACTOR_FORMULA] = {NULL, NULL, CS_FACTOR_READS_FORMULA, NULL, NULL, 0},
};

const cs_factor_info *cs_factor_info_of(const cs_factor *factor)
{
  return &cs_factor_table[factor->kind];
}

bool cs_factor_reads_species(const cs_factor *factor, int species)
{
  switch (cs_factor_info_of(factor)->input) {
  case CS_FACTOR_READS_SPECIES:
    return factor->target == species;
  case CS_FACTOR_READS_SUM:
    for (int i = 0; i < factor->n_sum; i++)
      if (factor->sum[i] == species)
        return true;
    return false;
  case CS_FACTOR_READS_DRUG:
    return false;
  case CS_FACTOR_READS_FORMULA:
    return cs_formula_reads(factor->formula, CS_SYMBOL_SPECIES, species);
  }
  return false;
}

/* "A" or "(A+M)". */
static void format_sum(char *buffer, size_t size, const cs_factor *f, const cs_cohort *c)
{
  size_t used = (size_t)snprintf(buffer, size, "%s", f->n_sum > 1 ? "(" : "");
  for (int i = 0; i < f->n_sum && used < size; i++)
    used += (size_t)snprintf(buffer + used, size - used, "%s%s", i > 0 ? "+" : "",
                             c->species[f->sum[i]].name);
  if (f->n_sum > 1 && used < size)
    snprintf(buffer + used, size - used, ")");
}

static double factorial(int k)
{
  double product = 1;
  for (int j = 2; j <= k; j++)
    product *= j;
  return product;
}

void cs_factor_print(FILE *out, const cs_factor *f, const cs_cohort *c)
{
  char scale[160];
  char sum[160];
  cs_expr_format_operand(scale, sizeof scale, &f->scale, c);
  format_sum(sum, sizeof sum, f, c);
  switch (f->kind) {
  case CS_FACTOR_SPECIES:
    fprintf(out, "%s", c->species[f->target].name);
    break;
  case CS_FACTOR_LOGISTIC:
    fprintf(out, "max(0, 1 - %s/%s)", sum, scale);
    break;
  case CS_FACTOR_EFFECT:
    fprintf(out, "f_%s", c->drug[f->target].name);
    break;
  case CS_FACTOR_INHIBIT:
    fprintf(out, "(1 - f_%s)", c->drug[f->target].name);
    break;
  case CS_FACTOR_HILL:
    if (f->hill_n == 1.0)
      fprintf(out, "%s/(%s + %s)", c->species[f->target].name, scale, c->species[f->target].name);
    else
      fprintf(out, "%s^%g/(%s^%g + %s^%g)", c->species[f->target].name, f->hill_n, scale, f->hill_n,
              c->species[f->target].name, f->hill_n);
    break;
  case CS_FACTOR_SATURATE:
    fprintf(out, "1/(1 + %s/%s)", sum, scale);
    break;
  case CS_FACTOR_BINOMIAL: /* C(X, k) = X*(X-1)*...*(X-k+1)/k! */
    fprintf(out, "%s", c->species[f->target].name);
    for (int j = 1; j < f->order; j++)
      fprintf(out, "*(%s-%d)", c->species[f->target].name, j);
    fprintf(out, "/%.0f", factorial(f->order));
    break;
  case CS_FACTOR_FORMULA:
    fprintf(out, "(%s)", cs_formula_text(f->formula));
    break;
  }
}
