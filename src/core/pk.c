#include "cohortsim/pk.h"

#include <math.h>
#include <stdlib.h>

cs_status cs_pk_create(int n_drugs, cs_pk **pk, cs_error *err)
{
  *pk = NULL;
  cs_pk *p = calloc(1, sizeof *p);
  if (p != NULL)
    p->conc = calloc((size_t)n_drugs + 1, sizeof *p->conc);
  if (p == NULL || p->conc == NULL) {
    cs_pk_destroy(&p);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating drug state");
  }
  p->n_drugs = n_drugs;
  *pk = p;
  return CS_OK;
}

void cs_pk_destroy(cs_pk **pk)
{
  if (pk == NULL || *pk == NULL)
    return;
  free((*pk)->conc);
  free(*pk);
  *pk = NULL;
}

void cs_pk_reset(cs_pk *pk, const double *elimination)
{
  pk->t_ref = 0;
  pk->elimination = elimination;
  for (int d = 0; d < pk->n_drugs; d++)
    pk->conc[d] = 0;
}

void cs_pk_concentration(const cs_pk *pk, double t, double *conc)
{
  const double dt = t - pk->t_ref;
  for (int d = 0; d < pk->n_drugs; d++)
    conc[d] = pk->conc[d] > 0 ? pk->conc[d] * exp(-pk->elimination[d] * dt) : 0.0;
}

void cs_pk_effect(const cs_pk *pk, double t, double *effect)
{
  cs_pk_concentration(pk, t, effect);
  for (int d = 0; d < pk->n_drugs; d++)
    effect[d] = cs_pk_effect_of(effect[d]);
}

void cs_pk_drugs(const cs_pk *pk, double t, double *conc, double *effect)
{
  cs_pk_concentration(pk, t, conc);
  for (int d = 0; d < pk->n_drugs; d++)
    effect[d] = cs_pk_effect_of(conc[d]);
}

void cs_pk_dose(cs_pk *pk, double t, int drug, double amount)
{
  cs_pk_concentration(pk, t, pk->conc);
  pk->t_ref = t;
  pk->conc[drug] += amount;
}

double cs_pk_effect_integral(double c_start, double rate, double decay)
{
  if (c_start <= 0)
    return 0;
  /* log1p keeps the difference accurate when the concentrations are small. */
  return (log1p(c_start) - log1p(c_start * decay)) / rate;
}

double cs_pk_fastest_decay(const cs_pk *pk)
{
  double fastest = 0;
  for (int d = 0; d < pk->n_drugs; d++)
    if (pk->conc[d] > 0 && pk->elimination[d] > fastest)
      fastest = pk->elimination[d];
  return fastest;
}
