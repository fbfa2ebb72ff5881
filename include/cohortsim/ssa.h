/* The exact stochastic simulation engine: Gillespie's direct method (J Comput Phys 22,
 * 403, 1976; J Phys Chem 81, 2340, 1977) with thinning for drug-dependent propensities.
 *
 * Between events the drug levels decay, so the propensities of drug-dependent reactions
 * change with time. They are handled exactly by thinning against an upper bound over a
 * short look-ahead window (the Extrande method: Voliotis, Thomas, Grima and Bowsher,
 * PLoS Comput Biol 12, e1004923, 2016): candidate events are drawn at the bound's rate
 * and accepted with probability (true propensity)/(bound) at the candidate time. Drug
 * levels are never frozen over a step. Doses are scheduled stops: the engine advances to
 * the dose time, applies the dose, and continues, which is exact because waiting times
 * are memoryless.
 */
#ifndef COHORTSIM_SSA_H
#define COHORTSIM_SSA_H

#include <gsl/gsl_rng.h>

#include "cohortsim/model.h"
#include "cohortsim/outcome.h"
#include "cohortsim/schedule.h"
#include "cohortsim/status.h"

/* A per-rank workspace, reused across patients: nothing is allocated while simulating. */
typedef struct cs_ssa cs_ssa;

cs_status cs_ssa_create(const cs_model *model, cs_ssa **ssa, cs_error *err);

/* Frees; accepts NULL and sets *ssa to NULL. */
void cs_ssa_destroy(cs_ssa **ssa);

/* Simulates one patient in one arm from time 0 to the end of follow-up or a final
 * outcome, drawing every random number from `rng` (the patient's dynamics stream), and
 * fills `record` (whose arrays the caller provides). Deterministic given its inputs. */
cs_status cs_ssa_simulate(cs_ssa *ssa, const cs_kinetics *kinetics, const cs_schedule *schedule,
                          gsl_rng *rng, cs_record *record, cs_error *err);

#endif
