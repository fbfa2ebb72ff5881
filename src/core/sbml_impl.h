/* Private to the SBML reader (sbml_read.c, sbml_math.c): the growing text it writes and
 * what the MathML translator needs to know of the model. The only files that see
 * libsbml. */
#ifndef COHORTSIM_SBML_IMPL_H
#define COHORTSIM_SBML_IMPL_H

#include <sbml/SBMLTypes.h>
#include <sbml/conversion/ConversionProperties.h>

#include "cohortsim/status.h"

/* Text written piece by piece; the first allocation failure sticks (checked once at the
 * end). */
typedef struct cs_sbml_text {
  char *s;
  size_t length, capacity;
  int failed;
} cs_sbml_text;

void cs_sbml_text_add(cs_sbml_text *t, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The text so far ("" when empty or after a failure). */
const char *cs_sbml_text_string(const cs_sbml_text *t);

/* A number as the shortest decimal that reads back to the same double. */
void cs_sbml_text_number(cs_sbml_text *t, double value);

typedef struct cs_sbml_reader {
  Model_t *model;
  const char *origin; /* the SBML file's name in messages */
  cs_error *err;
  /* Model time units per day: the model's time is t * time_scale (t in days), and a
   * propensity per model time unit is time_scale times one per day. */
  double time_scale;
  Reaction_t *reaction; /* whose local parameters are in scope, or NULL */
  int depth;            /* assignment rules being inlined, against a cycle */
} cs_sbml_reader;

/* Fails with "ORIGIN:LINE: KIND 'ID': message" (CS_ERR_COHORT), the line of `element`. */
cs_status cs_sbml_refuse(cs_sbml_reader *r, const void *element, const char *kind, const char *id,
                         const char *format, ...) __attribute__((format(printf, 5, 6)));

/* The name a reaction-local parameter gets in the cohort: REACTION_PARAMETER. */
void cs_sbml_local_name(const char *reaction, const char *parameter, char *name, size_t size);

/* Appends the formula text of `math` (fully bracketed, in cohortsim's formula language)
 * to `out`: species in concentration units read as (X / COMPARTMENT), assignment-rule
 * variables inlined, the local parameters of r->reaction renamed, the time scaled to
 * the model's unit. Refuses what the formula language cannot say, naming `element`
 * (`kind` and `id`) and its line. */
cs_status cs_sbml_math(cs_sbml_reader *r, const ASTNode_t *math, const SBase_t *element,
                       const char *kind, const char *id, cs_sbml_text *out);

/* True if `math` reads a species (directly or through an assignment rule) or the time. */
int cs_sbml_math_reads_state(cs_sbml_reader *r, const ASTNode_t *math);

#endif
