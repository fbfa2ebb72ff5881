/* Exact answers for the birth-death validation cohort (shared/oracles.md sections 1-2):
 * linear birth-death with a death rate raised by one decaying drug bolus, Kendall's
 * (1948) extinction probability and the mean and variance of the count, with the one
 * remaining integral done by GSL's QAG to 1e-10. Also the simulation of that cohort with
 * the parameters set through --set. */
#ifndef CS_ORACLE_H
#define CS_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "cohortsim/records.h"

typedef struct birth_death {
  double b, d, kd, c0, ke, n0, t_end;
} birth_death;

/* P0(t_end) = [1 - 1/(e^rho(t) + integral_0^t b e^rho(s) ds)]^n0. */
double cs_oracle_extinction_probability(const birth_death *p);

/* E[N(t_end)] = n0 e^{-rho(t)}. */
double cs_oracle_mean_count(const birth_death *p);

/* Var N(t_end) = n0 e^{-2 rho(t)} integral_0^t (b + d(s)) e^{rho(s)} ds. */
double cs_oracle_variance_count(const birth_death *p);

/* Simulates the birth-death validation cohort with these parameters and the given
 * method ("exact" or "hybrid"); fails the test on error. */
cs_records *cs_oracle_simulate(const birth_death *p, const char *method, size_t n_patients,
                               uint64_t seed);

/* The same on a variant of the cohort's text (e.g. a reaction rewritten), which must keep
 * its parameters b, d, kd, C0, ke, n0. */
cs_records *cs_oracle_simulate_text(const birth_death *p, const char *method, const char *text,
                                    size_t n_patients, uint64_t seed);

/* Patients cleared (extinct) by the end of follow-up. */
size_t cs_oracle_count_cleared(const cs_records *records);

#endif
