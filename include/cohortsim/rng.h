/* Per-patient random streams.
 *
 * Every random number in cohortsim comes from a stream named by (seed, patient, purpose)
 * and a sub-stream number (the schedule uses one per drug): never from the rank, the
 * clock or a shared sequence. That is what makes a patient the same person on any number of ranks,
 * after a resume, or in a shard.
 *
 * A stream is named by Philox4x64-10 (Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3", SC 2011; Random123), a counter-based generator and a keyed bijection: key
 * (seed, patient) and counter (0, 0, arm, purpose) give 256 bits that are, for every
 * distinct name, statistically independent. They seed xoshiro256++ (Blackman and
 * Vigna, ACM TOMS 47(4), 2021; period 2^256 - 1), which produces the stream: about four
 * times faster per number than running Philox itself, which matters at tens of millions
 * of events per second, and a patient uses far fewer than 2^64 numbers, so streams
 * started at independent random points of the period never overlap in practice.
 * It is wrapped as a gsl_rng type so GSL's distributions draw from it directly; the
 * engines' inner loops use the inline draws below, which read the same stream without a
 * function call per number.
 */
#ifndef COHORTSIM_RNG_H
#define COHORTSIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

typedef enum {
  CS_STREAM_PARAMS = 1,   /* the patient's parameters (same in every arm) */
  CS_STREAM_SCHEDULE = 2, /* timing: 0 the start delay, 1 + d drug d, 1 + n_drugs + s species s */
  CS_STREAM_DYNAMICS = 3  /* the reactions (same in every arm: common random numbers) */
} cs_stream_purpose;

/* Layers of the exponential ziggurat (Marsaglia and Tsang, J Stat Softw 5(8), 2000). */
#define CS_ZIGGURAT_LAYERS 256

/* The generator's state, visible only so that the inline draws below compile to a few
 * instructions. Treat it as private. */
typedef struct cs_rng_state {
  uint64_t s[4]; /* xoshiro256++ state */
  /* Exponential ziggurat tables, built when the generator is allocated. */
  uint64_t zig_k[CS_ZIGGURAT_LAYERS];
  double zig_w[CS_ZIGGURAT_LAYERS];
  double zig_f[CS_ZIGGURAT_LAYERS];
} cs_rng_state;

/* The gsl_rng type; gsl_rng_alloc(cs_rng_philox) gives a generator whose stream is then
 * chosen with cs_rng_select_stream. */
extern const gsl_rng_type *const cs_rng_philox;

/* Positions `rng` (allocated with cs_rng_philox) at the start of the stream of
 * (seed, patient, purpose, substream). Purposes with a single stream use substream 0. */
void cs_rng_select_stream(gsl_rng *rng, uint64_t seed, uint64_t patient, cs_stream_purpose purpose,
                          uint32_t substream);

static inline uint64_t cs_rng_rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* One step of xoshiro256++ on a state held anywhere: in the generator, or in a hot loop's
 * local copy (cs_rng_local), which the compiler can keep in registers. */
static inline uint64_t cs_xoshiro_next(uint64_t s[4])
{
  const uint64_t result = cs_rng_rotl(s[0] + s[3], 23) + s[0];
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = cs_rng_rotl(s[3], 45);
  return result;
}

/* The top 53 bits as a uniform on [0, 1): every double of that grid equally likely. */
static inline double cs_rng_bits_to_uniform(uint64_t bits)
{
  return (double)(bits >> 11) * 0x1.0p-53;
}

/* The rare ziggurat draws outside the rectangles (about 1.2% of them). */
double cs_rng_exponential_tail(uint64_t s[4], const cs_rng_state *tables, uint64_t bits);

/* Exponential with mean 1, without a logarithm in 98.8% of draws: the low 8 bits of one
 * 64-bit draw pick a layer, the upper 56 bits the point in it. */
static inline double cs_ziggurat_exponential(uint64_t s[4], const cs_rng_state *tables)
{
  const uint64_t bits = cs_xoshiro_next(s);
  const unsigned layer = (unsigned)(bits & (CS_ZIGGURAT_LAYERS - 1));
  const uint64_t point = bits >> 8;
  if (point < tables->zig_k[layer])
    return (double)point * tables->zig_w[layer];
  /* Through a copy, so that only the copy's address escapes to the out-of-line call and
   * a hot loop's state (cs_rng_local) can stay in registers. */
  uint64_t copy[4] = {s[0], s[1], s[2], s[3]};
  const double x = cs_rng_exponential_tail(copy, tables, bits);
  s[0] = copy[0], s[1] = copy[1], s[2] = copy[2], s[3] = copy[3];
  return x;
}

/* The next 64 bits of the stream (the sequence gsl_rng_uniform also reads). */
static inline uint64_t cs_rng_u64(gsl_rng *rng)
{
  return cs_xoshiro_next(((cs_rng_state *)rng->state)->s);
}

/* Uniform on [0, 1) with 53 random bits: the same value gsl_rng_uniform gives. */
static inline double cs_rng_uniform(gsl_rng *rng)
{
  return cs_rng_bits_to_uniform(cs_rng_u64(rng));
}

/* Exponential with mean 1 from the stream (cs_ziggurat_exponential). */
static inline double cs_rng_exponential(gsl_rng *rng)
{
  cs_rng_state *state = rng->state;
  return cs_ziggurat_exponential(state->s, state);
}

/* A stream's position copied out for a hot loop, drawn from with cs_xoshiro_next(s) and
 * cs_ziggurat_exponential(s, tables), and copied back with cs_rng_local_return before
 * anything else draws from the stream. */
typedef struct cs_rng_local {
  uint64_t s[4];
  const cs_rng_state *tables;
} cs_rng_local;

static inline cs_rng_local cs_rng_local_take(gsl_rng *rng)
{
  const cs_rng_state *state = rng->state;
  return (cs_rng_local){.s = {state->s[0], state->s[1], state->s[2], state->s[3]}, .tables = state};
}

static inline void cs_rng_local_return(gsl_rng *rng, const cs_rng_local *local)
{
  cs_rng_state *state = rng->state;
  state->s[0] = local->s[0], state->s[1] = local->s[1];
  state->s[2] = local->s[2], state->s[3] = local->s[3];
}

#endif
