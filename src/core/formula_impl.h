/* Private to the formula modules: the compiled code, the function table and the interval
 * arithmetic its rows use.
 *
 *   formula.c            the parser, which emits the stack code as it reads (folding
 *                        operations on numbers), and the evaluator
 *   formula_functions.c  the function table: one row per function
 *   formula_interval.c   interval arithmetic and cs_formula_bound
 */
#ifndef COHORTSIM_FORMULA_IMPL_H
#define COHORTSIM_FORMULA_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "cohortsim/formula.h"

/* Limits that only malformed or generated input reaches: the evaluators keep their stack
 * on the C stack, and the parser recurses once per nesting level. */
#define CS_FORMULA_MAX_OPS 10000
#define CS_FORMULA_MAX_NESTING 64
#define CS_FORMULA_MAX_STACK 128

typedef enum {
  /* leaves: push one value */
  CS_OP_CONST, /* value */
  CS_OP_PARAM, /* param[index] */
  CS_OP_COUNT, /* count[index] */
  CS_OP_DRUG,  /* drug[index] */
  CS_OP_TIME,
  /* operators: pop their operands, push the result */
  CS_OP_NEG,
  CS_OP_NOT,
  CS_OP_ADD,
  CS_OP_SUB,
  CS_OP_MUL,
  CS_OP_DIV,
  CS_OP_POW,
  CS_OP_LT,
  CS_OP_LE,
  CS_OP_GT,
  CS_OP_GE,
  CS_OP_EQ,
  CS_OP_NE,
  CS_OP_AND,
  CS_OP_OR,
  CS_OP_CALL /* cs_formula_functions[index] of argc arguments */
} cs_op_code;

typedef struct cs_op {
  uint8_t code;  /* cs_op_code */
  uint16_t argc; /* CS_OP_CALL */
  int32_t index; /* PARAM, COUNT, DRUG: the symbol; CALL: the function's row */
  double value;  /* CONST */
} cs_op;

struct cs_formula {
  char *text;
  cs_op *code; /* postfix: operands before their operator */
  int n_ops;
  int max_depth; /* the most values on the stack at once */
};

/* An interval of values, with a flag for "the value may also be NaN" (0/0, sqrt(-1), a
 * piecewise without a true condition): a NaN is in no interval, and a comparison or
 * if() reading one must not be decided from [lo, hi] alone. */
typedef struct cs_ival {
  double lo, hi;
  bool nan;
} cs_ival;

/* One function of the formula language: how it is called, its value and an interval
 * containing its value for arguments in the given intervals. Adding a function is one
 * row of cs_formula_functions. */
typedef struct cs_formula_function {
  const char *name;
  int min_args, max_args; /* max_args < 0: any number */
  bool drug_argument;     /* its one argument is a drug's name (effect, inhibit) */
  double (*value)(const double *arg, int n);
  cs_ival (*bound)(const cs_ival *arg, int n);
} cs_formula_function;

extern const cs_formula_function cs_formula_functions[];

/* The row named `name`, or -1. */
int cs_formula_function_find(const char *name);

/* The operators' values, shared by the evaluator and the folding of numbers. */
static inline double cs_formula_truth(double x)
{
  return x != 0.0 ? 1.0 : 0.0; /* NaN is true, as in C */
}

/* ---- interval arithmetic (formula_interval.c) ---- */

cs_ival cs_ival_point(double x);
cs_ival cs_ival_whole(void); /* [-inf, inf], may be NaN */
cs_ival cs_ival_hull(cs_ival a, cs_ival b);
/* [f(lo), f(hi)] (f increasing on the interval), widened for the library's rounding. */
cs_ival cs_ival_increasing(double (*f)(double), cs_ival a);
/* The same for f decreasing: [f(hi), f(lo)]. */
cs_ival cs_ival_decreasing(double (*f)(double), cs_ival a);
/* Widens by a few units in the last place: library functions (exp, pow, ...) are not
 * correctly rounded, so their results need not be monotone to the last bit. */
cs_ival cs_ival_outward(cs_ival a);
cs_ival cs_ival_pow(cs_ival base, cs_ival exponent);
/* 1 if every value is true (non-zero or NaN), 0 if every value is false, -1 if not
 * decided. */
int cs_ival_truth(cs_ival a);

#endif
