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
 *
 * After a firing only the propensities that depend on it are re-evaluated (the
 * dependency graph of Gibson and Bruck, J Phys Chem A 104, 1876, 2000), and waiting
 * times come from a ziggurat exponential, without a logarithm per event.
 */
#ifndef COHORTSIM_SSA_H
#define COHORTSIM_SSA_H

#include <gsl/gsl_rng.h>
#include <signal.h>
#include <stdint.h>

#include "cohortsim/model.h"
#include "cohortsim/status.h"
#include "cohortsim/trajectory.h"

/* A per-rank workspace, reused across patients: nothing is allocated while simulating. */
typedef struct cs_ssa cs_ssa;

cs_status cs_ssa_create(const cs_model *model, cs_ssa **ssa, cs_error *err);

/* Frees; accepts NULL and sets *ssa to NULL. */
void cs_ssa_destroy(cs_ssa **ssa);

/* Prepares for a new patient (sorts its reactions by whether they can fire and whether
 * they depend on drugs). */
void cs_ssa_begin_patient(cs_ssa *ssa, const cs_kinetics *kinetics);

/* Advances the trajectory by exact steps until time t_until (which must not lie beyond
 * the next dose), until max_events reactions have fired, or until the outcome is final,
 * drawing from `rng`. Returns the number of reactions fired. The hybrid engine uses it
 * for the stretches where leaping would not pay. */
int64_t cs_ssa_advance(cs_ssa *ssa, cs_trajectory *tr, gsl_rng *rng, double t_until,
                       int64_t max_events);

/* cs_ssa_advance for a trajectory with state events: one firing at a time, the
 * triggers looked at after each (cs_events_check), until t_until, max_events firings
 * or a final outcome; *fired is the number fired. Fails as cs_events_check does. */
cs_status cs_ssa_advance_watched(cs_ssa *ssa, cs_trajectory *tr, gsl_rng *rng, double t_until,
                                 int64_t max_events, int64_t *fired, cs_error *err);

/* Simulates a begun trajectory exactly to the end of follow-up or a final outcome.
 * At least every 65536 events (about a millisecond) it calls cs_ssa_check, so it
 * fails with CS_ERR_INTERRUPTED soon after a stop is asked for and with CS_ERR_NUMERIC
 * on a state it cannot go on from, the trajectory then left where it stopped. Where the
 * checks fall does not change the path. */
cs_status cs_ssa_simulate(cs_ssa *ssa, cs_trajectory *tr, gsl_rng *rng, cs_error *err);

/* A flag that asks the engines to stop when non-zero (a signal handler's, owned by the
 * caller, who must keep it alive); NULL, the default, for none. Also read by the hybrid
 * engine through cs_ssa_check. */
void cs_ssa_set_stop_flag(cs_ssa *ssa, const volatile sig_atomic_t *stop);

/* The engines' look between batches of events or steps: CS_ERR_INTERRUPTED if a stop was
 * asked for; CS_ERR_NUMERIC, with the simulated time and the species or reaction, if a
 * count is beyond CS_COUNT_MAX or a propensity or their sum is not finite; and, when
 * `work` > 0 events or steps (`unit` names them in the message) took the trajectory from
 * day t_from to now, CS_ERR_NUMERIC if at that pace the rest of follow-up would need
 * more than 2^53 of them (time that stands still or is not a number included). Costs a
 * pass over species and reactions. */
cs_status cs_ssa_check(cs_ssa *ssa, const cs_trajectory *tr, double t_from, double work,
                       const char *unit, cs_error *err);

#endif
