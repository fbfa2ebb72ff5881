/* Private to the cohort modules: a cohort's `model: {sbml: PATH}` replaced by the SBML
 * model written in the cohort language (sbml.h), before the tree is read. */
#ifndef COHORTSIM_COHORT_SBML_H
#define COHORTSIM_COHORT_SBML_H

#include "cohortsim/cohort.h"
#include "cohortsim/yamltree.h"

/* If the tree's root has a `model` key, reads the SBML model it names (PATH relative to
 * the cohort file, cohort->path; or the text `embedded`, when not NULL, as an output
 * file embeds it) and grafts its sections into the root: `parameters` entries of the
 * cohort replace the model's of the same name or add parameters, `species` entries of
 * the cohort change keys of the model's species (a name the model lacks is an error),
 * `observables` and `events` of the cohort come after the model's, and a cohort's own
 * `reactions` are refused. Sets cohort->sbml_text and cohort->sbml_path. Errors are
 * located in the cohort file (the `model` key) or the SBML file (its element's line). */
cs_status cs_cohort_sbml_graft(cs_ytree *tree, cs_cohort *cohort, const char *embedded);

#endif
