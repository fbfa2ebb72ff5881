#include "cohortsim/rng.h"

#include <Random123/philox.h>

/* The stream is a sequence of Philox blocks. The key holds (seed, patient); the counter
 * holds (block index, 0, arm, purpose), so no two streams ever share a block. */
typedef struct cs_philox_state {
  philox4x64_key_t key;
  philox4x64_ctr_t counter;
  philox4x64_ctr_t block; /* the current block's four outputs */
  unsigned next;          /* index of the next unused output in block (4: none left) */
} cs_philox_state;

static uint64_t philox_next(cs_philox_state *s)
{
  if (s->next == 4) {
    s->block = philox4x64(s->counter, s->key);
    s->counter.v[0]++;
    s->next = 0;
  }
  return s->block.v[s->next++];
}

static unsigned long philox_get(void *state)
{
  /* GSL's integer interface expects a fixed range; 32 bits keeps its arithmetic simple. */
  return (unsigned long)(philox_next(state) >> 32);
}

static double philox_get_double(void *state)
{
  /* The top 53 bits give every double in [0, 1) on a 2^-53 grid. */
  return (double)(philox_next(state) >> 11) * 0x1.0p-53;
}

/* gsl_rng_alloc seeds every new generator; the seed becomes the key so a generator is
 * usable before a stream is selected, but cohortsim always selects one. */
static void philox_select(cs_philox_state *s, uint64_t seed, uint64_t patient, uint64_t purpose,
                          uint64_t arm)
{
  s->key.v[0] = seed;
  s->key.v[1] = patient;
  s->counter.v[0] = 0;
  s->counter.v[1] = 0;
  s->counter.v[2] = arm;
  s->counter.v[3] = purpose;
  s->next = 4;
}

static void philox_set(void *state, unsigned long seed)
{
  philox_select(state, seed, 0, 0, 0);
}

static const gsl_rng_type philox_type = {
    .name = "philox4x64-10",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(cs_philox_state),
    .set = philox_set,
    .get = philox_get,
    .get_double = philox_get_double,
};

const gsl_rng_type *const cs_rng_philox = &philox_type;

void cs_rng_select_stream(gsl_rng *rng, uint64_t seed, uint64_t patient, cs_stream_purpose purpose,
                          uint32_t arm)
{
  philox_select(rng->state, seed, patient, (uint64_t)purpose, arm);
}
