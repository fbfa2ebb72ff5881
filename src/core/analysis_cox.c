/* Cox proportional-hazards regression (Cox 1972) with Efron's (1977) approximation of the
 * partial likelihood for tied event times, as R's survival::coxph(ties = "efron") fits it,
 * and Harrell's concordance index (Harrell et al. 1982) as survival::concordance counts
 * it: a pair is comparable when the shorter time is an event (a censoring at the time of
 * an event counts as longer; two events at one time are not compared), and ties of the
 * linear predictor count one half. */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_design.h"
#include "cohortsim/analysis.h"

typedef struct cox_data {
  const cs_design *design;
  const double *time;
  const unsigned char *event;
  const size_t *order; /* patients by time, ascending */
  /* Work space: the risk set's sums of w, w z, w z z' and those of the deaths at one
   * time; w = exp(beta' z). */
  double *s1, *s2, *d1, *d2, *eta;
} cox_data;

/* Adds weight w times z and z z' (q and q x q) to sums a1 and a2. */
static void accumulate(size_t q, const double *z, double w, double *a1, double *a2)
{
  for (size_t j = 0; j < q; j++) {
    a1[j] += w * z[j];
    for (size_t k = 0; k <= j; k++)
      a2[j * q + k] += w * z[j] * z[k];
  }
}

/* Efron's terms of one event time with `deaths` deaths: for l = 0..deaths-1, the risk
 * set less l/deaths of the dying's weight. */
static double efron_terms(const cox_data *c, size_t deaths, double s0, double ds0, gsl_vector *u,
                          gsl_matrix *info)
{
  const size_t q = c->design->q;
  double value = 0;
  for (size_t l = 0; l < deaths; l++) {
    const double f = (double)l / (double)deaths;
    const double a0 = s0 - f * ds0;
    value -= log(a0);
    for (size_t j = 0; j < q; j++) {
      const double a1j = c->s1[j] - f * c->d1[j];
      *gsl_vector_ptr(u, j) -= a1j / a0;
      for (size_t k = 0; k <= j; k++) {
        const double a1k = c->s1[k] - f * c->d1[k];
        const double a2 = c->s2[j * q + k] - f * c->d2[j * q + k];
        *gsl_matrix_ptr(info, j, k) += a2 / a0 - a1j * a1k / (a0 * a0);
      }
    }
  }
  return value;
}

/* The log partial likelihood with its score and information, walking the times from the
 * longest down so that each risk set is the previous one plus the patients at the next
 * time. */
static double cox_loglik(const void *data, const gsl_vector *beta, gsl_vector *u, gsl_matrix *info)
{
  const cox_data *c = data;
  const cs_design *d = c->design;
  const size_t q = d->q, n = d->n;
  gsl_vector_set_zero(u);
  gsl_matrix_set_zero(info);
  memset(c->s1, 0, q * sizeof *c->s1);
  memset(c->s2, 0, q * q * sizeof *c->s2);
  for (size_t i = 0; i < n; i++) {
    double eta = 0;
    for (size_t k = 0; k < q; k++)
      eta += gsl_vector_get(beta, k) * d->z[i * q + k];
    c->eta[i] = eta;
  }
  double value = 0, s0 = 0;
  for (size_t end = n; end > 0;) {
    size_t start = end;
    while (start > 0 && c->time[c->order[start - 1]] == c->time[c->order[end - 1]])
      start--;
    memset(c->d1, 0, q * sizeof *c->d1);
    memset(c->d2, 0, q * q * sizeof *c->d2);
    double ds0 = 0;
    size_t deaths = 0;
    for (size_t r = start; r < end; r++) {
      const size_t i = c->order[r];
      const double w = exp(c->eta[i]);
      const double *z = d->z + i * q;
      s0 += w;
      accumulate(q, z, w, c->s1, c->s2);
      if (c->event[i]) {
        deaths++;
        ds0 += w;
        accumulate(q, z, w, c->d1, c->d2);
        value += c->eta[i];
        for (size_t j = 0; j < q; j++)
          *gsl_vector_ptr(u, j) += z[j];
      }
    }
    value += efron_terms(c, deaths, s0, ds0, u, info);
    end = start;
  }
  for (size_t j = 0; j < q; j++)
    for (size_t k = 0; k < j; k++)
      gsl_matrix_set(info, k, j, gsl_matrix_get(info, j, k));
  return value;
}

/* A Fenwick tree of counts over the ranks 1..m of the linear predictor. */
static void tree_add(size_t *tree, size_t m, size_t rank)
{
  for (; rank <= m; rank += rank & (~rank + 1))
    tree[rank]++;
}

static size_t tree_count_to(const size_t *tree, size_t rank)
{
  size_t count = 0;
  for (; rank > 0; rank -= rank & (~rank + 1))
    count += tree[rank];
  return count;
}

/* Harrell's C of risk score eta (higher: earlier event), in O(n log n): patients enter
 * the tree from the longest time down, so at an event time the tree holds exactly the
 * patients it is compared with. */
static cs_status concordance(size_t n, const double *time, const unsigned char *event,
                             const size_t *order, const double *eta, double *c, cs_error *err)
{
  size_t *by_eta = NULL;
  CS_CALL(cs_order_by(n, eta, &by_eta, err));
  size_t *rank = malloc((n + 1) * sizeof *rank), *tree = calloc(n + 1, sizeof *tree);
  if (rank == NULL || tree == NULL) {
    free(by_eta);
    free(rank);
    free(tree);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  }
  size_t m = 0;
  for (size_t r = 0; r < n; r++) {
    if (r == 0 || eta[by_eta[r]] != eta[by_eta[r - 1]])
      m++;
    rank[by_eta[r]] = m;
  }
  double agree = 0, disagree = 0, tied = 0;
  size_t in_tree = 0;
  for (size_t end = n; end > 0;) {
    size_t start = end;
    while (start > 0 && time[order[start - 1]] == time[order[end - 1]])
      start--;
    for (size_t r = start; r < end; r++)
      if (!event[order[r]]) {
        tree_add(tree, m, rank[order[r]]);
        in_tree++;
      }
    for (size_t r = start; r < end; r++) {
      const size_t i = order[r];
      if (!event[i])
        continue;
      const size_t below = tree_count_to(tree, rank[i] - 1);
      const size_t at_or_below = tree_count_to(tree, rank[i]);
      agree += (double)below;
      tied += (double)(at_or_below - below);
      disagree += (double)(in_tree - at_or_below);
    }
    for (size_t r = start; r < end; r++)
      if (event[order[r]]) {
        tree_add(tree, m, rank[order[r]]);
        in_tree++;
      }
    end = start;
  }
  *c = agree + disagree + tied > 0 ? (agree + tied / 2) / (agree + disagree + tied) : NAN;
  free(by_eta);
  free(rank);
  free(tree);
  return CS_OK;
}

/* Fits the kept covariates of design d; a failed fit leaves a note and converged false. */
static cs_status fit_design(const cs_design *d, const double *time, const unsigned char *event,
                            gsl_vector *beta, gsl_matrix *covariance, cs_fit_summary *s,
                            cs_error *err)
{
  cox_data c = {.design = d, .time = time, .event = event};
  const size_t q = d->q;
  size_t *order = NULL;
  cs_status status = cs_order_by(d->n, time, &order, err);
  c.order = order;
  c.s1 = malloc(q * sizeof *c.s1);
  c.d1 = malloc(q * sizeof *c.d1);
  c.s2 = malloc(q * q * sizeof *c.s2);
  c.d2 = malloc(q * q * sizeof *c.d2);
  c.eta = malloc((d->n + 1) * sizeof *c.eta);
  if (status == CS_OK &&
      (c.s1 == NULL || c.d1 == NULL || c.s2 == NULL || c.d2 == NULL || c.eta == NULL))
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  if (status == CS_OK)
    status = cs_newton_maximise(cox_loglik, &c, q, beta, covariance, &s->converged, &s->iterations,
                                &s->loglik, s->note, sizeof s->note, err);
  if (status == CS_OK && s->converged) {
    /* The linear predictor at the estimate: cox_loglik leaves it in c.eta. */
    gsl_vector *u = gsl_vector_alloc(q);
    gsl_matrix *info = gsl_matrix_alloc(q, q);
    if (u == NULL || info == NULL)
      status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
    else
      cox_loglik(&c, beta, u, info);
    if (status == CS_OK)
      status = concordance(d->n, time, event, c.order, c.eta, &s->concordance, err);
    gsl_vector_free(u);
    gsl_matrix_free(info);
  }
  free(order);
  free(c.s1);
  free(c.d1);
  free(c.s2);
  free(c.d2);
  free(c.eta);
  return status;
}

cs_status cs_cox_fit(size_t n, size_t p, const double *x, const char *const *names,
                     const double *time, const unsigned char *event, double *coef, double *se,
                     cs_fit_summary *summary, cs_error *err)
{
  *summary = (cs_fit_summary){.loglik = NAN, .concordance = NAN};
  for (size_t j = 0; j < p; j++)
    coef[j] = se[j] = NAN;
  CS_CALL(cs_check_times(n, time, err));
  cs_design *d = NULL;
  CS_CALL(cs_design_create(n, p, x, names, &d, summary->note, sizeof summary->note, err));
  gsl_vector *beta = NULL;
  gsl_matrix *covariance = NULL;
  cs_status status = CS_OK;
  if (d->q == 0)
    cs_note_append(summary->note, sizeof summary->note, "no fit: no covariate varies");
  else if (cs_count_nonzero(n, event) == 0)
    cs_note_append(summary->note, sizeof summary->note, "no fit: no events");
  else {
    beta = gsl_vector_alloc(d->q);
    covariance = gsl_matrix_alloc(d->q, d->q);
    status = beta == NULL || covariance == NULL
                 ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                 : fit_design(d, time, event, beta, covariance, summary, err);
    if (status == CS_OK)
      cs_design_unscale(d, summary->converged, beta, covariance, coef, se);
  }
  gsl_vector_free(beta);
  gsl_matrix_free(covariance);
  cs_design_destroy(&d);
  return status;
}

double cs_wald_p(double estimate, double std_error)
{
  if (isnan(estimate) || !(std_error > 0))
    return NAN;
  return 2 * gsl_cdf_ugaussian_Q(fabs(estimate / std_error));
}
