/* The analysis file of `cohortsim analyze -o ANALYSIS.nc` (docs/analysis.md lists its
 * variables; scripts depend on the names). Written under a temporary name and renamed when
 * complete, so the name never holds half a file. */
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_run.h"
#include "cs_version.h"

enum { DIM_ARM, DIM_ARM_OTHER, DIM_COVARIATE, DIM_OUTCOME, DIM_TRAIT, DIM_LEVEL, DIM_TERTILE };

typedef struct writer {
  int ncid;
  const char *path;
  int dim[DIM_TERTILE + 1];
  double *buffer; /* large enough for any variable */
} writer;

/* Defines and writes a double variable over the given dimensions. */
static cs_status put_doubles(const writer *w, const char *name, int n_dims, const int *dims,
                             const char *units, const char *long_name, const double *values,
                             cs_error *err)
{
  int varid, ids[3];
  for (int k = 0; k < n_dims; k++)
    ids[k] = w->dim[dims[k]];
  CS_CALL(cs_analysis_nc_check(nc_def_var(w->ncid, name, NC_DOUBLE, n_dims, ids, &varid), w->path,
                               name, err));
  CS_CALL(cs_analysis_nc_check(nc_put_att_text(w->ncid, varid, "units", strlen(units), units),
                               w->path, name, err));
  CS_CALL(cs_analysis_nc_check(
      nc_put_att_text(w->ncid, varid, "long_name", strlen(long_name), long_name), w->path, name,
      err));
  return cs_analysis_nc_check(nc_put_var_double(w->ncid, varid, values), w->path, name, err);
}

static cs_status put_strings(const writer *w, const char *name, int dim, size_t n,
                             const char *const *values, cs_error *err)
{
  int varid;
  CS_CALL(cs_analysis_nc_check(nc_def_var(w->ncid, name, NC_STRING, 1, &w->dim[dim], &varid),
                               w->path, name, err));
  for (size_t i = 0; i < n; i++) {
    const char *value = values[i];
    CS_CALL(
        cs_analysis_nc_check(nc_put_var1_string(w->ncid, varid, &i, &value), w->path, name, err));
  }
  return CS_OK;
}

static cs_status put_names(const writer *w, const cs_analysis_data *d, cs_error *err)
{
  const size_t most = d->p > (size_t)d->n_arms ? d->p : (size_t)d->n_arms;
  const char **text = malloc((most + CS_PRCC_OUTCOMES) * sizeof *text);
  CS_CHECK(text != NULL, err, CS_ERR_NOMEM, "out of memory");
  for (int a = 0; a < d->n_arms; a++)
    text[a] = d->cohort->arm[d->arm[a]].name;
  cs_status status = put_strings(w, "arm_name", DIM_ARM, (size_t)d->n_arms, text, err);
  if (status == CS_OK)
    status = put_strings(w, "arm_other_name", DIM_ARM_OTHER, (size_t)d->n_arms, text, err);
  if (status == CS_OK)
    status = put_strings(w, "covariate_name", DIM_COVARIATE, d->p, d->name_ptr, err);
  for (size_t j = 0; j < d->p; j++)
    text[j] = d->log_scale[j] ? "log" : "none";
  if (status == CS_OK)
    status = put_strings(w, "covariate_transform", DIM_COVARIATE, d->p, text, err);
  if (status == CS_OK)
    status = put_strings(w, "prcc_outcome_name", DIM_OUTCOME, CS_PRCC_OUTCOMES,
                         cs_prcc_outcome_name, err);
  free(text);
  if (status == CS_OK)
    status = put_doubles(w, "covariate_sd", 1, (int[]){DIM_COVARIATE}, "1",
                         "standard deviation of the (transformed) covariate over the patients",
                         d->sd, err);
  return status;
}

/* Which of a fit's numbers a variable holds. */
enum { FIT_COEF, FIT_SE, FIT_P };

static cs_status put_fit(const writer *w, const cs_analysis_data *d, const cs_analysis_results *res,
                         int kind, cs_error *err)
{
  static const char *const suffix[] = {"coef", "se", "p"};
  static const char *const meaning[] = {("coefficient (log ratio per unit of the transformed "
                                         "covariate, all covariates in one model)"),
                                        "standard error of the coefficient", "Wald p-value"};
  const char *prefix = cs_fit_kinds[kind].prefix;
  char name[64], long_name[256];
  for (int k = FIT_COEF; k <= FIT_P; k++) {
    for (int a = 0; a < d->n_arms; a++) {
      const cs_analysis_fit *f = &res->arm[a].fit[kind];
      for (size_t j = 0; j < d->p; j++)
        w->buffer[(size_t)a * d->p + j] = k == FIT_COEF ? f->coef[j]
                                          : k == FIT_SE ? f->se[j]
                                                        : cs_wald_p(f->coef[j], f->se[j]);
    }
    snprintf(name, sizeof name, "%s_%s", prefix, suffix[k]);
    snprintf(long_name, sizeof long_name, "%s: %s (NaN: no fit, see %s_note)",
             cs_fit_kinds[kind].title, meaning[k], prefix);
    CS_CALL(
        put_doubles(w, name, 2, (int[]){DIM_ARM, DIM_COVARIATE}, "1", long_name, w->buffer, err));
  }
  const char **notes = malloc((size_t)d->n_arms * sizeof *notes);
  CS_CHECK(notes != NULL, err, CS_ERR_NOMEM, "out of memory");
  for (int a = 0; a < d->n_arms; a++) {
    notes[a] = res->arm[a].fit[kind].summary.note;
    w->buffer[a] = res->arm[a].fit[kind].summary.concordance;
  }
  snprintf(name, sizeof name, "%s_note", prefix);
  cs_status status = put_strings(w, name, DIM_ARM, (size_t)d->n_arms, notes, err);
  free(notes);
  if (status == CS_OK && kind != CS_FIT_LOGIT_CLEARED) {
    snprintf(name, sizeof name, "%s_concordance", prefix);
    status = put_doubles(w, name, 1, (int[]){DIM_ARM}, "1",
                         "Harrell's concordance index of the linear predictor", w->buffer, err);
  }
  return status;
}

static cs_status put_prcc(const writer *w, const cs_analysis_data *d,
                          const cs_analysis_results *res, cs_error *err)
{
  for (int with_p = 0; with_p < 2; with_p++) {
    for (int a = 0; a < d->n_arms; a++)
      for (int k = 0; k < CS_PRCC_OUTCOMES; k++)
        memcpy(w->buffer + ((size_t)a * CS_PRCC_OUTCOMES + (size_t)k) * d->p,
               with_p ? res->arm[a].prcc_p[k] : res->arm[a].prcc[k], d->p * sizeof(double));
    CS_CALL(put_doubles(w, with_p ? "prcc_p" : "prcc", 3,
                        (int[]){DIM_ARM, DIM_OUTCOME, DIM_COVARIATE}, "1",
                        with_p ? "p-value of the partial rank correlation coefficient"
                               : "partial rank correlation coefficient (Marino et al. 2008)",
                        w->buffer, err));
  }
  return CS_OK;
}

static cs_status put_rmst(const writer *w, const cs_analysis_data *d,
                          const cs_analysis_results *res, cs_error *err)
{
  const size_t k = (size_t)d->n_arms;
  for (size_t a = 0; a < k; a++)
    w->buffer[a] = res->arm[a].rmst_os;
  CS_CALL(put_doubles(w, "rmst_os", 1, (int[]){DIM_ARM}, "days",
                      "restricted mean overall survival time to rmst_tau_days", w->buffer, err));
  for (size_t a = 0; a < k; a++)
    w->buffer[a] = res->arm[a].rmst_os_se;
  CS_CALL(put_doubles(w, "rmst_os_se", 1, (int[]){DIM_ARM}, "days",
                      "standard error of rmst_os (as R's print(survfit, rmean))", w->buffer, err));
  const int pair[] = {DIM_ARM, DIM_ARM_OTHER};
  CS_CALL(put_doubles(w, "rmst_os_difference", 2, pair, "days",
                      "paired difference rmst_os(arm) - rmst_os(arm_other)", res->rmst_difference,
                      err));
  CS_CALL(put_doubles(w, "rmst_os_difference_se", 2, pair, "days",
                      "paired standard error of rmst_os_difference (influence functions)",
                      res->rmst_difference_se, err));
  for (size_t ab = 0; ab < k * k; ab++)
    w->buffer[ab] = (double)res->cleared_only_a[ab];
  CS_CALL(put_doubles(w, "cleared_only_count", 2, pair, "1",
                      "patients who cleared in arm but not in arm_other", w->buffer, err));
  return put_doubles(w, "mcnemar_cleared_p", 2, pair, "1",
                     "McNemar's exact test of clearance, arm against arm_other", res->mcnemar_p,
                     err);
}

/* Subgroup statistics: sets[a * n_sets + k] is set k (a trait, or the tertiles) of arm
 * a, each with n_groups groups. The values have dimensions dims (the arm, the set if
 * n_sets counts several, the group); the log-rank p-values all but the last of them. */
typedef struct subgroup_sets {
  const cs_subgroups *const *sets;
  size_t n_sets;
  int n_groups;
  int n_dims;
  const int *dims;
  const char *suffix;
} subgroup_sets;

static double group_value(const cs_subgroups *s, int what, int g)
{
  return what == 0 ? (double)s->count[g] : what == 1 ? s->median_os[g] : s->rmst_os[g];
}

static cs_status put_subgroups(const writer *w, const cs_analysis_data *d, const subgroup_sets *g,
                               cs_error *err)
{
  static const char *const stem[] = {"os_count_by_", "os_median_by_", "os_rmst_by_"};
  static const char *const meaning[] = {"patients in the subgroup",
                                        "median overall survival (NaN: not reached)",
                                        "restricted mean overall survival to rmst_tau_days"};
  static const char *const units[] = {"1", "days", "days"};
  const size_t cells = (size_t)d->n_arms * g->n_sets;
  char name[64];
  for (int what = 0; what < 3; what++) {
    for (size_t c = 0; c < cells; c++)
      for (int k = 0; k < g->n_groups; k++)
        w->buffer[c * (size_t)g->n_groups + (size_t)k] = group_value(g->sets[c], what, k);
    snprintf(name, sizeof name, "%s%s", stem[what], g->suffix);
    CS_CALL(put_doubles(w, name, g->n_dims, g->dims, units[what], meaning[what], w->buffer, err));
  }
  for (size_t c = 0; c < cells; c++)
    w->buffer[c] = g->sets[c]->logrank_p;
  snprintf(name, sizeof name, "os_logrank_p_by_%s", g->suffix);
  return put_doubles(w, name, g->n_dims - 1, g->dims, "1", "log-rank test between the subgroups",
                     w->buffer, err);
}

static cs_status put_trait_subgroups(const writer *w, const cs_analysis_data *d,
                                     const cs_analysis_results *res, size_t n_traits, cs_error *err)
{
  const cs_subgroups **sets = malloc(((size_t)d->n_arms * n_traits + 1) * sizeof *sets);
  const char **names = malloc((n_traits + 1) * sizeof *names);
  cs_status status =
      sets == NULL || names == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory") : CS_OK;
  for (size_t j = 0, t = 0; status == CS_OK && j < d->p; j++) {
    if (!d->is_trait[j])
      continue;
    for (int a = 0; a < d->n_arms; a++)
      sets[(size_t)a * n_traits + t] = &res->arm[a].by_trait[j];
    names[t++] = d->name[j];
  }
  if (status == CS_OK)
    status = put_strings(w, "trait_name", DIM_TRAIT, n_traits, names, err);
  const subgroup_sets g = {sets,   n_traits, 2, 3, (const int[]){DIM_ARM, DIM_TRAIT, DIM_LEVEL},
                           "trait"};
  if (status == CS_OK)
    status = put_subgroups(w, d, &g, err);
  free(sets);
  free(names);
  return status;
}

static cs_status put_tertile_subgroups(const writer *w, const cs_analysis_data *d,
                                       const cs_analysis_results *res, cs_error *err)
{
  const char *by = d->name[res->by];
  CS_CALL(
      cs_analysis_nc_check(nc_put_att_text(w->ncid, NC_GLOBAL, "tertile_covariate", strlen(by), by),
                           w->path, "tertile_covariate", err));
  CS_CALL(cs_analysis_nc_check(
      nc_put_att_double(w->ncid, NC_GLOBAL, "tertile_cuts", NC_DOUBLE, 2, res->tertile_cut),
      w->path, "tertile_cuts", err));
  const cs_subgroups **sets = malloc(((size_t)d->n_arms + 1) * sizeof *sets);
  CS_CHECK(sets != NULL, err, CS_ERR_NOMEM, "out of memory");
  for (int a = 0; a < d->n_arms; a++)
    sets[a] = &res->arm[a].by_tertile;
  const subgroup_sets g = {sets, 1, 3, 2, (const int[]){DIM_ARM, DIM_TERTILE}, "tertile"};
  const cs_status status = put_subgroups(w, d, &g, err);
  free(sets);
  return status;
}

static size_t count_traits(const cs_analysis_data *d)
{
  size_t n = 0;
  for (size_t j = 0; j < d->p; j++)
    n += d->is_trait[j];
  return n;
}

static cs_status define_dims(writer *w, const cs_analysis_data *d, const cs_analysis_results *res,
                             cs_error *err)
{
  const struct {
    const char *name;
    size_t length;
  } dims[] = {{"arm", (size_t)d->n_arms},
              {"arm_other", (size_t)d->n_arms},
              {"covariate", d->p},
              {"prcc_outcome", CS_PRCC_OUTCOMES},
              {"trait", count_traits(d)},
              {"trait_level", 2},
              {"tertile", 3}};
  for (int k = 0; k <= DIM_TERTILE; k++) {
    if ((k == DIM_TRAIT || k == DIM_LEVEL) && count_traits(d) == 0)
      continue;
    if (k == DIM_TERTILE && res->by < 0)
      continue;
    CS_CALL(cs_analysis_nc_check(nc_def_dim(w->ncid, dims[k].name, dims[k].length, &w->dim[k]),
                                 w->path, dims[k].name, err));
  }
  return CS_OK;
}

static cs_status put_attributes(const writer *w, const cs_analysis_data *d, cs_error *err)
{
  const struct {
    const char *name, *value;
  } text[] = {{"title", "cohortsim analysis of a finished run"},
              {"source_file", d->path},
              {"software_version", CS_VERSION_STRING},
              {"conventions", "docs/analysis.md"}};
  for (size_t k = 0; k < sizeof text / sizeof text[0]; k++)
    CS_CALL(cs_analysis_nc_check(
        nc_put_att_text(w->ncid, NC_GLOBAL, text[k].name, strlen(text[k].value), text[k].value),
        w->path, text[k].name, err));
  return cs_analysis_nc_check(
      nc_put_att_double(w->ncid, NC_GLOBAL, "rmst_tau_days", NC_DOUBLE, 1, &d->tau), w->path,
      "rmst_tau_days", err);
}

static cs_status write_all(writer *w, const cs_analysis_data *d, const cs_analysis_results *res,
                           cs_error *err)
{
  CS_CALL(define_dims(w, d, res, err));
  CS_CALL(put_attributes(w, d, err));
  CS_CALL(put_names(w, d, err));
  for (int kind = 0; kind < CS_FITS; kind++)
    CS_CALL(put_fit(w, d, res, kind, err));
  CS_CALL(put_prcc(w, d, res, err));
  CS_CALL(put_rmst(w, d, res, err));
  if (count_traits(d) > 0)
    CS_CALL(put_trait_subgroups(w, d, res, count_traits(d), err));
  if (res->by >= 0)
    CS_CALL(put_tertile_subgroups(w, d, res, err));
  return CS_OK;
}

cs_status cs_analysis_write(const char *path, const cs_analysis_data *data,
                            const cs_analysis_results *results, cs_error *err)
{
  char temporary[4096];
  const int length = snprintf(temporary, sizeof temporary, "%s.partial", path);
  CS_CHECK(length > 0 && (size_t)length < sizeof temporary, err, CS_ERR_USAGE,
           "output path too long: %s", path);
  const size_t k = (size_t)data->n_arms;
  /* The largest variable: the PRCCs, the pairs of arms, or the tertiles. */
  const size_t cells = k * (data->p * CS_PRCC_OUTCOMES + k + 3) + 1;
  writer w = {.path = path, .buffer = malloc(cells * sizeof(double))};
  CS_CHECK(w.buffer != NULL, err, CS_ERR_NOMEM, "out of memory");
  const int rc = nc_create(temporary, NC_NETCDF4 | NC_CLOBBER, &w.ncid);
  cs_status status = rc == NC_NOERR ? write_all(&w, data, results, err)
                                    : cs_error_set(err, CS_ERR_IO, "cannot create %s: %s",
                                                   temporary, nc_strerror(rc));
  if (rc == NC_NOERR) {
    const int close_rc = nc_close(w.ncid);
    if (status == CS_OK)
      status = cs_analysis_nc_check(close_rc, w.path, "closing", err);
  }
  if (status == CS_OK && rename(temporary, path) != 0)
    status = cs_error_set(err, CS_ERR_IO, "cannot rename %s to %s", temporary, path);
  if (status != CS_OK)
    remove(temporary);
  free(w.buffer);
  return status;
}
