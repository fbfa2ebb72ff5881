#include "cohortsim/rng.h"

#include <Random123/philox.h>
#include <math.h>

static unsigned long stream_get(void *state)
{
  /* GSL's integer interface expects a fixed range; 32 bits keeps its arithmetic simple. */
  return (unsigned long)(cs_xoshiro_next(((cs_rng_state *)state)->s) >> 32);
}

static double stream_get_double(void *state)
{
  return cs_rng_bits_to_uniform(cs_xoshiro_next(((cs_rng_state *)state)->s));
}

/* The stream's name, through Philox: key (seed, patient), counter (0, 0, substream,
 * purpose).
 * The all-zero state, xoshiro's one fixed point, would need Philox to map a name to zero
 * (probability 2^-256); it is replaced all the same, so no stream is ever stuck. */
static void stream_select(cs_rng_state *s, uint64_t seed, uint64_t patient, uint64_t purpose,
                          uint64_t substream)
{
  const philox4x64_key_t key = {{seed, patient}};
  const philox4x64_ctr_t counter = {{0, 0, substream, purpose}};
  const philox4x64_ctr_t block = philox4x64(counter, key);
  for (int i = 0; i < 4; i++)
    s->s[i] = block.v[i];
  if ((s->s[0] | s->s[1] | s->s[2] | s->s[3]) == 0)
    s->s[0] = 1;
}

/* The ziggurat's 256 layers of equal area under exp(-x), Marsaglia and Tsang (2000):
 * layer i spans [0, x_i); the rightmost edge is r = 7.697117470131487 and each layer's
 * area is v = 3.949659822581572e-3. Points are 56-bit integers, so a layer's width per
 * unit is x_i / 2^56 and its acceptance bound is x_{i-1}/x_i scaled to 2^56. */
static void build_ziggurat(cs_rng_state *s)
{
  const double scale = 0x1.0p56, area = 3.949659822581572e-3;
  double x = 7.697117470131487, x_outer = x;
  const double q = area / exp(-x);
  s->zig_k[0] = (uint64_t)((x / q) * scale);
  s->zig_k[1] = 0;
  s->zig_w[0] = q / scale;
  s->zig_w[CS_ZIGGURAT_LAYERS - 1] = x / scale;
  s->zig_f[0] = 1.0;
  s->zig_f[CS_ZIGGURAT_LAYERS - 1] = exp(-x);
  for (int i = CS_ZIGGURAT_LAYERS - 2; i >= 1; i--) {
    x = -log(area / x + exp(-x));
    s->zig_k[i + 1] = (uint64_t)((x / x_outer) * scale);
    x_outer = x;
    s->zig_f[i] = exp(-x);
    s->zig_w[i] = x / scale;
  }
}

double cs_rng_exponential_tail(uint64_t s[4], const cs_rng_state *tables, uint64_t bits)
{
  for (;;) {
    const unsigned layer = (unsigned)(bits & (CS_ZIGGURAT_LAYERS - 1));
    const uint64_t point = bits >> 8;
    if (point < tables->zig_k[layer])
      return (double)point * tables->zig_w[layer];
    if (layer == 0) /* the tail beyond r is exponential again, shifted by r */
      return 7.697117470131487 - log1p(-cs_rng_bits_to_uniform(cs_xoshiro_next(s)));
    const double x = (double)point * tables->zig_w[layer];
    const double f_low = tables->zig_f[layer], f_high = tables->zig_f[layer - 1];
    if (f_low + cs_rng_bits_to_uniform(cs_xoshiro_next(s)) * (f_high - f_low) < exp(-x))
      return x;
    bits = cs_xoshiro_next(s);
  }
}

/* gsl_rng_alloc sets every new generator: the seed becomes the key so a generator is
 * usable before a stream is selected (cohortsim always selects one), and the ziggurat
 * is built once per generator. */
static void stream_set(void *state, unsigned long seed)
{
  stream_select(state, seed, 0, 0, 0);
  build_ziggurat(state);
}

static const gsl_rng_type stream_type = {
    .name = "philox-xoshiro256++",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(cs_rng_state),
    .set = stream_set,
    .get = stream_get,
    .get_double = stream_get_double,
};

const gsl_rng_type *const cs_rng_philox = &stream_type;

void cs_rng_select_stream(gsl_rng *rng, uint64_t seed, uint64_t patient, cs_stream_purpose purpose,
                          uint32_t substream)
{
  stream_select(rng->state, seed, patient, (uint64_t)purpose, substream);
}
