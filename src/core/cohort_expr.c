/* Expressions of parameters (cs_expr): evaluated per patient, and written back as text
 * for messages and for `cohortsim check`.
 */
#include "cohort_expr.h"

#include <stdio.h>

const char *cs_dose_plan_target(const cs_cohort *cohort, const cs_dose_plan *plan)
{
  return plan->drug >= 0 ? cohort->drug[plan->drug].name : cohort->species[plan->species].name;
}

double cs_expr_eval(const cs_expr *expr, const double *param_values)
{
  if (expr->formula != NULL) {
    const cs_formula_state state = {.param = param_values};
    return cs_formula_eval(expr->formula, &state);
  }
  double value = expr->coef;
  for (int t = 0; t < expr->n_terms; t++) {
    if (expr->power[t] > 0)
      value *= param_values[expr->param[t]];
    else
      value /= param_values[expr->param[t]];
  }
  return value;
}

bool cs_expr_is_number(const cs_expr *expr)
{
  return expr->n_terms == 0 && expr->formula == NULL;
}

void cs_expr_format(char *buffer, size_t size, const cs_expr *expr, const cs_cohort *cohort)
{
  size_t used = 0;
  buffer[0] = '\0';
  if (expr->formula != NULL) {
    snprintf(buffer, size, "%s", cs_formula_text(expr->formula));
    return;
  }
  if (expr->n_terms == 0 || expr->coef != 1.0)
    used += (size_t)snprintf(buffer, size, "%.6g", expr->coef);
  for (int t = 0; t < expr->n_terms && used < size; t++) {
    const char *op = expr->power[t] > 0 ? "*" : "/";
    if (used == 0)
      op = expr->power[t] > 0 ? "" : "1/";
    used += (size_t)snprintf(buffer + used, size - used, "%s%s", op,
                             cohort->param[expr->param[t]].name);
  }
}

void cs_expr_format_operand(char *buffer, size_t size, const cs_expr *expr, const cs_cohort *cohort)
{
  char text[128];
  cs_expr_format(text, sizeof text, expr, cohort);
  const int simple =
      cs_expr_is_number(expr) || (expr->n_terms == 1 && expr->coef == 1.0 && expr->power[0] > 0);
  snprintf(buffer, size, simple ? "%s" : "(%s)", text);
}
