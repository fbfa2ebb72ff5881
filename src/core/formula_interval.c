/* Interval arithmetic over compiled formulas: cs_formula_bound (formula.h).
 *
 * Soundness. Each op maps intervals containing its operands' values to an interval
 * containing its result. No outward rounding is needed for + - * / and the comparisons:
 * IEEE rounding is monotone, so an operation rounded to nearest at the ends of an
 * interval bounds the same operation rounded to nearest inside it, and the evaluator
 * rounds exactly so. Library functions (exp, log, pow, ...) are not correctly rounded,
 * so their results need not be monotone to the last bit: their intervals are widened by
 * a relative 2^-50 (a few units in the last place; cs_ival_outward). A NaN lies in no
 * interval, so each interval carries a flag "the value may be NaN" (0/0, inf - inf,
 * log(-1), a piecewise without a true condition), which keeps a comparison or if() from
 * being decided on [lo, hi] alone.
 */
#include <math.h>

#include "formula_impl.h"

cs_ival cs_ival_whole(void)
{
  return (cs_ival){-INFINITY, INFINITY, true};
}

cs_ival cs_ival_point(double x)
{
  return isnan(x) ? cs_ival_whole() : (cs_ival){x, x, false};
}

/* An interval from computed ends: a NaN end (inf - inf at a corner) leaves nothing
 * known. */
static cs_ival make(double lo, double hi, bool nan)
{
  if (isnan(lo) || isnan(hi))
    return cs_ival_whole();
  return (cs_ival){lo, hi, nan};
}

cs_ival cs_ival_hull(cs_ival a, cs_ival b)
{
  return (cs_ival){fmin(a.lo, b.lo), fmax(a.hi, b.hi), a.nan || b.nan};
}

static double widen_down(double x)
{
  return isfinite(x) ? x - fabs(x) * 0x1p-50 : x;
}

static double widen_up(double x)
{
  return isfinite(x) ? x + fabs(x) * 0x1p-50 : x;
}

cs_ival cs_ival_outward(cs_ival a)
{
  return (cs_ival){widen_down(a.lo), widen_up(a.hi), a.nan};
}

cs_ival cs_ival_increasing(double (*f)(double), cs_ival a)
{
  return cs_ival_outward(make(f(a.lo), f(a.hi), a.nan));
}

cs_ival cs_ival_decreasing(double (*f)(double), cs_ival a)
{
  return cs_ival_outward(make(f(a.hi), f(a.lo), a.nan));
}

int cs_ival_truth(cs_ival a)
{
  if (a.lo > 0 || a.hi < 0)
    return 1; /* a NaN is true too */
  if (a.lo == 0 && a.hi == 0 && !a.nan)
    return 0;
  return -1;
}

static bool contains_zero(cs_ival a)
{
  return a.lo <= 0 && a.hi >= 0;
}

static bool unbounded(cs_ival a)
{
  return isinf(a.lo) || isinf(a.hi);
}

static cs_ival neg(cs_ival a)
{
  return (cs_ival){-a.hi, -a.lo, a.nan};
}

static cs_ival add(cs_ival a, cs_ival b)
{
  const bool nan = a.nan || b.nan || (a.lo == -INFINITY && b.hi == INFINITY) ||
                   (a.hi == INFINITY && b.lo == -INFINITY);
  return make(a.lo + b.lo, a.hi + b.hi, nan);
}

/* The smallest and largest of four corner values; a NaN corner spoils both. */
static cs_ival corners(double c0, double c1, double c2, double c3, bool nan)
{
  if (isnan(c0) || isnan(c1) || isnan(c2) || isnan(c3))
    return cs_ival_whole();
  return (cs_ival){fmin(fmin(c0, c1), fmin(c2, c3)), fmax(fmax(c0, c1), fmax(c2, c3)), nan};
}

static cs_ival mul(cs_ival a, cs_ival b)
{
  /* 0 * inf is NaN even where no corner is both. */
  const bool nan =
      a.nan || b.nan || (contains_zero(a) && unbounded(b)) || (contains_zero(b) && unbounded(a));
  return corners(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi, nan);
}

static cs_ival divide(cs_ival a, cs_ival b)
{
  if (contains_zero(b))
    return cs_ival_whole();
  const bool nan = a.nan || b.nan || (unbounded(a) && unbounded(b));
  return corners(a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi, nan);
}

static bool is_integer(double x)
{
  return isfinite(x) && floor(x) == x;
}

cs_ival cs_ival_pow(cs_ival x, cs_ival y)
{
  const bool nan = x.nan || y.nan;
  if (y.lo == 0 && y.hi == 0 && !y.nan)
    return cs_ival_point(1); /* pow(x, 0) is 1 for every x, even NaN */
  if (x.lo >= 0) {
    /* On x >= +0, x^y is monotone in x for each y and in y for each x (also at x = +0,
     * where it is inf, 1, 0 for y < 0, = 0, > 0): the extremes are at corners. An
     * interval does not tell -0 from +0: the corners take +0, and since pow(-0, y) is
     * -inf for a negative odd integer y (C11 F.10.4.4), a negative y leaves no lower
     * bound. */
    const double lo = x.lo == 0 ? 0.0 : x.lo, hi = x.hi == 0 ? 0.0 : x.hi;
    cs_ival r =
        cs_ival_outward(corners(pow(lo, y.lo), pow(lo, y.hi), pow(hi, y.lo), pow(hi, y.hi), nan));
    if (x.lo == 0 && y.lo < 0)
      r.lo = -INFINITY;
    return r;
  }
  if (y.lo != y.hi || !is_integer(y.lo) || y.nan)
    return cs_ival_whole(); /* a negative base with a non-integer power is NaN */
  /* x^k for an integer k and x reaching below 0. */
  const double k = y.lo;
  const double at_lo = pow(x.lo, k), at_hi = pow(x.hi, k);
  const bool odd = fmod(k, 2) != 0;
  cs_ival r;
  if (k < 0 && contains_zero(x))
    return cs_ival_whole(); /* a pole at 0 */
  if (odd)
    r = k > 0 ? make(at_lo, at_hi, nan) : make(fmin(at_lo, at_hi), fmax(at_lo, at_hi), nan);
  else if (contains_zero(x))
    r = make(0, fmax(at_lo, at_hi), nan);
  else
    r = make(fmin(at_lo, at_hi), fmax(at_lo, at_hi), nan);
  return cs_ival_outward(r);
}

/* A comparison's result: 1 where `yes`, 0 where `no`, else either. */
static cs_ival decided(bool yes, bool no)
{
  return yes ? cs_ival_point(1) : no ? cs_ival_point(0) : (cs_ival){0, 1, false};
}

/* a < b (or a <= b when `or_equal`): false wherever either is NaN. */
static cs_ival less(cs_ival a, cs_ival b, bool or_equal)
{
  const bool clean = !a.nan && !b.nan;
  if (or_equal)
    return decided(clean && a.hi <= b.lo, a.lo > b.hi);
  return decided(clean && a.hi < b.lo, a.lo >= b.hi);
}

static cs_ival equal(cs_ival a, cs_ival b, bool negate)
{
  const bool clean = !a.nan && !b.nan;
  const bool always = clean && a.lo == a.hi && b.lo == b.hi && a.lo == b.lo;
  const bool never = a.hi < b.lo || b.hi < a.lo; /* NaN == x is false too */
  return negate ? decided(never, always) : decided(always, never);
}

static cs_ival logical(cs_ival a, cs_ival b, bool is_and)
{
  const int ta = cs_ival_truth(a), tb = cs_ival_truth(b);
  if (is_and)
    return decided(ta == 1 && tb == 1, ta == 0 || tb == 0);
  return decided(ta == 1 || tb == 1, ta == 0 && tb == 0);
}

/* A binary operator's interval. */
static cs_ival binary(cs_op_code code, cs_ival a, cs_ival b)
{
  switch (code) {
  case CS_OP_ADD:
    return add(a, b);
  case CS_OP_SUB:
    return add(a, neg(b));
  case CS_OP_MUL:
    return mul(a, b);
  case CS_OP_DIV:
    return divide(a, b);
  case CS_OP_POW:
    return cs_ival_pow(a, b);
  case CS_OP_LT:
    return less(a, b, false);
  case CS_OP_LE:
    return less(a, b, true);
  case CS_OP_GT:
    return less(b, a, false);
  case CS_OP_GE:
    return less(b, a, true);
  case CS_OP_EQ:
    return equal(a, b, false);
  case CS_OP_NE:
    return equal(a, b, true);
  case CS_OP_AND:
    return logical(a, b, true);
  case CS_OP_OR:
    return logical(a, b, false);
  default:
    return cs_ival_whole(); /* not a binary operator: not reached */
  }
}

cs_interval cs_formula_bound(const cs_formula *formula, const cs_formula_box *box)
{
  cs_ival stack[CS_FORMULA_MAX_STACK];
  int sp = 0;
  for (int i = 0; i < formula->n_ops; i++) {
    const cs_op *op = &formula->code[i];
    switch ((cs_op_code)op->code) {
    case CS_OP_CONST:
      stack[sp++] = cs_ival_point(op->value);
      break;
    case CS_OP_PARAM:
      stack[sp++] = cs_ival_point(box->param[op->index]);
      break;
    case CS_OP_COUNT:
      stack[sp++] = cs_ival_point((double)box->count[op->index]);
      break;
    case CS_OP_DRUG:
      stack[sp++] = make(box->drug_lo[op->index], box->drug_hi[op->index], false);
      break;
    case CS_OP_TIME:
      stack[sp++] = make(box->time_lo, box->time_hi, false);
      break;
    case CS_OP_NEG:
      stack[sp - 1] = neg(stack[sp - 1]);
      break;
    case CS_OP_NOT: {
      const int truth = cs_ival_truth(stack[sp - 1]);
      stack[sp - 1] = decided(truth == 0, truth == 1);
      break;
    }
    case CS_OP_ADD:
    case CS_OP_SUB:
    case CS_OP_MUL:
    case CS_OP_DIV:
    case CS_OP_POW:
    case CS_OP_LT:
    case CS_OP_LE:
    case CS_OP_GT:
    case CS_OP_GE:
    case CS_OP_EQ:
    case CS_OP_NE:
    case CS_OP_AND:
    case CS_OP_OR:
      sp--;
      stack[sp - 1] = binary((cs_op_code)op->code, stack[sp - 1], stack[sp]);
      break;
    case CS_OP_CALL:
      sp -= op->argc;
      stack[sp] = cs_formula_functions[op->index].bound(&stack[sp], op->argc);
      sp++;
      break;
    }
  }
  return (cs_interval){stack[0].lo, stack[0].hi};
}
