/* Private to the cohort modules: the YAML reader, behind cohort.h's load functions. */
#ifndef COHORTSIM_COHORT_YAML_H
#define COHORTSIM_COHORT_YAML_H

#include <stddef.h>

#include "cohortsim/cohort.h"
#include "cohortsim/yamltree.h"

/* Reads and validates a cohort from YAML `text` of `length` bytes, applying the --set
 * overrides `sets` first; `origin` names the text in messages. As cs_cohort_load_string
 * (cohort.h): on failure *cohort is NULL and err says what is wrong. */
cs_status cs_cohort_read_yaml(const char *text, size_t length, const char *origin, int n_sets,
                              const char *const *sets, cs_cohort **cohort, cs_error *err);

/* For the other section readers (cohort_observables.c): checks that `name`, the key
 * `node`, is a valid name (a C identifier of fewer than CS_NAME_MAX characters), failing
 * at the node; and keeps a compiled formula for the cohort's lifetime (on failure it is
 * destroyed: CS_ERR_NOMEM). */
cs_status cs_cohort_yaml_check_name(cs_ytree *tree, const yaml_node_t *node, const char *name);
cs_status cs_cohort_yaml_own_formula(cs_cohort *cohort, cs_formula *formula, cs_error *err);

#endif
