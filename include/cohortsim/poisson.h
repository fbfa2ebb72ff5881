/* Exact Poisson variates for the hybrid engine's leaps, drawn straight from a patient's
 * xoshiro256++ stream (rng.h).
 *
 * Means below 10 use inversion by sequential search (one exp() and about mean + 1
 * multiply-adds per draw). Means of 10 and above use Hoermann's transformed rejection
 * with squeeze, PTRS (W. Hoermann, "The transformed rejection method for generating
 * Poisson random variables", Insurance: Mathematics and Economics 12, 39-45, 1993): its
 * cost does not grow with the mean; two uniforms per try, 1.1 to 1.3 tries per draw, and
 * the squeeze accepts about 80% of draws at large means without a logarithm (fewer near
 * 10, where the rest cost three logarithms).
 *
 * GSL's gsl_ran_poisson is not used on this hot path: at moderate means it draws a gamma
 * variate (tan, log, exp) and a binomial per call, through gsl_rng function pointers,
 * and was the largest single cost of a hybrid simulation.
 */
#ifndef COHORTSIM_POISSON_H
#define COHORTSIM_POISSON_H

#include <stdint.h>

/* Below this mean, inversion; from it on, PTRS (Hoermann validates it for means >= 10). */
#define CS_POISSON_PTRS_FROM 10.0

/* A Poisson variate with the given mean, drawn from the xoshiro256++ state `s` (a
 * cs_rng_local's or a generator's, rng.h), which it advances. Returns 0 for a mean that
 * is not positive (or NaN). Exact up to the resolution of a double (below a mean of
 * 2^53; above it, values are rounded to what a double holds); means of 2^62 and more,
 * beyond any count, give 2^62. Determinism: the result and the numbers consumed depend
 * only on the state and the mean. */
int64_t cs_poisson_draw(uint64_t s[4], double mean);

#endif
