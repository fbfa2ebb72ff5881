/* Private to the cohort modules: the validity rules of values computed from parameters,
 * and the check of a whole cohort's values with one set of parameter values (an arm's
 * settings, a trait's, a sweep's). They read only the cs_cohort, never the file, so
 * they hold for every format a cohort is read from; messages name the key path.
 */
#ifndef COHORTSIM_COHORT_CHECK_H
#define COHORTSIM_COHORT_CHECK_H

#include <stddef.h>

#include "cohortsim/cohort.h"

/* What a value computed from parameters must satisfy: each kind of quantity has one rule,
 * applied both where the expression is read and again with each arm's settings. */
typedef enum {
  CS_RULE_RATE,     /* propensity constants and drug dose amounts: finite, >= 0 */
  CS_RULE_POSITIVE, /* capacities, half-saturations, elimination rates: finite, > 0 */
  CS_RULE_COUNT     /* initial counts, produced amounts, doses into a species: rounded
                       into [0, CS_COUNT_MAX] */
} cs_rule;

/* NULL if `value` satisfies `rule`, else the requirement, for messages. */
const char *cs_rule_violation(cs_rule rule, double value);

/* The rule of a dose plan's amount: copies for a species, EC50 units for a drug. */
cs_rule cs_dose_rule(const cs_dose_plan *plan);

/* Describes in `what` the first value of the model (or of the arm's doses) that `values`
 * (indexed as cohort->param) make invalid, by its key path, and returns 1; else 0. An
 * arm's settings can break what the defaults satisfy, e.g. a half-saturation kmax/kill
 * with kill set to 0. */
int cs_cohort_invalid_values(const cs_cohort *cohort, const cs_arm *arm, const double *values,
                             char *what, size_t size);

#endif
