/* Sweeps: a cohort file's `sweep` section, which generates arms over a grid of values.
 *
 *   sweep:
 *     base: triple
 *     axes:
 *       doses.casp.amount: [1, 2.5, 5]
 *       set.immune: [0, 1]
 *
 * Each generated arm is the base arm with one value of every axis applied, named by its
 * values (triple_amount1_immune0, triple_amount1_immune1, ...), the last axis varying
 * fastest. The generated arms are ordinary arms appended after the file's own, so they
 * run on the same patients (common random numbers) and every tool reads them as arms.
 * The syntax and the naming are described in docs/cohort-reference.md ("Sweeps").
 */
#ifndef COHORTSIM_SWEEP_H
#define COHORTSIM_SWEEP_H

#include <stdio.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"
#include "cohortsim/yamltree.h"

#define CS_SWEEP_ARMS_MAX 1000 /* arms one sweep may generate */
#define CS_SWEEP_AXES_MAX 8

/* Reads the sweep section `node` (the tree's key path standing at it) and appends the
 * generated arms to cohort->arm, filling cohort->sweep. The file's arms and parameters
 * must have been read. Errors (CS_ERR_COHORT, at file:line:column and key path): an
 * unknown base arm; an axis key that is unknown, not a scalar (doses.casp) or names a
 * drug the base arm does not give; an empty axis or a repeated value; a value invalid
 * for its key; a grid of more than CS_SWEEP_ARMS_MAX arms or CS_SWEEP_AXES_MAX axes; a
 * generated name longer than CS_NAME_MAX - 1 characters or equal to another arm's. The
 * generated arms' parameter settings are not checked against the model here (the
 * cohort reader does that as for any arm). On failure what was allocated stays in the
 * cohort, for cs_cohort_destroy. Deterministic. */
cs_status cs_sweep_read(cs_ytree *tree, const yaml_node_t *node, cs_cohort *cohort);

/* Frees the axes' values (the generated arms belong to the cohort's arm array). */
void cs_sweep_free(cs_sweep *sweep);

/* The value of axis `axis` in arm `arm`, or NaN when the arm is not a generated one. */
double cs_sweep_arm_value(const cs_sweep *sweep, int arm, int axis);

/* Prints the grid (what `cohortsim check` shows after the arms); nothing without one. */
void cs_sweep_print(const cs_cohort *cohort, FILE *out);

#endif
