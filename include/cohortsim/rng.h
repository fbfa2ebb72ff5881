/* Per-patient random streams.
 *
 * Every random number in cohortsim comes from a stream named by (seed, patient, purpose)
 * and, for per-arm purposes, the arm: never from the rank, the clock or a shared
 * sequence. That is what makes a patient the same person on any number of ranks, after a
 * resume, or in a shard.
 *
 * The generator is Philox4x64-10 (Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011; Random123), a counter-based generator: the key is (seed, patient)
 * and the counter holds the purpose, the arm and a block index, so streams are
 * independent by construction and cost nothing to set up. It is wrapped as a gsl_rng
 * type so GSL's distributions draw from it directly.
 */
#ifndef COHORTSIM_RNG_H
#define COHORTSIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

typedef enum {
  CS_STREAM_PARAMS = 1,   /* the patient's parameters (same in every arm) */
  CS_STREAM_SCHEDULE = 2, /* treatment timing: delays, jitter, missed doses (per arm) */
  CS_STREAM_DYNAMICS = 3  /* the reactions (same in every arm: common random numbers) */
} cs_stream_purpose;

/* The gsl_rng type; gsl_rng_alloc(cs_rng_philox) gives a generator whose stream is then
 * chosen with cs_rng_select_stream. */
extern const gsl_rng_type *const cs_rng_philox;

/* Positions `rng` (allocated with cs_rng_philox) at the start of the stream of
 * (seed, patient, purpose, arm). Pass arm 0 for purposes that do not depend on the arm. */
void cs_rng_select_stream(gsl_rng *rng, uint64_t seed, uint64_t patient, cs_stream_purpose purpose,
                          uint32_t arm);

#endif
