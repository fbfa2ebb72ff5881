/* Formulas: the general expressions of a cohort's model language (rate laws, observables,
 * event triggers and assignments), parsed once when the file is read and compiled to a
 * compact stack code evaluated per patient and per firing.
 *
 * Grammar (precedence low to high; all operators left-associative except ^):
 *
 *   expr    := or
 *   or      := and ( ("||" | "or") and )*
 *   and     := cmp ( ("&&" | "and") cmp )*
 *   cmp     := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )?
 *   sum     := product ( ("+" | "-") product )*
 *   product := unary ( ("*" | "/") unary )*
 *   unary   := ("-" | "+" | "!" | "not") unary | power
 *   power   := atom ( "^" unary )?          (right-associative: 2^-1, 2^3^2 = 2^9)
 *   atom    := NUMBER | NAME | NAME "(" args ")" | "(" expr ")"
 *
 * Numbers as strtod reads them (1, 1.5, 2e-3, .5; no inf or nan). Truth values are 1 and
 * 0; a value is true when non-zero. Functions: exp, log (natural), log10, sqrt, pow(x, y),
 * min(a, b, ...), max(a, b, ...), abs, floor, ceil, hill(x, K, n) = x^n/(K^n + x^n)
 * (0 at x <= 0), effect(DRUG) = C/(1+C) and inhibit(DRUG) = 1/(1+C) of a drug's
 * concentration C (EC50 units), if(cond, a, b) and piecewise(a1, c1, a2, c2, ..., [else]),
 * the value of the first true condition's branch (SBML's piecewise order; with no true
 * condition and no else, NaN). The names `t` and `time` are the time in days since
 * enrolment, unless the caller's resolver claims them. Every other name is resolved by
 * the caller (a parameter, species, drug, observable); a drug's name alone is its
 * concentration. The words and, or, not are operators, never names.
 *
 * Numerical rules: evaluation follows IEEE double arithmetic; a formula whose value is
 * not finite where it is used is an error of the caller's (a rate law: CS_ERR_NUMERIC).
 *
 * Limits: at most 10,000 operations (after observables are inlined) and 64 levels of
 * nesting; the evaluators keep a fixed stack of 128 values.
 */
#ifndef COHORTSIM_FORMULA_H
#define COHORTSIM_FORMULA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cohortsim/status.h"

/* What a name in a formula stands for. */
typedef enum {
  CS_SYMBOL_PARAM,   /* a parameter: fixed per patient and arm (events may change it) */
  CS_SYMBOL_SPECIES, /* a species count */
  CS_SYMBOL_DRUG,    /* a drug's concentration, EC50 units */
  CS_SYMBOL_TIME,    /* days since enrolment (index unused) */
  CS_SYMBOL_INLINE   /* another compiled formula, substituted in place (an observable) */
} cs_symbol_kind;

typedef struct cs_formula cs_formula;

typedef struct cs_symbol {
  cs_symbol_kind kind;
  int index;                        /* parameter, species or drug index */
  const cs_formula *inline_formula; /* CS_SYMBOL_INLINE */
} cs_symbol;

/* The caller's name table: fills *symbol and returns true if `name` is known. The
 * names `t` and `time` are asked too (the resolver may claim them). */
typedef bool (*cs_symbol_resolver)(void *context, const char *name, cs_symbol *symbol);

/* Compiles `text`. On failure *formula is NULL and err's message says what is wrong
 * ("unknown name 'kk'", "expected ')'"), without a location; *error_column is the
 * 1-based column in `text` where the problem is, for the caller to add to the position
 * of the text in its file. Errors: CS_ERR_SYNTAX (malformed), CS_ERR_COHORT (unknown
 * name or function, wrong number of arguments, effect() or inhibit() of anything but a
 * drug's name, a number too large, a formula beyond the limits), CS_ERR_NOMEM. An
 * operation on numbers only is folded into its value when compiled (with the evaluator
 * itself, so the value is the same to the bit); an inlined formula's code is copied, so
 * it need not outlive this one. The formula is immutable: evaluate it from any thread. */
cs_status cs_formula_compile(const char *text, cs_symbol_resolver resolve, void *context,
                             cs_formula **formula, int *error_column, cs_error *err);

/* Frees; accepts NULL and sets *formula to NULL. */
void cs_formula_destroy(cs_formula **formula);

/* The text it was compiled from. */
const char *cs_formula_text(const cs_formula *formula);

/* The state a formula reads. */
typedef struct cs_formula_state {
  const double *param;  /* [n_params] */
  const int64_t *count; /* [n_species] */
  const double *drug;   /* [n_drugs] concentrations */
  double time;
} cs_formula_state;

/* The value at `state` (only the arrays the formula reads are read; a constant formula
 * accepts NULL). No allocation, no recursion: it runs per reaction firing. */
double cs_formula_eval(const cs_formula *formula, const cs_formula_state *state);

/* A closed interval [lo, hi]; lo may be -inf and hi +inf. */
typedef struct cs_interval {
  double lo, hi;
} cs_interval;

/* The same state with each drug's concentration and the time known only to lie in an
 * interval (a thinning window: concentrations decay monotonically between doses). */
typedef struct cs_formula_box {
  const double *param;
  const int64_t *count;
  const double *drug_lo, *drug_hi; /* [n_drugs] */
  double time_lo, time_hi;
} cs_formula_box;

/* An interval that contains the formula's value at every state in the box (interval
 * arithmetic over the compiled code; comparisons and if() take the hull of the branches
 * that may be chosen). Sound, not tight: for thinning, use its hi as the bound. Where the
 * value is NaN (0/0, log(-1)) no interval holds it; such a value is an error where it is
 * used. Library functions' results are widened by a few units in the last place, since
 * they need not be monotone to the last bit (formula_interval.c). */
cs_interval cs_formula_bound(const cs_formula *formula, const cs_formula_box *box);

/* True if the formula reads symbols of this kind (any index when index < 0). An inlined
 * formula's symbols count as read; CS_SYMBOL_INLINE itself is never (its code is copied). */
bool cs_formula_reads(const cs_formula *formula, cs_symbol_kind kind, int index);

/* True if the formula is a number (no symbol, or only symbols folded away). */
bool cs_formula_is_constant(const cs_formula *formula);

#endif
