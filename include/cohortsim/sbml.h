/* SBML models read with libsbml and written in cohortsim's own model language.
 *
 * The reader turns an SBML Level 2 or 3 core model into the YAML sections `parameters`,
 * `species`, `reactions`, `observables` and `events` of a cohort file (docs/sbml.md),
 * which the cohort reader grafts where a cohort says `model: {sbml: PATH}` and then
 * reads, resolves and checks like a hand-written cohort; `cohortsim import` writes the
 * same text into a cohort file. What cannot be simulated faithfully is refused with one
 * line naming the element's id and its line in the file. libsbml is used by this
 * module's files only (sbml_read.c, sbml_math.c).
 */
#ifndef COHORTSIM_SBML_H
#define COHORTSIM_SBML_H

#include "cohortsim/status.h"

/* The model in cohortsim's language, and where each line of it came from. */
typedef struct cs_sbml_model {
  char *yaml; /* the sections, block-style YAML at the top level */
  int *line;  /* line[i]: the SBML line that YAML line i + 1 was written from (0: none) */
  int n_lines;
  char name[64];       /* the model's id (or "sbml_model"), a valid cohort name */
  char time_note[160]; /* how the time unit was read, for the import's comments */
} cs_sbml_model;

/* Days in one of the time units a cohort may give a model that declares none
 * ("seconds", "minutes", "hours", "days"); 0 for any other word. */
double cs_sbml_unit_days(const char *name);

/* Reads the SBML document `xml` (NUL-terminated; `origin` names it in messages) into
 * `model`. `undeclared_unit_days` is the length in days of one model time unit when the
 * model declares none (0: the cohort said nothing, read one unit as one day); giving it
 * for a model that declares its unit is an error. On failure (CS_ERR_COHORT for an
 * invalid or unsupported model, CS_ERR_NOMEM) `model` holds nothing and err says what is
 * wrong, as "FILE:LINE: KIND 'ID': message". Deterministic: the same text gives the
 * same YAML. */
cs_status cs_sbml_read(const char *xml, const char *origin, double undeclared_unit_days,
                       cs_sbml_model *model, cs_error *err);

/* Frees what cs_sbml_read filled; safe on a zeroed model. */
void cs_sbml_model_free(cs_sbml_model *model);

/* `cohortsim import`: a complete cohort file (*text, allocated) on the SBML model at
 * `path`, with the network written out in the cohort language, one arm, no outcomes,
 * the exact method. `sets` may give followup_days=DAYS and report_every_days=DAYS
 * (defaults 10 and 0.1); any other override is CS_ERR_USAGE. The text is loaded and
 * checked as a cohort before it is returned, so nothing invalid is ever written.
 * Errors as cs_sbml_read, plus CS_ERR_IO for an unreadable file. */
cs_status cs_sbml_import(const char *path, int n_sets, const char *const *sets, char **text,
                         cs_error *err);

#endif
