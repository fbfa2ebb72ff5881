/* The reaction network compiled for fast propensity evaluation.
 *
 * A cs_model is built once per cohort and only read afterwards; it knows the structure
 * (which factors each reaction has, which reactions depend on drugs, whether clearance is
 * absorbing). A patient's numbers (rates, factor scales, stoichiometry, elimination
 * rates, initial counts: every expression of the cohort evaluated against that patient's
 * parameters) live in a cs_kinetics, filled by cs_model_bind and reused across patients.
 */
#ifndef COHORTSIM_MODEL_H
#define COHORTSIM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

typedef struct cs_model cs_model;

/* A patient's evaluated numbers; allocate with cs_kinetics_create. */
typedef struct cs_kinetics {
  double *param;          /* [param] the patient's values, which general rate laws read */
  double *rate;           /* [reaction] */
  double *scale;          /* [reaction * CS_FACTOR_MAX + factor]: capacity or half-saturation */
  int64_t *change;        /* [reaction * CS_CHANGE_MAX + change] */
  double *elimination;    /* [drug] per day */
  int64_t *initial;       /* [species] */
  int64_t *burden_change; /* [reaction]: change of the tumour burden per firing */
} cs_kinetics;

/* Compiles the cohort's network. The model keeps a pointer to `cohort`, which must
 * outlive it. */
cs_status cs_model_create(const cs_cohort *cohort, cs_model **model, cs_error *err);

/* Frees a model; accepts NULL and sets *model to NULL. */
void cs_model_destroy(cs_model **model);

const cs_cohort *cs_model_cohort(const cs_model *model);

/* True if reaction r's propensity reads a drug (an effect or inhibition factor, or a
 * general rate law naming a drug): it changes between events. */
bool cs_model_uses_drugs(const cs_model *model, int r);

/* True if reaching zero tumour cells is final: no reaction can create a tumour cell
 * from nothing, so a cleared patient stays cleared. */
bool cs_model_clearance_absorbing(const cs_model *model);

/* The reactions whose propensity may change when reaction r fires (those with a factor
 * on a species r changes, r itself included if so): after a firing only these need
 * re-evaluating. */
void cs_model_dependents(const cs_model *model, int r, const int **dependents, int *n);

/* Tumour burden: the sum of the tumour species. */
int64_t cs_model_burden(const cs_model *model, const int64_t *counts);

cs_status cs_kinetics_create(const cs_model *model, cs_kinetics **kinetics, cs_error *err);
void cs_kinetics_destroy(cs_kinetics **kinetics);

/* Evaluates every expression of the cohort against one patient's parameter values.
 * Fails with CS_ERR_COHORT when a value is unusable for this patient (a negative or
 * non-finite rate, a non-positive scale or elimination rate, a count outside int64),
 * naming the reaction, drug or species; the caller adds the patient and arm. */
cs_status cs_model_bind(const cs_model *model, const double *param_values, cs_kinetics *kinetics,
                        cs_error *err);

/* The drugs as a propensity reads them over a stretch of time: each drug's effect
 * f = C/(1+C) (for the effect and inhibition factors) and its concentration C (for
 * general rate laws) lie between a least and a greatest value. Passing the same arrays
 * as least and greatest gives the drugs at one time. */
typedef struct cs_drug_span {
  const double *effect_min, *effect_max; /* [drug] */
  const double *conc_min, *conc_max;     /* [drug] */
} cs_drug_span;

/* Propensity of reaction r given species counts and the drugs (NULL for a reaction
 * that reads none). Over a span, the result is an upper bound of the propensity at every
 * state in it: drug factors are monotone in f, and a general rate law is bounded by
 * interval arithmetic (cs_formula_bound); at one time it is the propensity itself.
 * The negativity rule: 0 while a consumed species has fewer copies than one firing
 * takes. A general rate law that is negative at the state gives NaN, so that the
 * engines' checks (cs_ssa_check) report it as a propensity that is not a valid number. */
double cs_model_propensity(const cs_model *model, const cs_kinetics *kinetics, int r,
                           const int64_t *counts, const cs_drug_span *drugs);

/* True if reaction r's propensity is held at 0 by the negativity rule at some counts
 * where its factors are not (a consumption no mass-action factor covers): a shortcut
 * that multiplies the factors itself must not be taken for it. */
bool cs_model_guarded(const cs_model *model, int r);

/* True if reaction r has a general rate law that reads a drug: its propensity is not
 * a product of a species part and drug factors (the hybrid engine integrates it whole). */
bool cs_model_drug_formula(const cs_model *model, int r);

/* Applies one firing of reaction r to the counts. */
void cs_model_fire(const cs_model *model, const cs_kinetics *kinetics, int r, int64_t *counts);

#endif
