/* Private to the cohort modules (reader, resolver, printer): an expression of parameters
 * (cs_expr, cohort.h) written back as text, and the constant a half-life is turned into
 * an elimination rate with. Evaluation, which the engines need too, is cohort.h's
 * cs_expr_eval.
 */
#ifndef COHORTSIM_COHORT_EXPR_H
#define COHORTSIM_COHORT_EXPR_H

#include <stddef.h>

#include "cohortsim/cohort.h"

#define CS_LN2 0.693147180559945309417232121458176568

/* Writes an expression as a cohort file would: "2*b", "kmax/kill", "0.693147/t_half".
 * Parameter names are those of `cohort`; truncated to `size`. */
void cs_expr_format(char *buffer, size_t size, const cs_expr *expr, const cs_cohort *cohort);

/* The same inside a formula: parenthesised unless it is a single name or number. */
void cs_expr_format_operand(char *buffer, size_t size, const cs_expr *expr,
                            const cs_cohort *cohort);

#endif
