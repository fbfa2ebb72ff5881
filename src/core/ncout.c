#include "cohortsim/ncout.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cohortsim/ncschema.h"
#include "cohortsim/outcome.h"
#include "cohortsim/sweep.h"
#include "cs_version.h"
#include "ncout_timecourse.h"

/* Dimensions, in the order of dim[] below. */
enum {
  DIM_PATIENT,
  DIM_ARM,
  DIM_ARM_OTHER,
  DIM_TIME,
  DIM_REACTION,
  DIM_SPECIES,
  DIM_QUANTILE,
  DIM_CHUNK,
  DIM_COUNT
};

/* The burden quantiles reported on the grid. */
static const double burden_quantile[] = {0.05, 0.25, 0.5, 0.75, 0.95};
#define N_QUANTILES (sizeof burden_quantile / sizeof burden_quantile[0])

/* Per-patient variables, in the order of record_var[] below. */
enum {
  REC_OS_TIME,
  REC_OS_EVENT,
  REC_RFS_TIME,
  REC_RFS_EVENT,
  REC_CLEARED,
  REC_CLEARANCE_TIME,
  REC_MRD_NEGATIVE_TIME,
  REC_RELAPSE_TIME,
  REC_FINAL_BURDEN,
  REC_EVENTS,
  REC_REACTION_COUNT,
  REC_SPECIES_PEAK,
  REC_BURDEN,
  REC_COUNT
};

/* Cohort statistics, in the order of stat_var[] below. */
enum {
  STAT_OS_SURVIVAL,
  STAT_OS_LOWER,
  STAT_OS_UPPER,
  STAT_OS_AT_RISK,
  STAT_RFS_SURVIVAL,
  STAT_RFS_LOWER,
  STAT_RFS_UPPER,
  STAT_RFS_AT_RISK,
  STAT_CLEARANCE_FRACTION,
  STAT_CLEARANCE_LOWER,
  STAT_CLEARANCE_UPPER,
  STAT_MEDIAN_OS,
  STAT_MEDIAN_OS_LOWER,
  STAT_MEDIAN_OS_UPPER,
  STAT_MEDIAN_CLEARANCE_TIME,
  STAT_LOGRANK_P,
  STAT_COUNT
};

typedef struct var_spec {
  const char *name;
  nc_type type;
  int n_dims;
  int dims[3];
  const char *units;
  const char *long_name;
  bool nan_fill; /* "never" or "not reached" is NaN */
} var_spec;

#define PATIENT_DIMS                                                                               \
  2,                                                                                               \
  {                                                                                                \
    DIM_ARM, DIM_PATIENT, 0                                                                        \
  }
#define CURVE_DIMS                                                                                 \
  2,                                                                                               \
  {                                                                                                \
    DIM_ARM, DIM_TIME, 0                                                                           \
  }
#define ARM_DIMS                                                                                   \
  1,                                                                                               \
  {                                                                                                \
    DIM_ARM, 0, 0                                                                                  \
  }

static const var_spec record_var[REC_COUNT] = {
    {"os_time", NC_DOUBLE, PATIENT_DIMS, "days", "overall survival time (death or censoring)",
     false},
    {"os_event", NC_UBYTE, PATIENT_DIMS, "1", "1 = death from disease, 0 = censored", false},
    {"rfs_time", NC_DOUBLE, PATIENT_DIMS, "days",
     "relapse-free survival time (relapse, death or censoring)", false},
    {"rfs_event", NC_UBYTE, PATIENT_DIMS, "1", "1 = relapse or death, 0 = censored", false},
    {"cleared", NC_UBYTE, PATIENT_DIMS, "1", "1 = tumour burden reached zero", false},
    {"clearance_time", NC_DOUBLE, PATIENT_DIMS, "days", "time the tumour burden reached zero",
     true},
    {"mrd_negative_time", NC_DOUBLE, PATIENT_DIMS, "days",
     "first time the burden fell below the MRD level", true},
    {"relapse_time", NC_DOUBLE, PATIENT_DIMS, "days",
     "first time the burden rose back to the relapse level after MRD negativity", true},
    {"final_burden", NC_DOUBLE, PATIENT_DIMS, "1",
     "tumour burden (cells) when the simulation stopped", false},
    {"events", NC_INT64, PATIENT_DIMS, "1", "reactions fired plus leaps taken", false},
    {"reaction_count",
     NC_INT64,
     3,
     {DIM_ARM, DIM_PATIENT, DIM_REACTION},
     "1",
     "times each reaction fired",
     false},
    {"species_peak",
     NC_DOUBLE,
     3,
     {DIM_ARM, DIM_PATIENT, DIM_SPECIES},
     "1",
     "largest count of each species",
     false},
    {"burden",
     NC_DOUBLE,
     3,
     {DIM_ARM, DIM_PATIENT, DIM_TIME},
     "1",
     "tumour burden (cells) on the reporting grid (held after a final outcome)",
     false},
};

static const var_spec stat_var[STAT_COUNT] = {
    {"os_survival", NC_DOUBLE, CURVE_DIMS, "1", "Kaplan-Meier overall survival S(t) = P(T > t)",
     false},
    {"os_lower", NC_DOUBLE, CURVE_DIMS, "1",
     "overall survival, lower 95% limit (Greenwood, log scale)", false},
    {"os_upper", NC_DOUBLE, CURVE_DIMS, "1",
     "overall survival, upper 95% limit (Greenwood, log scale)", false},
    {"os_at_risk", NC_INT64, CURVE_DIMS, "1", "patients at risk for overall survival (T >= t)",
     false},
    {"rfs_survival", NC_DOUBLE, CURVE_DIMS, "1", "Kaplan-Meier relapse-free survival", false},
    {"rfs_lower", NC_DOUBLE, CURVE_DIMS, "1",
     "relapse-free survival, lower 95% limit (Greenwood, log scale)", false},
    {"rfs_upper", NC_DOUBLE, CURVE_DIMS, "1",
     "relapse-free survival, upper 95% limit (Greenwood, log scale)", false},
    {"rfs_at_risk", NC_INT64, CURVE_DIMS, "1",
     "patients at risk for relapse-free survival (T >= t)", false},
    {"clearance_fraction", NC_DOUBLE, ARM_DIMS, "1", "fraction of patients cleared", false},
    {"clearance_lower", NC_DOUBLE, ARM_DIMS, "1", "clearance fraction, lower 95% limit (Wilson)",
     false},
    {"clearance_upper", NC_DOUBLE, ARM_DIMS, "1", "clearance fraction, upper 95% limit (Wilson)",
     false},
    {"median_os", NC_DOUBLE, ARM_DIMS, "days", "median overall survival (NaN: not reached)", true},
    {"median_os_lower", NC_DOUBLE, ARM_DIMS, "days", "median overall survival, lower 95% limit",
     true},
    {"median_os_upper", NC_DOUBLE, ARM_DIMS, "days", "median overall survival, upper 95% limit",
     true},
    {"median_clearance_time", NC_DOUBLE, ARM_DIMS, "days",
     "median time to clearance among the patients who cleared (NaN: none)", true},
    {"logrank_p",
     NC_DOUBLE,
     2,
     {DIM_ARM, DIM_ARM_OTHER, 0},
     "1",
     "log-rank p-value of overall survival between two arms",
     false},
};

struct cs_ncout {
  int ncid;
  const cs_cohort *cohort;
  size_t n_patients;    /* in this file */
  size_t first_patient; /* the cohort index of this file's first patient */
  size_t n_chunks;
  int chunk_done_varid;
  int quantile_varid, burden_quantiles_varid;
  int dim[DIM_COUNT];
  int record_varid[REC_COUNT];
  int stat_varid[STAT_COUNT];
  int *param_varid; /* [param] */
  int *trait_varid; /* [trait] */
  int start_delay_varid;
  int time_varid, arm_name_varid, reaction_name_varid, species_name_varid;
};

static cs_status nc_check(int rc, cs_error *err, const char *what)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "NetCDF: %s: %s", what, nc_strerror(rc));
}

/* Reads a global attribute that must hold one value of `type`. nc_get_att copies every
 * value the file holds, so a tampered attribute with several would overflow `value`. */
static int get_scalar_attribute(int ncid, const char *name, nc_type type, void *value)
{
  nc_type found;
  size_t length;
  int rc = nc_inq_att(ncid, NC_GLOBAL, name, &found, &length);
  if (rc == NC_NOERR && (found != type || length != 1))
    rc = NC_EBADTYPE;
  return rc == NC_NOERR ? nc_get_att(ncid, NC_GLOBAL, name, value) : rc;
}

static cs_status put_text_att(int ncid, int varid, const char *name, const char *value,
                              cs_error *err)
{
  return nc_check(nc_put_att_text(ncid, varid, name, strlen(value), value), err, name);
}

static cs_status define_var(cs_ncout *o, const var_spec *spec, int *varid, cs_error *err)
{
  int dimids[3];
  for (int d = 0; d < spec->n_dims; d++)
    dimids[d] = o->dim[spec->dims[d]];
  CS_CALL(nc_check(nc_def_var(o->ncid, spec->name, spec->type, spec->n_dims, dimids, varid), err,
                   spec->name));
  CS_CALL(put_text_att(o->ncid, *varid, "units", spec->units, err));
  CS_CALL(put_text_att(o->ncid, *varid, "long_name", spec->long_name, err));
  if (spec->nan_fill) {
    const double fill = NAN;
    CS_CALL(nc_check(nc_put_att_double(o->ncid, *varid, "_FillValue", NC_DOUBLE, 1, &fill), err,
                     spec->name));
  }
  return CS_OK;
}

static cs_status define_coordinates(cs_ncout *o, cs_error *err)
{
  const cs_cohort *c = o->cohort;
  CS_CALL(nc_check(nc_def_dim(o->ncid, "patient", o->n_patients, &o->dim[DIM_PATIENT]), err,
                   "patient dimension"));
  CS_CALL(nc_check(nc_def_dim(o->ncid, "arm", (size_t)c->n_arms, &o->dim[DIM_ARM]), err,
                   "arm dimension"));
  CS_CALL(nc_check(nc_def_dim(o->ncid, "arm_other", (size_t)c->n_arms, &o->dim[DIM_ARM_OTHER]), err,
                   "arm_other dimension"));
  CS_CALL(nc_check(nc_def_dim(o->ncid, "time", cs_outcome_grid_size(c), &o->dim[DIM_TIME]), err,
                   "time dimension"));
  CS_CALL(nc_check(nc_def_dim(o->ncid, "reaction", (size_t)c->n_reactions, &o->dim[DIM_REACTION]),
                   err, "reaction dimension"));
  CS_CALL(nc_check(nc_def_dim(o->ncid, "species", (size_t)c->n_species, &o->dim[DIM_SPECIES]), err,
                   "species dimension"));
  CS_CALL(nc_check(nc_def_dim(o->ncid, "quantile", N_QUANTILES, &o->dim[DIM_QUANTILE]), err,
                   "quantile dimension"));
  CS_CALL(nc_check(nc_def_dim(o->ncid, "chunk", o->n_chunks, &o->dim[DIM_CHUNK]), err,
                   "chunk dimension"));
  const var_spec quantile = {
      "quantile", NC_DOUBLE, 1, {DIM_QUANTILE, 0, 0}, "1", "probability of the burden quantile",
      false};
  CS_CALL(define_var(o, &quantile, &o->quantile_varid, err));

  /* Time 0 is each patient's own enrolment (treatment starts after the patient's start
   * delay), so the grid is a duration in days, not a date: CF and UDUNITS-2 read
   * "days since X" as days after the calendar date X, and readers (xarray, ncdump -t)
   * fail on "enrolment". */
  const char *what = "time since enrolment (reporting grid)";
  const var_spec time = {"time", NC_DOUBLE, 1, {DIM_TIME, 0, 0}, "days", what, false};
  CS_CALL(define_var(o, &time, &o->time_varid, err));
  CS_CALL(put_text_att(o->ncid, o->time_varid, "axis", "T", err));
  const var_spec names[] = {
      {"arm_name", NC_STRING, 1, {DIM_ARM, 0, 0}, "1", "treatment arm", false},
      {"arm_other_name", NC_STRING, 1, {DIM_ARM_OTHER, 0, 0}, "1", "treatment arm", false},
      {"reaction_name", NC_STRING, 1, {DIM_REACTION, 0, 0}, "1", "reaction", false},
      {"species_name", NC_STRING, 1, {DIM_SPECIES, 0, 0}, "1", "species", false},
  };
  int arm_other_varid;
  CS_CALL(define_var(o, &names[0], &o->arm_name_varid, err));
  CS_CALL(define_var(o, &names[1], &arm_other_varid, err));
  CS_CALL(define_var(o, &names[2], &o->reaction_name_varid, err));
  CS_CALL(define_var(o, &names[3], &o->species_name_varid, err));
  return CS_OK;
}

/* A sweep's grid (docs/user-guide.md, "Sweeps"): the axis keys in a global attribute,
 * and each arm's values on a sweep_axis dimension (NaN for the file's own arms). A
 * cohort without a sweep has none of these, as a zero-length dimension would be
 * NetCDF's unlimited one. */
static cs_status define_sweep(const cs_ncout *o, cs_error *err)
{
  const cs_sweep *s = &o->cohort->sweep;
  if (s->n_axes == 0)
    return CS_OK;
  char axes[CS_SWEEP_AXES_MAX * CS_SWEEP_KEY_MAX] = "";
  for (int k = 0; k < s->n_axes; k++) {
    const size_t used = strlen(axes);
    snprintf(axes + used, sizeof axes - used, "%s%s", k == 0 ? "" : " ", s->axis[k].key);
  }
  CS_CALL(put_text_att(o->ncid, NC_GLOBAL, "sweep_axes", axes, err));
  CS_CALL(put_text_att(o->ncid, NC_GLOBAL, "sweep_base", o->cohort->arm[s->base_arm].name, err));
  int dim, varid;
  CS_CALL(nc_check(nc_def_dim(o->ncid, "sweep_axis", (size_t)s->n_axes, &dim), err,
                   "sweep_axis dimension"));
  int dims[2] = {dim, 0};
  CS_CALL(nc_check(nc_def_var(o->ncid, "sweep_axis_name", NC_STRING, 1, dims, &varid), err,
                   "sweep_axis_name"));
  CS_CALL(put_text_att(o->ncid, varid, "long_name", "cohort file key the sweep axis varies", err));
  dims[0] = o->dim[DIM_ARM];
  dims[1] = dim;
  CS_CALL(
      nc_check(nc_def_var(o->ncid, "sweep_value", NC_DOUBLE, 2, dims, &varid), err, "sweep_value"));
  /* No units attribute: each axis has its key's own (EC50 units, days, a count, ...). */
  CS_CALL(put_text_att(o->ncid, varid, "long_name",
                       "the arm's value of the sweep axis (NaN: not a generated arm)", err));
  const double fill = NAN;
  return nc_check(nc_put_att_double(o->ncid, varid, "_FillValue", NC_DOUBLE, 1, &fill), err,
                  "sweep_value");
}

static cs_status define_global_attributes(const cs_ncout *o, const cs_run_info *info, cs_error *err)
{
  const cs_cohort *c = o->cohort;
  const int id = o->ncid;
  char title[CS_NAME_MAX + 64];
  snprintf(title, sizeof title, "cohortsim virtual cohort: %s", c->name);
  const unsigned long long seed = info->seed, n_patients = info->n_patients;
  CS_CALL(put_text_att(id, NC_GLOBAL, "Conventions", "CF-1.8", err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "title", title, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "cohort_name", c->name, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "cohort_path", c->path, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "cohort_yaml", c->text, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "overrides", c->overrides, err));
  /* The same, one string per --set argument, so verify and merge can reload the cohort
   * exactly (values may contain spaces). */
  const char **list = calloc((size_t)info->n_sets + 1, sizeof *list);
  if (list == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory writing overrides");
  for (int i = 0; i < info->n_sets; i++)
    list[i] = info->sets[i];
  const int rc = nc_put_att_string(id, NC_GLOBAL, "override_list", (size_t)info->n_sets, list);
  free(list);
  CS_CALL(nc_check(rc, err, "override_list"));
  CS_CALL(nc_check(nc_put_att_ulonglong(id, NC_GLOBAL, "seed", NC_UINT64, 1, &seed), err, "seed"));
  CS_CALL(nc_check(nc_put_att_ulonglong(id, NC_GLOBAL, "n_patients", NC_UINT64, 1, &n_patients),
                   err, "n_patients"));
  CS_CALL(put_text_att(id, NC_GLOBAL, "method", c->method == CS_METHOD_EXACT ? "exact" : "hybrid",
                       err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "software_version", CS_VERSION_STRING, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "git_revision", CS_GIT_REVISION, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "created", info->created, err));
  CS_CALL(nc_check(nc_put_att_int(id, NC_GLOBAL, "mpi_ranks", NC_INT, 1, &info->mpi_ranks), err,
                   "mpi_ranks"));
  CS_CALL(put_text_att(id, NC_GLOBAL, "hostname", info->hostname, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "slurm_job_id", info->slurm_job_id, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "slurm_array_job_id", info->slurm_array_job_id, err));
  CS_CALL(put_text_att(id, NC_GLOBAL, "slurm_array_task_id", info->slurm_array_task_id, err));
  const unsigned long long first = info->first_patient, chunk = info->chunk_size;
  const int shard[2] = {info->shard_index, info->shard_count};
  CS_CALL(nc_check(nc_put_att_int(id, NC_GLOBAL, "shard_index", NC_INT, 1, &shard[0]), err,
                   "shard_index"));
  CS_CALL(nc_check(nc_put_att_int(id, NC_GLOBAL, "shard_count", NC_INT, 1, &shard[1]), err,
                   "shard_count"));
  CS_CALL(nc_check(nc_put_att_ulonglong(id, NC_GLOBAL, "shard_first_patient", NC_UINT64, 1, &first),
                   err, "shard_first_patient"));
  CS_CALL(nc_check(nc_put_att_ulonglong(id, NC_GLOBAL, "chunk_size", NC_UINT64, 1, &chunk), err,
                   "chunk_size"));
  return CS_OK;
}

static cs_status define_all(cs_ncout *o, const cs_run_info *info, cs_error *err)
{
  const cs_cohort *c = o->cohort;
  /* No fill values: a run of 10^8 patients would otherwise write 24 GB of them before
   * its first record. No reader needs them: chunk_done says which chunks are complete,
   * and it alone keeps its fill value (255, "not done"). */
  int old_mode;
  CS_CALL(nc_check(nc_set_fill(o->ncid, NC_NOFILL, &old_mode), err, "setting no-fill mode"));
  CS_CALL(define_coordinates(o, err));
  for (int p = 0; p < c->n_params; p++) {
    char name[CS_NAME_MAX + 8], long_name[CS_NAME_MAX + 32];
    snprintf(name, sizeof name, "param_%s", c->param[p].name);
    snprintf(long_name, sizeof long_name, "patient's value of parameter %s", c->param[p].name);
    const var_spec spec = {name, NC_DOUBLE, 1, {DIM_PATIENT, 0, 0}, "1", long_name, false};
    CS_CALL(define_var(o, &spec, &o->param_varid[p], err));
  }
  for (int t = 0; t < c->n_traits; t++) {
    char name[CS_NAME_MAX + 8], long_name[CS_NAME_MAX + 48];
    snprintf(name, sizeof name, "trait_%s", c->trait[t].name);
    snprintf(long_name, sizeof long_name, "1 = the patient has trait %s, 0 = not",
             c->trait[t].name);
    const var_spec spec = {name, NC_UBYTE, 1, {DIM_PATIENT, 0, 0}, "1", long_name, false};
    CS_CALL(define_var(o, &spec, &o->trait_varid[t], err));
  }
  const char *what = "delay from enrolment to the start of treatment";
  const var_spec delay = {"start_delay", NC_DOUBLE, 1, {DIM_PATIENT, 0, 0}, "days", what, false};
  CS_CALL(define_var(o, &delay, &o->start_delay_varid, err));
  for (int v = 0; v < REC_COUNT; v++)
    CS_CALL(define_var(o, &record_var[v], &o->record_varid[v], err));
  for (int v = 0; v < STAT_COUNT; v++)
    CS_CALL(define_var(o, &stat_var[v], &o->stat_varid[v], err));
  const var_spec quantiles = {"burden_quantiles",
                              NC_DOUBLE,
                              3,
                              {DIM_ARM, DIM_TIME, DIM_QUANTILE},
                              "1",
                              "quantiles of the tumour burden (cells) over patients",
                              false};
  CS_CALL(define_var(o, &quantiles, &o->burden_quantiles_varid, err));
  const var_spec done = {"chunk_done",
                         NC_UBYTE,
                         1,
                         {DIM_CHUNK, 0, 0},
                         "1",
                         "1 = every patient of this checkpoint chunk is written",
                         false};
  CS_CALL(define_var(o, &done, &o->chunk_done_varid, err));
  CS_CALL(
      nc_check(nc_def_var_fill(o->ncid, o->chunk_done_varid, NC_FILL, NULL), err, "chunk_done"));
  const cs_timecourse_dims timecourse = {o->dim[DIM_ARM], o->dim[DIM_PATIENT], o->dim[DIM_TIME],
                                         o->dim[DIM_SPECIES], o->dim[DIM_QUANTILE]};
  CS_CALL(cs_timecourse_define(o->ncid, c, &timecourse, err));
  CS_CALL(define_global_attributes(o, info, err));
  CS_CALL(define_sweep(o, err));
  return nc_check(nc_enddef(o->ncid), err, "leaving define mode");
}

/* The bookkeeping of file `ncid` for `cohort`, or NULL (out of memory). */
static cs_ncout *allocate(int ncid, const cs_cohort *cohort)
{
  cs_ncout *o = calloc(1, sizeof *o);
  if (o == NULL)
    return NULL;
  o->ncid = ncid;
  o->cohort = cohort;
  o->param_varid = calloc((size_t)cohort->n_params + 1, sizeof *o->param_varid);
  o->trait_varid = calloc((size_t)cohort->n_traits + 1, sizeof *o->trait_varid);
  if (o->param_varid == NULL || o->trait_varid == NULL)
    cs_ncout_destroy(&o);
  return o;
}

cs_status cs_ncout_define(int ncid, const cs_cohort *cohort, const cs_run_info *info,
                          cs_ncout **out, cs_error *err)
{
  cs_ncout *o = allocate(ncid, cohort);
  *out = NULL;
  if (o == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory defining the output file");
  o->n_patients = info->file_patients;
  o->first_patient = info->first_patient;
  o->n_chunks = cs_ncout_chunk_count(info->file_patients, info->chunk_size);
  const cs_status status = define_all(o, info, err);
  if (status != CS_OK) {
    cs_ncout_destroy(&o);
    return status;
  }
  *out = o;
  return CS_OK;
}

void cs_ncout_destroy(cs_ncout **out)
{
  if (out == NULL || *out == NULL)
    return;
  free((*out)->param_varid);
  free((*out)->trait_varid);
  free(*out);
  *out = NULL;
}

/* Writes n names that sit `stride` bytes apart: the name fields of an array of cohort
 * entries (arms, reactions, species), each of which starts with its name. */
static cs_status put_names(int ncid, int varid, size_t n, const char *names, size_t stride,
                           cs_error *err)
{
  for (size_t i = 0; i < n; i++) {
    const char *name = names + i * stride;
    CS_CALL(nc_check(nc_put_var1_string(ncid, varid, &i, &name), err, "writing names"));
  }
  return CS_OK;
}

static cs_status write_sweep(const cs_ncout *o, cs_error *err)
{
  const cs_cohort *c = o->cohort;
  const cs_sweep *s = &c->sweep;
  if (s->n_axes == 0)
    return CS_OK;
  int names_varid, values_varid;
  CS_CALL(nc_check(nc_inq_varid(o->ncid, "sweep_axis_name", &names_varid), err, "sweep_axis_name"));
  CS_CALL(nc_check(nc_inq_varid(o->ncid, "sweep_value", &values_varid), err, "sweep_value"));
  CS_CALL(
      put_names(o->ncid, names_varid, (size_t)s->n_axes, s->axis[0].key, sizeof s->axis[0], err));
  for (size_t a = 0; a < (size_t)c->n_arms; a++)
    for (size_t k = 0; k < (size_t)s->n_axes; k++) {
      const size_t index[2] = {a, k};
      const double value = cs_sweep_arm_value(s, (int)a, (int)k);
      CS_CALL(
          nc_check(nc_put_var1_double(o->ncid, values_varid, index, &value), err, "sweep_value"));
    }
  return CS_OK;
}

static cs_status write_coordinates(const cs_ncout *o, cs_error *err)
{
  const cs_cohort *c = o->cohort;
  const size_t n_grid = cs_outcome_grid_size(c);
  double *grid = malloc(n_grid * sizeof *grid);
  if (grid == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory writing the time grid");
  cs_outcome_grid(c, grid);
  const cs_status status = nc_check(nc_put_var_double(o->ncid, o->time_varid, grid), err, "time");
  free(grid);
  CS_CALL(status);
  int arm_other_varid;
  CS_CALL(
      nc_check(nc_inq_varid(o->ncid, "arm_other_name", &arm_other_varid), err, "arm_other_name"));
  CS_CALL(put_names(o->ncid, o->arm_name_varid, (size_t)c->n_arms, c->arm[0].name, sizeof c->arm[0],
                    err));
  CS_CALL(put_names(o->ncid, arm_other_varid, (size_t)c->n_arms, c->arm[0].name, sizeof c->arm[0],
                    err));
  CS_CALL(put_names(o->ncid, o->reaction_name_varid, (size_t)c->n_reactions, c->reaction[0].name,
                    sizeof c->reaction[0], err));
  CS_CALL(write_sweep(o, err));
  CS_CALL(cs_timecourse_write_coordinates(o->ncid, c, err));
  return put_names(o->ncid, o->species_name_varid, (size_t)c->n_species, c->species[0].name,
                   sizeof c->species[0], err);
}

/* Writes one per-patient variable for the block: [arm][patient][width]. */
/* The records of patients [offset, offset + count) of the block, arm by arm: the block
 * holds each arm's patients together (row arm * n_patients + i), so a part of it is
 * contiguous only within an arm. */
static cs_status put_block(const cs_ncout *o, int v, const cs_records *r, size_t offset,
                           size_t count, size_t width, const void *data, cs_error *err)
{
  size_t element;
  CS_CALL(
      nc_check(nc_inq_type(o->ncid, record_var[v].type, NULL, &element), err, record_var[v].name));
  for (int arm = 0; arm < r->n_arms; arm++) {
    const size_t start[3] = {(size_t)arm, r->first_patient - o->first_patient + offset, 0};
    const size_t shape[3] = {1, count, width};
    const size_t row = (size_t)arm * r->n_patients + offset;
    CS_CALL(nc_check(nc_put_vara(o->ncid, o->record_varid[v], start, shape,
                                 (const char *)data + row * width * element),
                     err, record_var[v].name));
  }
  return CS_OK;
}

/* Writes the per-patient columns (parameters, traits, start delay) of patients
 * [offset, offset + count) of the block, gathering each parameter's and trait's column
 * from the block's patient-major rows. */
static cs_status write_patient_columns(const cs_ncout *o, const cs_records *r, size_t offset,
                                       size_t count, cs_error *err)
{
  const cs_cohort *c = o->cohort;
  const size_t start = r->first_patient - o->first_patient + offset;
  double *column = malloc((count + 1) * sizeof *column);
  unsigned char *flags = malloc(count + 1);
  cs_status status = CS_OK;
  if (column == NULL || flags == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory writing parameters");
    goto cleanup;
  }
  for (int p = 0; p < c->n_params && status == CS_OK; p++) {
    for (size_t i = 0; i < count; i++)
      column[i] = r->param[(offset + i) * (size_t)c->n_params + (size_t)p];
    status = nc_check(nc_put_vara_double(o->ncid, o->param_varid[p], &start, &count, column), err,
                      c->param[p].name);
  }
  for (int t = 0; t < c->n_traits && status == CS_OK; t++) {
    for (size_t i = 0; i < count; i++)
      flags[i] = r->trait[(offset + i) * (size_t)c->n_traits + (size_t)t];
    status = nc_check(nc_put_vara_uchar(o->ncid, o->trait_varid[t], &start, &count, flags), err,
                      c->trait[t].name);
  }
  if (status == CS_OK)
    status = nc_check(
        nc_put_vara_double(o->ncid, o->start_delay_varid, &start, &count, &r->start_delay[offset]),
        err, "start_delay");

cleanup:
  free(column);
  free(flags);
  return status;
}

cs_status cs_ncout_write_records(const cs_ncout *o, const cs_records *r, cs_error *err)
{
  return cs_ncout_write_patients(o, r, 0, r->n_patients, err);
}

cs_status cs_ncout_write_patients(const cs_ncout *o, const cs_records *r, size_t offset,
                                  size_t count, cs_error *err)
{
  const size_t n_grid = r->n_grid, n_reactions = (size_t)r->n_reactions;
  const size_t n_species = (size_t)r->n_species;
  CS_CALL(write_patient_columns(o, r, offset, count, err));
  CS_CALL(put_block(o, REC_OS_TIME, r, offset, count, 1, r->os_time, err));
  CS_CALL(put_block(o, REC_OS_EVENT, r, offset, count, 1, r->os_event, err));
  CS_CALL(put_block(o, REC_RFS_TIME, r, offset, count, 1, r->rfs_time, err));
  CS_CALL(put_block(o, REC_RFS_EVENT, r, offset, count, 1, r->rfs_event, err));
  CS_CALL(put_block(o, REC_CLEARED, r, offset, count, 1, r->cleared, err));
  CS_CALL(put_block(o, REC_CLEARANCE_TIME, r, offset, count, 1, r->clearance_time, err));
  CS_CALL(put_block(o, REC_MRD_NEGATIVE_TIME, r, offset, count, 1, r->mrd_negative_time, err));
  CS_CALL(put_block(o, REC_RELAPSE_TIME, r, offset, count, 1, r->relapse_time, err));
  CS_CALL(put_block(o, REC_FINAL_BURDEN, r, offset, count, 1, r->final_burden, err));
  CS_CALL(put_block(o, REC_EVENTS, r, offset, count, 1, r->events, err));
  CS_CALL(put_block(o, REC_REACTION_COUNT, r, offset, count, n_reactions, r->reaction_count, err));
  CS_CALL(put_block(o, REC_SPECIES_PEAK, r, offset, count, n_species, r->species_peak, err));
  CS_CALL(put_block(o, REC_BURDEN, r, offset, count, n_grid, r->burden, err));
  return cs_timecourse_write_patients(o->ncid, r, offset, count,
                                      r->first_patient - o->first_patient + offset, err);
}

size_t cs_ncout_chunk_size(size_t n_patients)
{
  const size_t size = (n_patients + CS_NCOUT_CHUNKS - 1) / CS_NCOUT_CHUNKS;
  return size < 1 ? 1 : size;
}

size_t cs_ncout_chunk_count(size_t patients, size_t chunk_size)
{
  return (patients + chunk_size - 1) / chunk_size;
}

void cs_ncout_shard_patients(size_t n_patients, int shard_index, int shard_count, size_t *first,
                             size_t *count)
{
  const size_t k = (size_t)shard_index, shards = (size_t)shard_count;
  /* n/N patients each, the first n%N shards one more (no product n*k, which could
   * overflow). */
  *first = k * (n_patients / shards) + (k < n_patients % shards ? k : n_patients % shards);
  *count = n_patients / shards + (k < n_patients % shards ? 1 : 0);
}

cs_status cs_ncout_mark_done(const cs_ncout *o, size_t first_chunk, size_t n_chunks, cs_error *err)
{
  unsigned char *done = malloc(n_chunks + 1);
  if (done == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory marking chunks done");
  memset(done, 1, n_chunks);
  const cs_status status =
      nc_check(nc_put_vara_uchar(o->ncid, o->chunk_done_varid, &first_chunk, &n_chunks, done), err,
               "chunk_done");
  free(done);
  return status;
}

cs_status cs_ncout_read_done(const cs_ncout *o, unsigned char *done, cs_error *err)
{
  const size_t start = 0, count = o->n_chunks;
  CS_CALL(nc_check(nc_get_vara_uchar(o->ncid, o->chunk_done_varid, &start, &count, done), err,
                   "chunk_done"));
  /* Chunks never written hold the fill value (255), not 0: only 1 means done. */
  for (size_t c = 0; c < count; c++)
    done[c] = done[c] == 1;
  return CS_OK;
}

static cs_status write_statistics(const cs_ncout *o, const cs_statistics *s, cs_error *err)
{
  const void *data[STAT_COUNT] = {
      [STAT_OS_SURVIVAL] = s->os_survival,
      [STAT_OS_LOWER] = s->os_lower,
      [STAT_OS_UPPER] = s->os_upper,
      [STAT_OS_AT_RISK] = s->os_at_risk,
      [STAT_RFS_SURVIVAL] = s->rfs_survival,
      [STAT_RFS_LOWER] = s->rfs_lower,
      [STAT_RFS_UPPER] = s->rfs_upper,
      [STAT_RFS_AT_RISK] = s->rfs_at_risk,
      [STAT_CLEARANCE_FRACTION] = s->clearance_fraction,
      [STAT_CLEARANCE_LOWER] = s->clearance_lower,
      [STAT_CLEARANCE_UPPER] = s->clearance_upper,
      [STAT_MEDIAN_OS] = s->median_os,
      [STAT_MEDIAN_OS_LOWER] = s->median_os_lower,
      [STAT_MEDIAN_OS_UPPER] = s->median_os_upper,
      [STAT_MEDIAN_CLEARANCE_TIME] = s->median_clearance_time,
      [STAT_LOGRANK_P] = s->logrank_p,
  };
  for (int v = 0; v < STAT_COUNT; v++)
    CS_CALL(nc_check(nc_put_var(o->ncid, o->stat_varid[v], data[v]), err, stat_var[v].name));
  return CS_OK;
}

/* Reads the outcome columns of every patient back from the file. */
static cs_status read_columns(int ncid, int n_arms, size_t n_patients, double *os_time,
                              unsigned char *os_event, double *rfs_time, unsigned char *rfs_event,
                              unsigned char *cleared, double *clearance_time, cs_error *err)
{
  const size_t start[2] = {0, 0}, count[2] = {(size_t)n_arms, n_patients};
  const char *names[] = {"os_time",   "os_event", "rfs_time",
                         "rfs_event", "cleared",  "clearance_time"};
  void *data[] = {os_time, os_event, rfs_time, rfs_event, cleared, clearance_time};
  for (int v = 0; v < 6; v++) {
    int varid;
    CS_CALL(nc_check(nc_inq_varid(ncid, names[v], &varid), err, names[v]));
    CS_CALL(nc_check(nc_get_vara(ncid, varid, start, count, data[v]), err, names[v]));
  }
  return CS_OK;
}

/* Quantiles of the burden over patients, per arm and grid time, read one (arm, time)
 * column at a time so memory stays at one value per patient. Type 7 quantiles (linear
 * interpolation, R's default; GSL's gsl_stats_quantile_from_sorted_data). The
 * records are read from `records_ncid`, which may be another file than o's. */
static cs_status write_burden_quantiles(const cs_ncout *o, int records_ncid, size_t n_patients,
                                        cs_error *err)
{
  const cs_cohort *c = o->cohort;
  const size_t n_grid = cs_outcome_grid_size(c);
  int burden_varid;
  CS_CALL(nc_check(nc_inq_varid(records_ncid, "burden", &burden_varid), err, "burden"));
  CS_CALL(
      nc_check(nc_put_var_double(o->ncid, o->quantile_varid, burden_quantile), err, "quantile"));
  double *column = malloc((n_patients + 1) * sizeof *column);
  if (column == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory computing burden quantiles");
  cs_status status = CS_OK;
  for (size_t a = 0; a < (size_t)c->n_arms && status == CS_OK; a++)
    for (size_t k = 0; k < n_grid && status == CS_OK; k++) {
      const size_t start[3] = {a, 0, k}, count[3] = {1, n_patients, 1};
      status = nc_check(nc_get_vara_double(records_ncid, burden_varid, start, count, column), err,
                        "burden");
      if (status != CS_OK || n_patients == 0)
        continue;
      gsl_sort(column, 1, n_patients);
      double values[N_QUANTILES];
      for (size_t q = 0; q < N_QUANTILES; q++)
        values[q] = gsl_stats_quantile_from_sorted_data(column, 1, n_patients, burden_quantile[q]);
      const size_t at[3] = {a, k, 0}, span[3] = {1, 1, N_QUANTILES};
      status = nc_check(nc_put_vara_double(o->ncid, o->burden_quantiles_varid, at, span, values),
                        err, "burden_quantiles");
    }
  free(column);
  return status;
}

static cs_status write_end_provenance(const cs_ncout *o, const cs_run_end *end, cs_error *err)
{
  const int id = o->ncid;
  double most = 0, total = 0;
  for (int r = 0; r < end->n_ranks; r++) {
    most = end->busy_seconds[r] > most ? end->busy_seconds[r] : most;
    total += end->busy_seconds[r];
  }
  /* max over mean of the ranks' busy times: 1 is perfect balance. */
  const double imbalance = total > 0 ? most / (total / end->n_ranks) : 1.0;
  CS_CALL(put_text_att(id, NC_GLOBAL, "ended", end->ended, err));
  CS_CALL(nc_check(
      nc_put_att_double(id, NC_GLOBAL, "wall_time_seconds", NC_DOUBLE, 1, &end->wall_seconds), err,
      "wall_time_seconds"));
  CS_CALL(nc_check(nc_put_att_double(id, NC_GLOBAL, "rank_busy_seconds", NC_DOUBLE,
                                     (size_t)end->n_ranks, end->busy_seconds),
                   err, "rank_busy_seconds"));
  return nc_check(nc_put_att_double(id, NC_GLOBAL, "load_imbalance", NC_DOUBLE, 1, &imbalance), err,
                  "load_imbalance");
}

cs_status cs_ncout_write_cohort_results(const cs_ncout *o, int records_ncid, size_t n_patients,
                                        cs_error *err)
{
  const cs_cohort *c = o->cohort;
  const size_t n = n_patients * (size_t)c->n_arms + 1;
  const size_t n_grid = cs_outcome_grid_size(c);
  double *os_time = malloc(n * sizeof *os_time), *rfs_time = malloc(n * sizeof *rfs_time);
  double *clearance_time = malloc(n * sizeof *clearance_time);
  unsigned char *os_event = malloc(n), *rfs_event = malloc(n), *cleared = malloc(n);
  double *grid = malloc(n_grid * sizeof *grid);
  cs_statistics *statistics = NULL;
  cs_status status = CS_OK;
  if (os_time == NULL || rfs_time == NULL || clearance_time == NULL || os_event == NULL ||
      rfs_event == NULL || cleared == NULL || grid == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory reading the outcomes of %zu patients",
                          n_patients);
    goto cleanup;
  }
  cs_outcome_grid(c, grid);
  status = write_coordinates(o, err);
  if (status == CS_OK)
    status = read_columns(records_ncid, c->n_arms, n_patients, os_time, os_event, rfs_time,
                          rfs_event, cleared, clearance_time, err);
  if (status == CS_OK) {
    const cs_outcome_columns columns = {n_patients, os_time, os_event,      rfs_time,
                                        rfs_event,  cleared, clearance_time};
    status = cs_statistics_compute(c, &columns, grid, &statistics, err);
  }
  if (status == CS_OK)
    status = write_statistics(o, statistics, err);
  if (status == CS_OK)
    status = write_burden_quantiles(o, records_ncid, n_patients, err);
  if (status == CS_OK)
    status = cs_timecourse_write_statistics(o->ncid, c, records_ncid, n_patients, burden_quantile,
                                            N_QUANTILES, err);
cleanup:
  cs_statistics_destroy(&statistics);
  free(os_time);
  free(rfs_time);
  free(clearance_time);
  free(os_event);
  free(rfs_event);
  free(cleared);
  free(grid);
  return status;
}

/* Finds the ids of an existing file's variables, as cs_ncout_define made them. */
static cs_status lookup_ids(cs_ncout *o, cs_error *err)
{
  const cs_cohort *c = o->cohort;
  int dim;
  CS_CALL(nc_check(nc_inq_dimid(o->ncid, "patient", &dim), err, "patient dimension"));
  CS_CALL(nc_check(nc_inq_dimlen(o->ncid, dim, &o->n_patients), err, "patient"));
  CS_CALL(nc_check(nc_inq_dimid(o->ncid, "chunk", &dim), err, "chunk dimension"));
  CS_CALL(nc_check(nc_inq_dimlen(o->ncid, dim, &o->n_chunks), err, "chunk"));
  unsigned long long first;
  CS_CALL(nc_check(get_scalar_attribute(o->ncid, "shard_first_patient", NC_UINT64, &first), err,
                   "shard_first_patient"));
  o->first_patient = (size_t)first;
  for (int v = 0; v < REC_COUNT; v++)
    CS_CALL(nc_check(nc_inq_varid(o->ncid, record_var[v].name, &o->record_varid[v]), err,
                     record_var[v].name));
  for (int v = 0; v < STAT_COUNT; v++)
    CS_CALL(nc_check(nc_inq_varid(o->ncid, stat_var[v].name, &o->stat_varid[v]), err,
                     stat_var[v].name));
  char name[CS_NAME_MAX + 8];
  for (int p = 0; p < c->n_params; p++) {
    snprintf(name, sizeof name, "param_%s", c->param[p].name);
    CS_CALL(nc_check(nc_inq_varid(o->ncid, name, &o->param_varid[p]), err, name));
  }
  for (int t = 0; t < c->n_traits; t++) {
    snprintf(name, sizeof name, "trait_%s", c->trait[t].name);
    CS_CALL(nc_check(nc_inq_varid(o->ncid, name, &o->trait_varid[t]), err, name));
  }
  const struct {
    const char *name;
    int *varid;
  } named[] = {{"start_delay", &o->start_delay_varid},
               {"time", &o->time_varid},
               {"arm_name", &o->arm_name_varid},
               {"reaction_name", &o->reaction_name_varid},
               {"species_name", &o->species_name_varid},
               {"quantile", &o->quantile_varid},
               {"burden_quantiles", &o->burden_quantiles_varid},
               {"chunk_done", &o->chunk_done_varid}};
  for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
    CS_CALL(nc_check(nc_inq_varid(o->ncid, named[i].name, named[i].varid), err, named[i].name));
  return CS_OK;
}

void cs_ncout_timestamp(char *out, size_t size)
{
  const time_t now = time(NULL);
  struct tm utc;
  gmtime_r(&now, &utc);
  strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &utc);
}

char *cs_ncout_text_attribute(int ncid, const char *name)
{
  size_t length;
  if (nc_inq_attlen(ncid, NC_GLOBAL, name, &length) != NC_NOERR)
    return NULL;
  char *value = calloc(length + 1, 1);
  if (value != NULL && nc_get_att_text(ncid, NC_GLOBAL, name, value) != NC_NOERR) {
    free(value);
    value = NULL;
  }
  return value;
}

static bool same_text(int ncid, const char *name, const char *expected)
{
  char *value = cs_ncout_text_attribute(ncid, name);
  const bool same = value != NULL && strcmp(value, expected) == 0;
  free(value);
  return same;
}

static bool same_number(int ncid, const char *name, unsigned long long expected)
{
  unsigned long long value;
  return get_scalar_attribute(ncid, name, NC_UINT64, &value) == NC_NOERR && value == expected;
}

static bool same_int(int ncid, const char *name, int expected)
{
  int value;
  return get_scalar_attribute(ncid, name, NC_INT, &value) == NC_NOERR && value == expected;
}

/* Everything that makes two runs the same run (the determinism contract's inputs, plus
 * the layout of shards and chunks), checked attribute by attribute. */
static cs_status check_identity(int ncid, const char *what, const cs_cohort *c,
                                const cs_run_info *info, cs_error *err)
{
  const char *differs = NULL;
  if (!same_text(ncid, "cohort_yaml", c->text))
    differs = "the cohort file's text";
  else if (!same_text(ncid, "overrides", c->overrides))
    differs = "the --set overrides";
  else if (!same_number(ncid, "seed", info->seed))
    differs = "the seed (-s)";
  else if (!same_number(ncid, "n_patients", info->n_patients))
    differs = "the number of patients (-n)";
  else if (!same_int(ncid, "shard_index", info->shard_index) ||
           !same_int(ncid, "shard_count", info->shard_count))
    differs = "the shard (--shard)";
  else if (!same_number(ncid, "chunk_size", info->chunk_size))
    differs = "the checkpoint chunking";
  else if (!same_text(ncid, "software_version", CS_VERSION_STRING))
    differs = "the cohortsim version";
  if (differs != NULL)
    return cs_error_set(err, CS_ERR_USAGE,
                        "'%s' is from a different run: %s differs; remove it, or repeat the "
                        "original command",
                        what, differs);
  return CS_OK;
}

cs_status cs_ncout_open(int ncid, const cs_cohort *cohort, const cs_run_info *info, cs_ncout **out,
                        cs_error *err)
{
  *out = NULL;
  char path[4096] = "the partial output";
  size_t length;
  if (nc_inq_path(ncid, &length, NULL) == NC_NOERR && length < sizeof path)
    nc_inq_path(ncid, NULL, path);
  CS_CALL(check_identity(ncid, path, cohort, info, err));
  CS_CALL(cs_ncschema_check(ncid, path, cohort, info, err));
  cs_ncout *o = allocate(ncid, cohort);
  if (o == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory reopening the output file");
  const cs_status status = lookup_ids(o, err);
  if (status != CS_OK) {
    cs_ncout_destroy(&o);
    return status;
  }
  *out = o;
  return CS_OK;
}

cs_status cs_ncout_check_same_run(const char *path, const cs_cohort *cohort,
                                  const cs_run_info *info, cs_error *err)
{
  int ncid;
  CS_CALL(nc_check(nc_open(path, NC_NOWRITE, &ncid), err, path));
  cs_status status = check_identity(ncid, path, cohort, info, err);
  if (status == CS_OK)
    status = cs_ncschema_check(ncid, path, cohort, info, err);
  nc_close(ncid);
  return status;
}

cs_status cs_ncout_finalize(const char *path, const cs_cohort *cohort, const cs_run_end *end,
                            cs_error *err)
{
  cs_ncout o = {.cohort = cohort};
  o.param_varid = calloc((size_t)cohort->n_params + 1, sizeof *o.param_varid);
  o.trait_varid = calloc((size_t)cohort->n_traits + 1, sizeof *o.trait_varid);
  cs_status status = o.param_varid == NULL || o.trait_varid == NULL
                         ? cs_error_set(err, CS_ERR_NOMEM, "out of memory finishing the output")
                         : nc_check(nc_open(path, NC_WRITE, &o.ncid), err, path);
  if (status == CS_OK) {
    status = lookup_ids(&o, err);
    if (status == CS_OK)
      status = cs_ncout_write_cohort_results(&o, o.ncid, o.n_patients, err);
    if (status == CS_OK)
      status = write_end_provenance(&o, end, err);
    const cs_status close_status = nc_check(nc_close(o.ncid), err, path);
    status = status != CS_OK ? status : close_status;
  }
  free(o.param_varid);
  free(o.trait_varid);
  return status;
}

cs_status cs_ncout_patient_vars(int ncid, cs_patient_var **vars, int *n_vars, cs_error *err)
{
  int n_all, patient_dim;
  *vars = NULL;
  *n_vars = 0;
  CS_CALL(nc_check(nc_inq_dimid(ncid, "patient", &patient_dim), err, "patient dimension"));
  CS_CALL(nc_check(nc_inq_nvars(ncid, &n_all), err, "variables"));
  cs_patient_var *list = calloc((size_t)n_all + 1, sizeof *list);
  if (list == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory listing variables");
  int n = 0;
  for (int varid = 0; varid < n_all; varid++) {
    cs_patient_var *v = &list[n];
    nc_type type;
    int dims[8];
    int rc = nc_inq_varndims(ncid, varid, &v->n_dims);
    if (rc == NC_NOERR && v->n_dims > 8)
      rc = NC_EMAXDIMS;
    if (rc == NC_NOERR)
      rc = nc_inq_var(ncid, varid, v->name, &type, NULL, dims, NULL);
    if (rc == NC_NOERR)
      rc = nc_inq_type(ncid, type, NULL, &v->type_size);
    v->patient_axis = -1;
    for (int d = 0; d < v->n_dims && rc == NC_NOERR; d++) {
      rc = nc_inq_dimlen(ncid, dims[d], &v->length[d]);
      if (dims[d] == patient_dim)
        v->patient_axis = d;
    }
    if (rc != NC_NOERR) {
      free(list);
      return nc_check(rc, err, "inspecting variables");
    }
    v->varid = varid;
    if (v->patient_axis >= 0)
      n++;
  }
  *vars = list;
  *n_vars = n;
  return CS_OK;
}

size_t cs_ncout_patient_bytes(const cs_patient_var *v)
{
  size_t bytes = v->type_size;
  for (int d = 0; d < v->n_dims; d++)
    if (d != v->patient_axis)
      bytes *= v->length[d];
  return bytes;
}

static void patient_slab(const cs_patient_var *v, size_t first, size_t count, size_t *start,
                         size_t *span)
{
  for (int d = 0; d < v->n_dims; d++) {
    start[d] = d == v->patient_axis ? first : 0;
    span[d] = d == v->patient_axis ? count : v->length[d];
  }
}

cs_status cs_ncout_get_patients(int ncid, const cs_patient_var *v, size_t first, size_t count,
                                void *values, cs_error *err)
{
  size_t start[8], span[8];
  patient_slab(v, first, count, start, span);
  return nc_check(nc_get_vara(ncid, v->varid, start, span, values), err, v->name);
}

cs_status cs_ncout_put_patients(int ncid, const cs_patient_var *v, size_t first, size_t count,
                                const void *values, cs_error *err)
{
  size_t start[8], span[8];
  patient_slab(v, first, count, start, span);
  return nc_check(nc_put_vara(ncid, v->varid, start, span, values), err, v->name);
}

cs_status cs_ncout_get_overrides(int ncid, char ***sets, int *n_sets, cs_error *err)
{
  size_t n;
  *sets = NULL;
  *n_sets = 0;
  CS_CALL(nc_check(nc_inq_attlen(ncid, NC_GLOBAL, "override_list", &n), err, "override_list"));
  char **strings = calloc(n + 1, sizeof *strings);
  if (strings == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory reading overrides");
  if (n > 0) {
    const int rc = nc_get_att_string(ncid, NC_GLOBAL, "override_list", strings);
    if (rc != NC_NOERR) {
      free(strings);
      return nc_check(rc, err, "override_list");
    }
  }
  *sets = strings;
  *n_sets = (int)n;
  return CS_OK;
}

void cs_ncout_free_strings(char **strings, int n)
{
  if (strings == NULL)
    return;
  if (n > 0)
    nc_free_string((size_t)n, strings);
  free(strings);
}
