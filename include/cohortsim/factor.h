/* The rate-law factors (cs_factor_kind, cohort.h), each described in one row of one
 * table: the key that names it in a cohort file and the keys it may have, what it reads
 * (a species, a sum of species, a drug's effect), whether it has a scale, how it depends
 * on its drug, and how `cohortsim check` writes it. The reader, the model, the engines
 * and the printer ask this table instead of naming the kinds.
 *
 * Two things per kind stay switches where they are, for speed: the factor's value in
 * cs_model_propensity (model.c), the exact engine's inner loop, and its sensitivity in
 * the hybrid step selection (leap.c). Adding a kind means a row here and a case in each.
 */
#ifndef COHORTSIM_FACTOR_H
#define COHORTSIM_FACTOR_H

#include <stdbool.h>
#include <stdio.h>

#include "cohortsim/cohort.h"

/* What a factor reads: cs_factor's target (a species or a drug) or its sum. */
typedef enum {
  CS_FACTOR_READS_SPECIES, /* target is a species */
  CS_FACTOR_READS_SUM,     /* sum[0 .. n_sum) are species */
  CS_FACTOR_READS_DRUG,    /* target is a drug; the factor is a function of its effect */
  CS_FACTOR_READS_FORMULA  /* whatever the formula names (cs_formula_reads) */
} cs_factor_input;

typedef struct cs_factor_info {
  /* The key naming the kind: {hill: D, half: KD}; NULL for the kinds a file does not
   * write as factors (the reader makes them from reactants and rate laws). */
  const char *key;
  const char *const *allowed; /* every key a factor of this kind may have */
  cs_factor_input input;      /* what the key's value refers to */
  const char *scale_key;      /* the key of cs_factor.scale (capacity, half); NULL: none */
  const char *exponent_key;   /* the key of cs_factor.hill_n; NULL: none */
  /* READS_DRUG: +1 if the factor is the drug's effect, -1 if it is 1 - effect (so it
   * falls as the drug rises); 0 otherwise. */
  int drug_sign;
} cs_factor_info;

/* The number of kinds, and every kind's row, indexed by cs_factor_kind. */
#define CS_FACTOR_KINDS 8
extern const cs_factor_info cs_factor_table[CS_FACTOR_KINDS];

/* The row of a factor's kind. */
const cs_factor_info *cs_factor_info_of(const cs_factor *factor);

/* True if the factor's value depends on the count of `species`. */
bool cs_factor_reads_species(const cs_factor *factor, int species);

/* True if the factor is a function of a drug's effect (an effect or inhibition factor;
 * a general rate law that reads a drug is not: cs_model_drug_formula). Inline: the
 * hybrid engine asks per leap. */
static inline bool cs_factor_reads_drug(const cs_factor *factor)
{
  return cs_factor_table[factor->kind].input == CS_FACTOR_READS_DRUG;
}

/* A drug factor's value at its drug's effect f = C/(1+C): f or 1 - f. */
static inline double cs_factor_of_effect(const cs_factor *factor, double effect)
{
  return cs_factor_table[factor->kind].drug_sign > 0 ? effect : 1.0 - effect;
}

/* Writes the factor as a formula ("max(0, 1 - (A+M)/K)", "f_hma"), names from `cohort`. */
void cs_factor_print(FILE *out, const cs_factor *factor, const cs_cohort *cohort);

#endif
