/* Time courses in the output file: every species and observable of every patient on the
 * reporting grid (record_value for those in `record`, unrecorded_value for the others),
 * and their statistics over the patients of each arm.
 *
 * The statistics are computed from the per-patient values in the file, as the survival
 * statistics and burden quantiles are, so they are the same bit for bit whatever wrote
 * the records: any number of ranks, a resume, shards merged. That is why the values of
 * quantities not in `record` are stored too: a mean or a quantile over patients whose
 * values are gone could not be recomputed by merge or verify.
 */
#include "ncout_timecourse.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <netcdf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/outcome.h"

static cs_status nc_check(int rc, cs_error *err, const char *what)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "NetCDF: %s: %s", what, nc_strerror(rc));
}

/* The name of quantity q (a species, then the observables). */
static const char *quantity_name(const cs_cohort *c, int q)
{
  return q < c->n_species ? c->species[q].name : c->observable[q - c->n_species].name;
}

static cs_status define(int ncid, const char *name, nc_type type, int n_dims, const int *dims,
                        const char *units, const char *long_name, cs_error *err)
{
  int varid;
  CS_CALL(nc_check(nc_def_var(ncid, name, type, n_dims, dims, &varid), err, name));
  CS_CALL(nc_check(nc_put_att_text(ncid, varid, "units", strlen(units), units), err, name));
  return nc_check(nc_put_att_text(ncid, varid, "long_name", strlen(long_name), long_name), err,
                  name);
}

/* The dimension `name` of length n, and its coordinate `name`_name; *dim is -1 when n
 * is 0 (a zero-length dimension would be NetCDF's unlimited one). */
static cs_status define_axis(int ncid, const char *name, int n, const char *what, int *dim,
                             cs_error *err)
{
  *dim = -1;
  if (n == 0)
    return CS_OK;
  char coordinate[NC_MAX_NAME + 1];
  snprintf(coordinate, sizeof coordinate, "%s_name", name);
  CS_CALL(nc_check(nc_def_dim(ncid, name, (size_t)n, dim), err, name));
  return define(ncid, coordinate, NC_STRING, 1, dim, "1", what, err);
}

/* mean, sd and quantiles of one kind of quantity (species or observable) over `dim`. */
static cs_status define_statistics(int ncid, const char *kind, int dim, const char *units,
                                   const cs_timecourse_dims *d, cs_error *err)
{
  char name[NC_MAX_NAME + 1], what[160];
  const int dims[4] = {d->arm, d->time, dim, d->quantile};
  snprintf(name, sizeof name, "%s_mean", kind);
  snprintf(what, sizeof what, "mean over the arm's patients of each %s on the reporting grid",
           kind);
  CS_CALL(define(ncid, name, NC_DOUBLE, 3, dims, units, what, err));
  snprintf(name, sizeof name, "%s_sd", kind);
  snprintf(what, sizeof what,
           "sample standard deviation (n - 1) over the arm's patients of each %s", kind);
  CS_CALL(define(ncid, name, NC_DOUBLE, 3, dims, units, what, err));
  snprintf(name, sizeof name, "%s_quantiles", kind);
  snprintf(what, sizeof what, "quantiles over the arm's patients of each %s", kind);
  return define(ncid, name, NC_DOUBLE, 4, dims, units, what, err);
}

cs_status cs_timecourse_define(int ncid, const cs_cohort *c, const cs_timecourse_dims *d,
                               cs_error *err)
{
  int observable, recorded, unrecorded;
  CS_CALL(define_axis(ncid, "observable", c->n_observables, "observable", &observable, err));
  CS_CALL(define_axis(ncid, "recorded", c->n_recorded, "species or observable recorded", &recorded,
                      err));
  CS_CALL(define_axis(ncid, "unrecorded", cs_records_n_unrecorded(c),
                      "species or observable not recorded (kept for the statistics)", &unrecorded,
                      err));
  /* Counts have unit 1; an observable's unit is its formula's, which the file cannot
   * know: "1" as for every value of the model language (counts, EC50 units). */
  if (c->time_course_statistics)
    CS_CALL(define_statistics(ncid, "species", d->species, "1", d, err));
  if (c->time_course_statistics && observable >= 0)
    CS_CALL(define_statistics(ncid, "observable", observable, "1", d, err));
  if (recorded >= 0) {
    const int dims[4] = {d->arm, d->patient, d->time, recorded};
    CS_CALL(define(ncid, "record_value", NC_DOUBLE, 4, dims, "1",
                   "each patient's value of the recorded species and observables on the "
                   "reporting grid (held after the simulation stops)",
                   err));
  }
  if (unrecorded >= 0) {
    const int dims[4] = {d->arm, d->patient, d->time, unrecorded};
    CS_CALL(define(ncid, "unrecorded_value", NC_DOUBLE, 4, dims, "1",
                   "each patient's value of the species and observables not recorded, on the "
                   "reporting grid (the statistics' input)",
                   err));
  }
  return CS_OK;
}

static cs_status put_name(int ncid, const char *variable, size_t index, const char *name,
                          cs_error *err)
{
  int varid;
  CS_CALL(nc_check(nc_inq_varid(ncid, variable, &varid), err, variable));
  return nc_check(nc_put_var1_string(ncid, varid, &index, &name), err, variable);
}

cs_status cs_timecourse_write_coordinates(int ncid, const cs_cohort *c, cs_error *err)
{
  for (int o = 0; o < c->n_observables; o++)
    CS_CALL(put_name(ncid, "observable_name", (size_t)o, c->observable[o].name, err));
  for (int k = 0; k < c->n_recorded; k++)
    CS_CALL(put_name(ncid, "recorded_name", (size_t)k, quantity_name(c, c->recorded[k]), err));
  int *column = malloc((size_t)(c->n_species + c->n_observables) * sizeof *column);
  if (column == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory writing time course names");
  cs_records_quantity_columns(c, column);
  cs_status status = CS_OK;
  for (int q = 0; q < c->n_species + c->n_observables && status == CS_OK; q++)
    if (column[q] < 0 && column[q] != CS_RECORDS_NOT_STORED)
      status =
          put_name(ncid, "unrecorded_name", (size_t)(-1 - column[q]), quantity_name(c, q), err);
  free(column);
  return status;
}

static cs_status put_values(int ncid, const char *variable, const cs_records *r, size_t width,
                            const double *data, size_t offset, size_t count, size_t file_index,
                            cs_error *err)
{
  if (width == 0)
    return CS_OK;
  int varid;
  CS_CALL(nc_check(nc_inq_varid(ncid, variable, &varid), err, variable));
  for (int arm = 0; arm < r->n_arms; arm++) {
    const size_t start[4] = {(size_t)arm, file_index, 0, 0};
    const size_t shape[4] = {1, count, r->n_grid, width};
    const size_t row = (size_t)arm * r->n_patients + offset;
    CS_CALL(nc_check(nc_put_vara_double(ncid, varid, start, shape, data + row * r->n_grid * width),
                     err, variable));
  }
  return CS_OK;
}

cs_status cs_timecourse_write_patients(int ncid, const cs_records *r, size_t offset, size_t count,
                                       size_t file_index, cs_error *err)
{
  CS_CALL(put_values(ncid, "record_value", r, (size_t)r->n_recorded, r->record_value, offset, count,
                     file_index, err));
  return put_values(ncid, "unrecorded_value", r, (size_t)r->n_unrecorded, r->unrecorded_value,
                    offset, count, file_index, err);
}

/* A block of consecutive grid times of one arm: every patient's record_value or
 * unrecorded_value at (arm, k0 .. k0 + n_times - 1), [(patient * n_times + kk) * width +
 * column]. Whole blocks, rather than one time at a time, keep the number of small reads
 * (each costs HDF5 far more than its bytes) proportional to the memory budget. */
static cs_status read_times(int ncid, const char *variable, size_t arm, size_t k0, size_t n_times,
                            size_t n_patients, size_t width, double *values, cs_error *err)
{
  if (width == 0)
    return CS_OK;
  int varid;
  CS_CALL(nc_check(nc_inq_varid(ncid, variable, &varid), err, variable));
  const size_t start[4] = {arm, 0, k0, 0}, count[4] = {1, n_patients, n_times, width};
  return nc_check(nc_get_vara_double(ncid, varid, start, count, values), err, variable);
}

/* Mean, SD and quantiles of n values (sorted in place); NaN if any value is NaN (an
 * observable undefined for some patient: no order of the values would be meaningful). */
static void summarise(double *values, size_t n, const double *levels, size_t n_levels, double *mean,
                      double *sd, double *quantiles)
{
  bool any_nan = false;
  for (size_t i = 0; i < n; i++)
    any_nan = any_nan || isnan(values[i]);
  if (any_nan) {
    *mean = *sd = NAN;
    for (size_t l = 0; l < n_levels; l++)
      quantiles[l] = NAN;
    return;
  }
  gsl_sort(values, 1, n);
  *mean = gsl_stats_mean(values, 1, n);
  *sd = n > 1 ? gsl_stats_sd_m(values, 1, n, *mean) : NAN;
  for (size_t l = 0; l < n_levels; l++)
    quantiles[l] = gsl_stats_quantile_from_sorted_data(values, 1, n, levels[l]);
}

/* The statistics of one kind of quantity (the species, or the observables) at every grid
 * time of one arm: [k * n + j] and, for the quantiles, [(k * n + j) * n_levels + l]. */
typedef struct {
  size_t n;
  double *mean, *sd, *quantiles;
} arm_statistics;

static bool arm_statistics_alloc(arm_statistics *s, size_t n, size_t n_grid, size_t n_levels)
{
  s->n = n;
  s->mean = malloc((n_grid * n + 1) * sizeof *s->mean);
  s->sd = malloc((n_grid * n + 1) * sizeof *s->sd);
  s->quantiles = malloc((n_grid * n * n_levels + 1) * sizeof *s->quantiles);
  return s->mean != NULL && s->sd != NULL && s->quantiles != NULL;
}

static void arm_statistics_free(arm_statistics *s)
{
  free(s->mean);
  free(s->sd);
  free(s->quantiles);
}

/* Writes one arm's statistics of `kind` at every grid time, one write per variable. */
static cs_status put_statistics(int ncid, const char *kind, size_t arm, size_t n_grid,
                                const arm_statistics *s, size_t n_levels, cs_error *err)
{
  if (s->n == 0)
    return CS_OK;
  char name[NC_MAX_NAME + 1];
  const size_t start[4] = {arm, 0, 0, 0}, count[4] = {1, n_grid, s->n, n_levels};
  const char *suffix[3] = {"mean", "sd", "quantiles"};
  const double *data[3] = {s->mean, s->sd, s->quantiles};
  for (int v = 0; v < 3; v++) {
    int varid;
    snprintf(name, sizeof name, "%s_%s", kind, suffix[v]);
    CS_CALL(nc_check(nc_inq_varid(ncid, name, &varid), err, name));
    CS_CALL(nc_check(nc_put_vara_double(ncid, varid, start, count, data[v]), err, name));
  }
  return CS_OK;
}

/* How many grid times one block read holds: as many as fit in 32 MiB per variable, at
 * least one (a single time of a huge cohort is needed whatever it costs). */
static size_t times_per_block(size_t n_patients, size_t width, size_t n_grid)
{
  const size_t budget = ((size_t)32 << 20) / sizeof(double);
  const size_t per_time = n_patients * (width > 0 ? width : 1);
  const size_t n = budget / per_time;
  return n < 1 ? 1 : n > n_grid ? n_grid : n;
}

cs_status cs_timecourse_write_statistics(int ncid, const cs_cohort *c, int records_ncid,
                                         size_t n_patients, const double *levels, size_t n_levels,
                                         cs_error *err)
{
  if (n_patients == 0 || !c->time_course_statistics)
    return CS_OK;
  const size_t n_grid = cs_outcome_grid_size(c);
  const size_t n_species = (size_t)c->n_species,
               n_quantities = n_species + (size_t)c->n_observables;
  const size_t n_rec = (size_t)c->n_recorded, n_unrec = (size_t)cs_records_n_unrecorded(c);
  const size_t block = times_per_block(n_patients, n_rec > n_unrec ? n_rec : n_unrec, n_grid);
  int *column = malloc(n_quantities * sizeof *column);
  double *recorded = malloc((n_patients * block * n_rec + 1) * sizeof *recorded);
  double *unrecorded = malloc((n_patients * block * n_unrec + 1) * sizeof *unrecorded);
  double *values = malloc(n_patients * sizeof *values);
  arm_statistics kind[2] = {{0}, {0}};
  const char *kind_name[2] = {"species", "observable"};
  cs_status status = CS_OK;
  if (column == NULL || recorded == NULL || unrecorded == NULL || values == NULL ||
      !arm_statistics_alloc(&kind[0], n_species, n_grid, n_levels) ||
      !arm_statistics_alloc(&kind[1], (size_t)c->n_observables, n_grid, n_levels)) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory computing time course statistics");
    goto cleanup;
  }
  cs_records_quantity_columns(c, column);
  for (size_t a = 0; a < (size_t)c->n_arms && status == CS_OK; a++) {
    for (size_t k0 = 0; k0 < n_grid && status == CS_OK; k0 += block) {
      const size_t n_times = n_grid - k0 < block ? n_grid - k0 : block;
      status = read_times(records_ncid, "record_value", a, k0, n_times, n_patients, n_rec, recorded,
                          err);
      if (status == CS_OK)
        status = read_times(records_ncid, "unrecorded_value", a, k0, n_times, n_patients, n_unrec,
                            unrecorded, err);
      for (size_t kk = 0; kk < n_times && status == CS_OK; kk++)
        for (size_t q = 0; q < n_quantities; q++) {
          const int col = column[q];
          const double *from = col >= 0 ? recorded + col : unrecorded + (-1 - col);
          const size_t width = col >= 0 ? n_rec : n_unrec;
          for (size_t i = 0; i < n_patients; i++)
            values[i] = from[(i * n_times + kk) * width];
          const arm_statistics *s = &kind[q < n_species ? 0 : 1];
          const size_t at = (k0 + kk) * s->n + (q < n_species ? q : q - n_species);
          summarise(values, n_patients, levels, n_levels, &s->mean[at], &s->sd[at],
                    &s->quantiles[at * n_levels]);
        }
    }
    for (int t = 0; t < 2 && status == CS_OK; t++)
      status = put_statistics(ncid, kind_name[t], a, n_grid, &kind[t], n_levels, err);
  }
cleanup:
  free(column);
  free(recorded);
  free(unrecorded);
  free(values);
  arm_statistics_free(&kind[0]);
  arm_statistics_free(&kind[1]);
  return status;
}
