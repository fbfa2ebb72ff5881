/* Private to the cohort modules: the `observables` and `record` sections of a YAML
 * cohort file (docs/cohort-reference.md, "Observables" and "What is recorded"). */
#ifndef COHORTSIM_COHORT_OBSERVABLES_H
#define COHORTSIM_COHORT_OBSERVABLES_H

#include <yaml.h>

#include "cohortsim/cohort.h"
#include "cohortsim/yamltree.h"

/* Reads `observables` (NAME -> formula of parameters, species and drugs) and `record`
 * (species and observable names) from the document's root into `cohort`, whose
 * parameters, species, drugs and reactions are read already. The observables' formulas
 * join cohort->formula. Without `record`, every species and observable is recorded if
 * the cohort has observables or no `outcomes` section, else nothing. Errors
 * (CS_ERR_COHORT, CS_ERR_NOMEM) are recorded in tree->err at file:line:column and key
 * path, the column inside a formula for a problem in it. */
cs_status cs_observables_read(cs_ytree *tree, const yaml_node_t *root, cs_cohort *cohort);

/* The index of the observable named `name` among those read, or -1. */
int cs_observables_find(const cs_cohort *cohort, const char *name);

#endif
