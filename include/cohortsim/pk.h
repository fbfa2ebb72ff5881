/* Drug concentrations: one compartment, first-order elimination, bolus doses.
 *
 * Concentrations are in EC50 units. Between doses each drug decays as a single
 * exponential, C(t) = C(t_ref) exp(-k (t - t_ref)), so its level at any time is exact
 * and nothing is ever frozen for a step. A dose adds its amount at its time.
 */
#ifndef COHORTSIM_PK_H
#define COHORTSIM_PK_H

#include "cohortsim/status.h"

typedef struct cs_pk {
  int n_drugs;
  double t_ref;              /* the time at which conc[] holds */
  double *conc;              /* [drug] EC50 units at t_ref */
  const double *elimination; /* [drug] per day; the patient's kinetics, not owned */
} cs_pk;

cs_status cs_pk_create(int n_drugs, cs_pk **pk, cs_error *err);

/* Frees; accepts NULL and sets *pk to NULL. */
void cs_pk_destroy(cs_pk **pk);

/* Starts a patient: every drug at zero at time 0, eliminated at the given rates. */
void cs_pk_reset(cs_pk *pk, const double *elimination);

/* Concentrations at time t >= t_ref. */
void cs_pk_concentration(const cs_pk *pk, double t, double *conc);

/* Effects f = C/(1+C) at time t >= t_ref. */
void cs_pk_effect(const cs_pk *pk, double t, double *effect);

/* Concentrations and effects f = C/(1+C) at time t >= t_ref (as cs_pk_concentration
 * and cs_pk_effect, bit for bit). */
void cs_pk_drugs(const cs_pk *pk, double t, double *conc, double *effect);

/* Gives `amount` EC50 units of `drug` at time t >= t_ref. */
void cs_pk_dose(cs_pk *pk, double t, int drug, double amount);

/* The effect f = C/(1+C) of a concentration C (in EC50 units). */
static inline double cs_pk_effect_of(double concentration)
{
  return concentration / (1.0 + concentration);
}

/* Integral of a drug's effect f = C/(1+C) over an interval without a dose, in closed
 * form, from the concentration c_start at its start, the drug's elimination rate k and
 * decay = exp(-k * length), the factor by which the concentration falls over it: with
 * C(t) = c_start exp(-k t), the integral is (1/k) ln((1 + c_start) / (1 + c_start decay)).
 * 0 for an absent drug. */
double cs_pk_effect_integral(double c_start, double rate, double decay);

/* The largest elimination rate among drugs present (0 if none is): how fast drug
 * effects can change, which sets how far ahead a propensity bound stays tight. */
double cs_pk_fastest_decay(const cs_pk *pk);

#endif
