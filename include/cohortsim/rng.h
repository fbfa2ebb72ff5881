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
 * type so GSL's distributions draw from it directly; the engines' inner loops use the
 * inline draws below, which read the same stream without a function call per number.
 */
#ifndef COHORTSIM_RNG_H
#define COHORTSIM_RNG_H

#include <Random123/philox.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>

typedef enum {
  CS_STREAM_PARAMS = 1,   /* the patient's parameters (same in every arm) */
  CS_STREAM_SCHEDULE = 2, /* treatment timing: delays, jitter, missed doses (per arm) */
  CS_STREAM_DYNAMICS = 3  /* the reactions (same in every arm: common random numbers) */
} cs_stream_purpose;

/* Layers of the exponential ziggurat (Marsaglia and Tsang, J Stat Softw 5(8), 2000). */
#define CS_ZIGGURAT_LAYERS 256

/* The generator's state, visible only so that the inline draws below compile to a few
 * instructions. Treat it as private. */
typedef struct cs_rng_state {
  philox4x64_key_t key;
  philox4x64_ctr_t counter;
  philox4x64_ctr_t block; /* the current block's four outputs */
  unsigned next;          /* index of the next unused output in block (4: none left) */
  /* Exponential ziggurat tables, built when the generator is allocated. */
  uint64_t zig_k[CS_ZIGGURAT_LAYERS];
  double zig_w[CS_ZIGGURAT_LAYERS];
  double zig_f[CS_ZIGGURAT_LAYERS];
} cs_rng_state;

/* The gsl_rng type; gsl_rng_alloc(cs_rng_philox) gives a generator whose stream is then
 * chosen with cs_rng_select_stream. */
extern const gsl_rng_type *const cs_rng_philox;

/* Positions `rng` (allocated with cs_rng_philox) at the start of the stream of
 * (seed, patient, purpose, arm). Pass arm 0 for purposes that do not depend on the arm. */
void cs_rng_select_stream(gsl_rng *rng, uint64_t seed, uint64_t patient, cs_stream_purpose purpose,
                          uint32_t arm);

/* The next 64 bits of the stream (the sequence gsl_rng_uniform also reads). */
static inline uint64_t cs_rng_u64(gsl_rng *rng)
{
  cs_rng_state *s = rng->state;
  if (s->next == 4) {
    s->block = philox4x64(s->counter, s->key);
    s->counter.v[0]++;
    s->next = 0;
  }
  return s->block.v[s->next++];
}

/* Uniform on [0, 1) with 53 random bits: the same value gsl_rng_uniform gives. */
static inline double cs_rng_uniform(gsl_rng *rng)
{
  return (double)(cs_rng_u64(rng) >> 11) * 0x1.0p-53;
}

/* The rare ziggurat draws outside the rectangles (about 1.2% of them). */
double cs_rng_exponential_tail(gsl_rng *rng, uint64_t bits);

/* Exponential with mean 1, without a logarithm in 98.8% of draws: the low 8 bits of one
 * 64-bit draw pick a layer, the upper 56 bits the point in it. */
static inline double cs_rng_exponential(gsl_rng *rng)
{
  const cs_rng_state *s = rng->state;
  const uint64_t bits = cs_rng_u64(rng);
  const unsigned layer = (unsigned)(bits & (CS_ZIGGURAT_LAYERS - 1));
  const uint64_t point = bits >> 8;
  if (point < s->zig_k[layer])
    return (double)point * s->zig_w[layer];
  return cs_rng_exponential_tail(rng, bits);
}

#endif
