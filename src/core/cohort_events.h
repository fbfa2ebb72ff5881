/* Private to the cohort modules: reading the `events` lists of a cohort file (the
 * cohort's and each arm's) into cs_cohort.event. See docs/cohort-reference.md "Events".
 */
#ifndef COHORTSIM_COHORT_EVENTS_H
#define COHORTSIM_COHORT_EVENTS_H

#include "cohortsim/cohort.h"
#include "cohortsim/yamltree.h"

#include <stdio.h>

/* Reads the list at `node` (the value of an `events` key, whose key the caller has
 * entered in the tree's path) and appends its events to cohort->event, compiling their
 * formulas into cohort->formula. Timing expressions are checked with the parameter
 * values `values` (the arm's, for an arm's list). A trigger that is exactly `t >= E` or
 * `t > E` (E of parameters) becomes a timed event at E; any other trigger reading the
 * time is refused. Errors name file:line:column and the key path (CS_ERR_COHORT, and
 * CS_ERR_NOMEM). */
cs_status cs_cohort_read_events(cs_ytree *tree, const yaml_node_t *node, cs_cohort *cohort,
                                const double *values);

/* Prints events[first .. first + n) as `cohortsim check` shows them, one a line,
 * indented by `indent` spaces: "reset: at day 25: set X = 50". */
void cs_cohort_print_events(FILE *out, const cs_cohort *cohort, int first, int n, int indent);

#endif
