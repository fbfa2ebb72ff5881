/* The functions of the formula language, one row each (formula_impl.h): the name, how
 * many arguments, the value, and an interval containing the value for arguments in
 * given intervals (cs_formula_bound). The parser, the evaluator and the bound ask this
 * table; a new function is a row here, its two evaluators, and a line in
 * docs/cohort-reference.md ("Expressions").
 */
#include <math.h>
#include <string.h>

#include "formula_impl.h"

/* ---- values -------------------------------------------------------------------------- */

static double value_exp(const double *a, int n)
{
  (void)n;
  return exp(a[0]);
}

static double value_log(const double *a, int n)
{
  (void)n;
  return log(a[0]);
}

static double value_log10(const double *a, int n)
{
  (void)n;
  return log10(a[0]);
}

static double value_sqrt(const double *a, int n)
{
  (void)n;
  return sqrt(a[0]);
}

static double value_abs(const double *a, int n)
{
  (void)n;
  return fabs(a[0]);
}

static double value_floor(const double *a, int n)
{
  (void)n;
  return floor(a[0]);
}

static double value_ceil(const double *a, int n)
{
  (void)n;
  return ceil(a[0]);
}

static double value_pow(const double *a, int n)
{
  (void)n;
  return pow(a[0], a[1]);
}

/* fmin and fmax pass over a NaN argument (C11 7.12.12). */
static double value_min(const double *a, int n)
{
  double m = a[0];
  for (int i = 1; i < n; i++)
    m = fmin(m, a[i]);
  return m;
}

static double value_max(const double *a, int n)
{
  double m = a[0];
  for (int i = 1; i < n; i++)
    m = fmax(m, a[i]);
  return m;
}

/* x^n/(K^n + x^n), written as the rate-law factor `hill` computes it (model.c), which
 * stays finite where x^n overflows. */
static double hill(double x, double k, double n)
{
  return x > 0 ? 1.0 / (1.0 + pow(k / x, n)) : 0.0;
}

static double value_hill(const double *a, int n)
{
  (void)n;
  return hill(a[0], a[1], a[2]);
}

static double effect(double c)
{
  return c / (1.0 + c);
}

static double inhibit(double c)
{
  return 1.0 / (1.0 + c);
}

static double value_effect(const double *a, int n)
{
  (void)n;
  return effect(a[0]);
}

static double value_inhibit(const double *a, int n)
{
  (void)n;
  return inhibit(a[0]);
}

static double value_if(const double *a, int n)
{
  (void)n;
  return cs_formula_truth(a[0]) != 0 ? a[1] : a[2];
}

/* The branch of the first true condition, else the last argument if the count is odd;
 * without either the value is undefined (SBML): NaN, an error wherever it is used. */
static double value_piecewise(const double *a, int n)
{
  for (int i = 0; i + 1 < n; i += 2)
    if (cs_formula_truth(a[i + 1]) != 0)
      return a[i];
  return n % 2 == 1 ? a[n - 1] : NAN;
}

/* ---- bounds -------------------------------------------------------------------------- */

static cs_ival bound_exp(const cs_ival *a, int n)
{
  (void)n;
  return cs_ival_increasing(exp, a[0]);
}

/* log, log10 and sqrt: increasing where defined; below 0 the value is NaN. */
static cs_ival clip_domain(cs_ival a)
{
  if (a.lo < 0) {
    a.lo = 0;
    a.nan = true;
  }
  return a;
}

static cs_ival bound_log(const cs_ival *a, int n)
{
  (void)n;
  return a[0].hi < 0 ? cs_ival_whole() : cs_ival_increasing(log, clip_domain(a[0]));
}

static cs_ival bound_log10(const cs_ival *a, int n)
{
  (void)n;
  return a[0].hi < 0 ? cs_ival_whole() : cs_ival_increasing(log10, clip_domain(a[0]));
}

static cs_ival bound_sqrt(const cs_ival *a, int n)
{
  (void)n;
  return a[0].hi < 0 ? cs_ival_whole() : cs_ival_increasing(sqrt, clip_domain(a[0]));
}

static cs_ival bound_abs(const cs_ival *a, int n)
{
  (void)n;
  const cs_ival x = a[0];
  if (x.lo >= 0)
    return x;
  if (x.hi <= 0)
    return (cs_ival){-x.hi, -x.lo, x.nan};
  return (cs_ival){0, fmax(-x.lo, x.hi), x.nan};
}

static cs_ival bound_floor(const cs_ival *a, int n)
{
  (void)n;
  return cs_ival_increasing(floor, a[0]);
}

static cs_ival bound_ceil(const cs_ival *a, int n)
{
  (void)n;
  return cs_ival_increasing(ceil, a[0]);
}

static cs_ival bound_pow(const cs_ival *a, int n)
{
  (void)n;
  return cs_ival_pow(a[0], a[1]);
}

/* min (max) is increasing in every argument: [min of the lo, min of the hi]. A NaN
 * argument is passed over, so then the result may be any argument's value. */
static cs_ival bound_min(const cs_ival *a, int n)
{
  cs_ival r = a[0], hull = a[0];
  for (int i = 1; i < n; i++) {
    r = (cs_ival){fmin(r.lo, a[i].lo), fmin(r.hi, a[i].hi), r.nan || a[i].nan};
    hull = cs_ival_hull(hull, a[i]);
  }
  return r.nan ? hull : r;
}

static cs_ival bound_max(const cs_ival *a, int n)
{
  cs_ival r = a[0], hull = a[0];
  for (int i = 1; i < n; i++) {
    r = (cs_ival){fmax(r.lo, a[i].lo), fmax(r.hi, a[i].hi), r.nan || a[i].nan};
    hull = cs_ival_hull(hull, a[i]);
  }
  return r.nan ? hull : r;
}

/* For x > 0 and K > 0, hill is monotone in each argument separately (increasing in x
 * when n > 0, decreasing in K, in n either way), so its extremes over a box are at
 * corners; with n > 0 it is 0 at x <= 0 and increasing in x over the whole line. */
static cs_ival bound_hill(const cs_ival *a, int n)
{
  (void)n;
  const cs_ival x = a[0], k = a[1], e = a[2];
  if (x.nan || k.nan || e.nan || k.lo < 0)
    return cs_ival_whole();
  if (k.lo > 0 && e.lo > 0) {
    const double lo = fmin(hill(x.lo, k.hi, e.lo), hill(x.lo, k.hi, e.hi));
    const double hi = fmax(hill(x.hi, k.lo, e.lo), hill(x.hi, k.lo, e.hi));
    if (!isnan(lo) && !isnan(hi))
      return cs_ival_outward((cs_ival){lo, hi, false});
  }
  /* With K >= 0, 1/(1 + (K/x)^n) is in [0, 1] unless inf/inf made it NaN. */
  return (cs_ival){0, 1, true};
}

/* effect and inhibit of a concentration C > -1 (concentrations are >= 0). */
static cs_ival bound_effect(const cs_ival *a, int n)
{
  (void)n;
  return a[0].lo > -1 ? cs_ival_increasing(effect, a[0]) : cs_ival_whole();
}

static cs_ival bound_inhibit(const cs_ival *a, int n)
{
  (void)n;
  return a[0].lo > -1 ? cs_ival_decreasing(inhibit, a[0]) : cs_ival_whole();
}

static cs_ival bound_if(const cs_ival *a, int n)
{
  (void)n;
  const int truth = cs_ival_truth(a[0]);
  return truth == 1 ? a[1] : truth == 0 ? a[2] : cs_ival_hull(a[1], a[2]);
}

/* The hull of every branch that may be chosen: those up to the first condition that is
 * surely true. */
static cs_ival bound_piecewise(const cs_ival *a, int n)
{
  bool any = false;
  cs_ival r = {0, 0, false};
  for (int i = 0; i + 1 < n; i += 2) {
    const int truth = cs_ival_truth(a[i + 1]);
    if (truth == 0)
      continue;
    r = any ? cs_ival_hull(r, a[i]) : a[i];
    any = true;
    if (truth == 1)
      return r;
  }
  if (n % 2 == 1)
    return any ? cs_ival_hull(r, a[n - 1]) : a[n - 1];
  if (!any)
    return cs_ival_whole(); /* every value is NaN */
  r.nan = true;
  return r;
}

const cs_formula_function cs_formula_functions[] = {
    /* name, arguments (min, max; -1: any), drug argument, value, bound */
    {"exp", 1, 1, false, value_exp, bound_exp},
    {"log", 1, 1, false, value_log, bound_log},
    {"log10", 1, 1, false, value_log10, bound_log10},
    {"sqrt", 1, 1, false, value_sqrt, bound_sqrt},
    {"abs", 1, 1, false, value_abs, bound_abs},
    {"floor", 1, 1, false, value_floor, bound_floor},
    {"ceil", 1, 1, false, value_ceil, bound_ceil},
    {"pow", 2, 2, false, value_pow, bound_pow},
    {"min", 1, -1, false, value_min, bound_min},
    {"max", 1, -1, false, value_max, bound_max},
    {"hill", 3, 3, false, value_hill, bound_hill},
    {"effect", 1, 1, true, value_effect, bound_effect},
    {"inhibit", 1, 1, true, value_inhibit, bound_inhibit},
    {"if", 3, 3, false, value_if, bound_if},
    {"piecewise", 1, -1, false, value_piecewise, bound_piecewise},
    {NULL, 0, 0, false, NULL, NULL},
};

int cs_formula_function_find(const char *name)
{
  for (int i = 0; cs_formula_functions[i].name != NULL; i++)
    if (strcmp(cs_formula_functions[i].name, name) == 0)
      return i;
  return -1;
}
