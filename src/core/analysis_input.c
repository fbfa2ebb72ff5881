/* Reading a finished output file for `cohortsim analyze` and `cohortsim report`: the
 * embedded cohort (which says which parameters vary and how), the patients' covariates
 * and each analysed arm's outcomes. The file is opened, checked and required complete by
 * the readers every command shares (cs_ncfile_open, cs_ncfile_require_complete): an
 * analysis of a run in progress would mix patients that exist with the fill values of
 * those that do not. */
#include <math.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_run.h"

cs_status cs_analysis_nc_check(int rc, const char *path, const char *what, cs_error *err)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "%s: %s: %s", path, what, nc_strerror(rc));
}

/* A shard holds some of the patients only: its covariates and outcomes are not the
 * cohort's. */
static cs_status check_whole(const cs_ncfile *file, cs_error *err)
{
  CS_CHECK(file->info.shard_count == 1, err, CS_ERR_USAGE,
           "%s is one shard of %d: merge the shards (cohortsim merge) and analyse the result",
           file->path, file->info.shard_count);
  return CS_OK;
}

static cs_status select_arms(int n_arms, const char *const *arms, cs_analysis_data *d,
                             cs_error *err)
{
  const cs_cohort *c = d->cohort;
  d->n_arms = n_arms > 0 ? n_arms : c->n_arms;
  d->arm = malloc((size_t)d->n_arms * sizeof *d->arm);
  CS_CHECK(d->arm != NULL, err, CS_ERR_NOMEM, "out of memory");
  d->tau = c->followup_days;
  for (int a = 0; a < d->n_arms; a++) {
    d->arm[a] = n_arms > 0 ? cs_cohort_find_arm(c, arms[a]) : a;
    CS_CHECK(d->arm[a] >= 0, err, CS_ERR_USAGE, "%s has no arm '%s' (--arm)", d->path, arms[a]);
    for (int b = 0; b < a; b++)
      CS_CHECK(d->arm[b] != d->arm[a], err, CS_ERR_USAGE, "arm '%s' is named twice (--arm)",
               arms[a]);
  }
  return CS_OK;
}

/* The covariates: every sampled parameter, each trait, and the start delay if it varies;
 * lognormal ones on the log scale. */
static cs_status list_covariates(cs_analysis_data *d, cs_error *err)
{
  const cs_cohort *c = d->cohort;
  const size_t most = (size_t)c->n_params + (size_t)c->n_traits + 1;
  d->name = calloc(most, sizeof *d->name);
  d->log_scale = calloc(most, sizeof *d->log_scale);
  d->is_trait = calloc(most, sizeof *d->is_trait);
  d->name_ptr = calloc(most, sizeof *d->name_ptr);
  CS_CHECK(d->name != NULL && d->log_scale != NULL && d->is_trait != NULL && d->name_ptr != NULL,
           err, CS_ERR_NOMEM, "out of memory");
  for (int j = 0; j < c->n_params; j++)
    if (c->param[j].dist.kind != CS_DIST_FIXED) {
      snprintf(d->name[d->p], sizeof d->name[0], "%s", c->param[j].name);
      d->log_scale[d->p++] = c->param[j].dist.kind == CS_DIST_LOGNORMAL;
    }
  for (int t = 0; t < c->n_traits; t++) {
    snprintf(d->name[d->p], sizeof d->name[0], "trait_%s", c->trait[t].name);
    d->is_trait[d->p++] = true;
  }
  if (c->timing.start_delay_days.kind != CS_DIST_FIXED) {
    snprintf(d->name[d->p], sizeof d->name[0], "start_delay");
    d->log_scale[d->p++] = c->timing.start_delay_days.kind == CS_DIST_LOGNORMAL;
  }
  for (size_t j = 0; j < d->p; j++)
    d->name_ptr[j] = d->name[j];
  return CS_OK;
}

/* The file's variable of covariate j: param_<name>, trait_<name> or start_delay. */
static void variable_name(const cs_analysis_data *d, size_t j, char *name, size_t size)
{
  const bool parameter = !d->is_trait[j] && strcmp(d->name[j], "start_delay") != 0;
  snprintf(name, size, "%s%s", parameter ? "param_" : "", d->name[j]);
}

static double column_sd(const cs_analysis_data *d, size_t j)
{
  double mean = 0, squares = 0;
  for (size_t i = 0; i < d->n; i++)
    mean += d->x[i * d->p + j] / (double)d->n;
  for (size_t i = 0; i < d->n; i++)
    squares += (d->x[i * d->p + j] - mean) * (d->x[i * d->p + j] - mean);
  return d->n > 1 ? sqrt(squares / (double)(d->n - 1)) : NAN;
}

/* Reads covariate j. A lognormal parameter that a trait sets to 0 (or below) for some
 * patients has no logarithm there, so it enters as it is (transform none). */
static cs_status read_covariate(int ncid, cs_analysis_data *d, size_t j, double *column,
                                cs_error *err)
{
  char name[NC_MAX_NAME + 1];
  int varid;
  variable_name(d, j, name, sizeof name);
  CS_CALL(cs_analysis_nc_check(nc_inq_varid(ncid, name, &varid), d->path, name, err));
  CS_CALL(cs_analysis_nc_check(nc_get_var_double(ncid, varid, column), d->path, name, err));
  for (size_t i = 0; i < d->n; i++) {
    CS_CHECK(isfinite(column[i]), err, CS_ERR_NUMERIC, "%s: %s of patient %zu is %g", d->path, name,
             i, column[i]);
    d->log_scale[j] = d->log_scale[j] && column[i] > 0;
  }
  for (size_t i = 0; i < d->n; i++)
    d->x[i * d->p + j] = d->log_scale[j] ? log(column[i]) : column[i];
  d->sd[j] = column_sd(d, j);
  return CS_OK;
}

static cs_status read_covariates(int ncid, cs_analysis_data *d, double *column, cs_error *err)
{
  for (size_t j = 0; j < d->p; j++)
    CS_CALL(read_covariate(ncid, d, j, column, err));
  return CS_OK;
}

/* Reads the analysed arms' rows of an (arm, patient) variable into values[arm * n + i]. */
static cs_status read_outcome(int ncid, const cs_analysis_data *d, const char *name, nc_type type,
                              void *values, cs_error *err)
{
  int varid;
  CS_CALL(cs_analysis_nc_check(nc_inq_varid(ncid, name, &varid), d->path, name, err));
  const size_t size = type == NC_DOUBLE ? sizeof(double) : 1;
  for (int a = 0; a < d->n_arms; a++) {
    const size_t start[2] = {(size_t)d->arm[a], 0}, count[2] = {1, d->n};
    void *row = (unsigned char *)values + (size_t)a * d->n * size;
    CS_CALL(cs_analysis_nc_check(type == NC_DOUBLE
                                     ? nc_get_vara_double(ncid, varid, start, count, row)
                                     : nc_get_vara_uchar(ncid, varid, start, count, row),
                                 d->path, name, err));
  }
  return CS_OK;
}

static cs_status read_outcomes(int ncid, cs_analysis_data *d, cs_error *err)
{
  const size_t cells = (size_t)d->n_arms * d->n + 1;
  d->os_time = malloc(cells * sizeof *d->os_time);
  d->rfs_time = malloc(cells * sizeof *d->rfs_time);
  d->clearance_time = malloc(cells * sizeof *d->clearance_time);
  d->final_burden = malloc(cells * sizeof *d->final_burden);
  d->os_event = malloc(cells);
  d->rfs_event = malloc(cells);
  d->cleared = malloc(cells);
  CS_CHECK(d->os_time != NULL && d->rfs_time != NULL && d->clearance_time != NULL &&
               d->final_burden != NULL && d->os_event != NULL && d->rfs_event != NULL &&
               d->cleared != NULL,
           err, CS_ERR_NOMEM, "out of memory");
  CS_CALL(read_outcome(ncid, d, "os_time", NC_DOUBLE, d->os_time, err));
  CS_CALL(read_outcome(ncid, d, "rfs_time", NC_DOUBLE, d->rfs_time, err));
  CS_CALL(read_outcome(ncid, d, "clearance_time", NC_DOUBLE, d->clearance_time, err));
  CS_CALL(read_outcome(ncid, d, "final_burden", NC_DOUBLE, d->final_burden, err));
  CS_CALL(read_outcome(ncid, d, "os_event", NC_UBYTE, d->os_event, err));
  CS_CALL(read_outcome(ncid, d, "rfs_event", NC_UBYTE, d->rfs_event, err));
  return read_outcome(ncid, d, "cleared", NC_UBYTE, d->cleared, err);
}

cs_status cs_analysis_data_read(const cs_ncfile *file, int n_arms, const char *const *arms,
                                cs_analysis_data *d, cs_error *err)
{
  const int ncid = file->ncid;
  *d =
      (cs_analysis_data){.path = file->path, .cohort = file->cohort, .n = file->info.file_patients};
  cs_status status = check_whole(file, err);
  if (status == CS_OK)
    status = select_arms(n_arms, arms, d, err);
  if (status == CS_OK)
    status = list_covariates(d, err);
  double *column = NULL;
  if (status == CS_OK) {
    d->x = malloc((d->n * d->p + 1) * sizeof *d->x);
    d->sd = malloc((d->p + 1) * sizeof *d->sd);
    column = malloc((d->n + 1) * sizeof *column);
    status = d->x == NULL || d->sd == NULL || column == NULL
                 ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                 : read_covariates(ncid, d, column, err);
  }
  free(column);
  if (status == CS_OK)
    status = read_outcomes(ncid, d, err);
  if (status != CS_OK)
    cs_analysis_data_free(d);
  return status;
}

void cs_analysis_data_free(cs_analysis_data *data)
{
  free(data->arm);
  free(data->name);
  free(data->log_scale);
  free(data->is_trait);
  free(data->name_ptr);
  free(data->x);
  free(data->sd);
  free(data->os_time);
  free(data->rfs_time);
  free(data->clearance_time);
  free(data->final_burden);
  free(data->os_event);
  free(data->rfs_event);
  free(data->cleared);
  *data = (cs_analysis_data){0};
}
