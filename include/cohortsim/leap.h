/* The hybrid engine: adaptive explicit tau-leaping where counts are large, exact steps
 * where they are small.
 *
 * Step sizes follow Cao, Gillespie and Petzold (J Chem Phys 124, 044109, 2006): the
 * expected change (net drift) and the standard deviation of every species that a
 * propensity reads must stay within epsilon of its count, so fast but balanced turnover
 * (the danger signal) does not force tiny leaps. Reactions that touch a species with
 * fewer than `critical` copies are critical (Cao, Gillespie and Petzold, J Chem Phys 122,
 * 054104, 2005, extended from reactants to every species a reaction changes): they fire
 * one at a time, exactly, at the times of a thinned Poisson process, while the others
 * leap. So the last tumour cells are simulated exactly even while effectors and the
 * danger signal keep leaping. When a leap would be shorter than a few exact steps, the
 * engine takes exact steps instead (ssa.h).
 *
 * Within a leap, the propensities that depend on drugs are integrated over the leap
 * (closed form for one drug factor, Gauss-Legendre for products), not taken at its
 * start. Leaps stop at doses and at the reporting grid, aim at outcome thresholds
 * rather than jumping over them, and never make a count negative: a leap that would is
 * retried at half the length.
 */
#ifndef COHORTSIM_LEAP_H
#define COHORTSIM_LEAP_H

#include <gsl/gsl_rng.h>

#include "cohortsim/model.h"
#include "cohortsim/ssa.h"
#include "cohortsim/status.h"
#include "cohortsim/trajectory.h"

/* A per-rank workspace, reused across patients. */
typedef struct cs_leap cs_leap;

/* Uses `ssa` (owned by the caller) for the exact stretches. */
cs_status cs_leap_create(const cs_model *model, cs_ssa *ssa, cs_leap **leap, cs_error *err);

/* Frees; accepts NULL and sets *leap to NULL. */
void cs_leap_destroy(cs_leap **leap);

/* Simulates a begun trajectory to the end of follow-up or a final outcome. Like
 * cs_ssa_simulate, it looks at the stop flag and the state (cs_ssa_check, with the
 * flag set on the ssa workspace) every few dozen steps: CS_ERR_INTERRUPTED soon after a
 * stop is asked for, CS_ERR_NUMERIC on a state it cannot go on from. */
cs_status cs_leap_simulate(cs_leap *leap, cs_trajectory *tr, gsl_rng *rng, cs_error *err);

#endif
