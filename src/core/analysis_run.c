/* `cohortsim analyze`: every analysis of a finished file, its tables and its file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_design.h"
#include "analysis_run.h"

const cs_fit_kind cs_fit_kinds[CS_FITS] = {
    [CS_FIT_COX_OS] = {"cox_os", "Cox regression of overall survival (Efron ties)", "HR per SD"},
    [CS_FIT_COX_RFS] = {"cox_rfs", "Cox regression of relapse-free survival (Efron ties)",
                        "HR per SD"},
    [CS_FIT_LOGIT_CLEARED] = {"logit_cleared", "Logistic regression of clearance", "OR per SD"},
};

const char *const cs_prcc_outcome_name[CS_PRCC_OUTCOMES] = {"final_burden", "clearance_time",
                                                            "os_time"};

static cs_status alloc_fit(size_t p, cs_analysis_fit *f, cs_error *err)
{
  f->coef = malloc((p + 1) * sizeof *f->coef);
  f->se = malloc((p + 1) * sizeof *f->se);
  CS_CHECK(f->coef != NULL && f->se != NULL, err, CS_ERR_NOMEM, "out of memory");
  return CS_OK;
}

static void free_fit(cs_analysis_fit *f)
{
  free(f->coef);
  free(f->se);
}

/* The sensitivity ranking of arm a. Ranks do not see a log, so the final burden enters
 * as it is; a patient who never cleared ranks after every clearance time. */
static cs_status rank_sensitivity(const cs_analysis_data *d, int a, cs_analysis_arm *r,
                                  double *outcome, cs_error *err)
{
  const size_t n = d->n, offset = (size_t)a * n;
  for (int k = 0; k < CS_PRCC_OUTCOMES; k++) {
    r->prcc[k] = malloc((d->p + 1) * sizeof *r->prcc[k]);
    r->prcc_p[k] = malloc((d->p + 1) * sizeof *r->prcc_p[k]);
    CS_CHECK(r->prcc[k] != NULL && r->prcc_p[k] != NULL, err, CS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      const double clearance = d->clearance_time[offset + i];
      outcome[i] = k == CS_PRCC_FINAL_BURDEN     ? d->final_burden[offset + i]
                   : k == CS_PRCC_CLEARANCE_TIME ? (isnan(clearance) ? HUGE_VAL : clearance)
                                                 : d->os_time[offset + i];
    }
    CS_CALL(cs_prcc(n, d->p, d->x, d->name_ptr, outcome, r->prcc[k], r->prcc_p[k], r->prcc_note[k],
                    sizeof r->prcc_note[k], err));
  }
  return CS_OK;
}

static cs_status describe_subgroups(const cs_analysis_data *d, const cs_analysis_results *res,
                                    int a, cs_analysis_arm *r, int *group, cs_error *err)
{
  const size_t n = d->n, offset = (size_t)a * n;
  r->by_trait = calloc(d->p + 1, sizeof *r->by_trait);
  CS_CHECK(r->by_trait != NULL, err, CS_ERR_NOMEM, "out of memory");
  for (size_t j = 0; j < d->p; j++) {
    if (!d->is_trait[j])
      continue;
    for (size_t i = 0; i < n; i++)
      group[i] = d->x[i * d->p + j] != 0;
    CS_CALL(cs_subgroups_describe(n, d->os_time + offset, d->os_event + offset, group, 2, d->tau,
                                  &r->by_trait[j], err));
  }
  if (res->by < 0)
    return CS_OK;
  return cs_subgroups_describe(n, d->os_time + offset, d->os_event + offset, res->tertile, 3,
                               d->tau, &r->by_tertile, err);
}

static cs_status analyse_arm(const cs_analysis_data *d, const cs_analysis_results *res, int a,
                             cs_analysis_arm *r, double *outcome, int *group, cs_error *err)
{
  const size_t n = d->n, p = d->p, offset = (size_t)a * n;
  cs_analysis_fit *f = r->fit;
  for (int k = 0; k < CS_FITS; k++)
    CS_CALL(alloc_fit(p, &f[k], err));
  CS_CALL(cs_cox_fit(n, p, d->x, d->name_ptr, d->os_time + offset, d->os_event + offset,
                     f[CS_FIT_COX_OS].coef, f[CS_FIT_COX_OS].se, &f[CS_FIT_COX_OS].summary, err));
  CS_CALL(cs_cox_fit(n, p, d->x, d->name_ptr, d->rfs_time + offset, d->rfs_event + offset,
                     f[CS_FIT_COX_RFS].coef, f[CS_FIT_COX_RFS].se, &f[CS_FIT_COX_RFS].summary,
                     err));
  CS_CALL(cs_logit_fit(n, p, d->x, d->name_ptr, d->cleared + offset, f[CS_FIT_LOGIT_CLEARED].coef,
                       f[CS_FIT_LOGIT_CLEARED].se, &f[CS_FIT_LOGIT_CLEARED].summary, err));
  r->os_events = cs_count_nonzero(n, d->os_event + offset);
  r->rfs_events = cs_count_nonzero(n, d->rfs_event + offset);
  r->n_cleared = cs_count_nonzero(n, d->cleared + offset);
  CS_CALL(cs_rmst(n, d->os_time + offset, d->os_event + offset, d->tau, &r->rmst_os, &r->rmst_os_se,
                  err));
  CS_CALL(rank_sensitivity(d, a, r, outcome, err));
  return describe_subgroups(d, res, a, r, group, err);
}

static cs_status compare_arms(const cs_analysis_data *d, cs_analysis_results *res, cs_error *err)
{
  const size_t n = d->n, k = (size_t)d->n_arms;
  res->rmst_difference = malloc((k * k + 1) * sizeof *res->rmst_difference);
  res->rmst_difference_se = malloc((k * k + 1) * sizeof *res->rmst_difference_se);
  res->mcnemar_p = malloc((k * k + 1) * sizeof *res->mcnemar_p);
  res->cleared_only_a = calloc(k * k + 1, sizeof *res->cleared_only_a);
  CS_CHECK(res->rmst_difference != NULL && res->rmst_difference_se != NULL &&
               res->mcnemar_p != NULL && res->cleared_only_a != NULL,
           err, CS_ERR_NOMEM, "out of memory");
  for (size_t a = 0; a < k; a++)
    for (size_t b = 0; b < k; b++) {
      const size_t ab = a * k + b;
      CS_CALL(cs_rmst_paired_difference(
          n, d->os_time + a * n, d->os_event + a * n, d->os_time + b * n, d->os_event + b * n,
          d->tau, &res->rmst_difference[ab], &res->rmst_difference_se[ab], err));
      for (size_t i = 0; i < n; i++)
        res->cleared_only_a[ab] += d->cleared[a * n + i] && !d->cleared[b * n + i];
    }
  for (size_t a = 0; a < k; a++)
    for (size_t b = 0; b < k; b++)
      res->mcnemar_p[a * k + b] =
          cs_mcnemar_exact_p(res->cleared_only_a[a * k + b], res->cleared_only_a[b * k + a]);
  return CS_OK;
}

/* The covariate named `by`, which must vary. */
static cs_status find_by(const cs_analysis_data *d, const char *by, int *index, cs_error *err)
{
  *index = -1;
  if (by == NULL)
    return CS_OK;
  for (size_t j = 0; j < d->p; j++)
    if (strcmp(d->name[j], by) == 0)
      *index = (int)j;
  CS_CHECK(*index >= 0, err, CS_ERR_USAGE,
           "%s: no covariate '%s' (--by): the covariates are the sampled parameters, "
           "trait_<name> and start_delay (cohortsim analyze lists them)",
           d->path, by);
  bool varies = false;
  for (size_t i = 1; i < d->n; i++)
    varies = varies || d->x[i * d->p + (size_t)*index] != d->x[*index];
  CS_CHECK(varies, err, CS_ERR_USAGE,
           "%s: covariate '%s' (--by) has the same value for every "
           "patient, so it has no tertiles",
           d->path, by);
  return CS_OK;
}

cs_status cs_analysis_compute(const cs_analysis_data *data, const char *by,
                              cs_analysis_results *results, cs_error *err)
{
  *results = (cs_analysis_results){0};
  CS_CALL(find_by(data, by, &results->by, err));
  results->arm = calloc((size_t)data->n_arms, sizeof *results->arm);
  results->tertile = malloc((data->n + 1) * sizeof *results->tertile);
  double *outcome = malloc((data->n + 1) * sizeof *outcome);
  int *group = malloc((data->n + 1) * sizeof *group);
  cs_status status =
      results->arm == NULL || results->tertile == NULL || outcome == NULL || group == NULL
          ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
          : CS_OK;
  if (status == CS_OK && results->by >= 0)
    status = cs_tertile_groups(data->n, data->p, data->x, (size_t)results->by, results->tertile_cut,
                               results->tertile, err);
  for (int a = 0; a < data->n_arms && status == CS_OK; a++) {
    status = analyse_arm(data, results, a, &results->arm[a], outcome, group, err);
    if (status != CS_OK)
      cs_error_add_context(err, "arm %s", data->cohort->arm[data->arm[a]].name);
  }
  if (status == CS_OK)
    status = compare_arms(data, results, err);
  free(outcome);
  free(group);
  return status;
}

void cs_analysis_results_free(const cs_analysis_data *data, cs_analysis_results *results)
{
  for (int a = 0; results->arm != NULL && a < data->n_arms; a++) {
    cs_analysis_arm *r = &results->arm[a];
    for (int k = 0; k < CS_FITS; k++)
      free_fit(&r->fit[k]);
    for (int k = 0; k < CS_PRCC_OUTCOMES; k++) {
      free(r->prcc[k]);
      free(r->prcc_p[k]);
    }
    free(r->by_trait);
  }
  free(results->arm);
  free(results->tertile);
  free(results->rmst_difference);
  free(results->rmst_difference_se);
  free(results->mcnemar_p);
  free(results->cleared_only_a);
  *results = (cs_analysis_results){0};
}

cs_status cs_analysis_run(const cs_analysis_request *request, FILE *report, cs_error *err)
{
  cs_ncfile *file = NULL;
  cs_analysis_data data = {0};
  cs_analysis_results results = {0};
  cs_status status = cs_ncfile_open(request->path, &file, err);
  if (status == CS_OK)
    status = cs_ncfile_require_complete(file, err);
  if (status == CS_OK)
    status = cs_analysis_data_read(file, request->n_arms, request->arms, &data, err);
  if (status == CS_OK)
    status = cs_analysis_compute(&data, request->by, &results, err);
  if (status == CS_OK && request->output_path != NULL)
    status = cs_analysis_write(request->output_path, &data, &results, err);
  if (status == CS_OK)
    cs_analysis_print(&data, &results, report);
  cs_analysis_results_free(&data, &results);
  cs_analysis_data_free(&data);
  cs_ncfile_close(&file);
  return status;
}
