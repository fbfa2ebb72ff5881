#include "cohortsim/verify.h"

#include <assert.h>
#include <netcdf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
#include "cohortsim/model.h"
#include "cohortsim/ncout.h"
#include "cohortsim/ncschema.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"

static cs_status nc_check(int rc, const char *what, cs_error *err)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "%s: %s", what, nc_strerror(rc));
}

/* The file under verification, and an in-memory file with the same schema that holds
 * what the file should hold: one re-simulated patient at a time, and the coordinates and
 * cohort statistics recomputed from the file's records. */
typedef struct verification {
  const cs_ncfile *file;
  cs_patient_var *vars; /* the file's per-patient variables */
  int n_vars;
  int scratch;
  cs_ncout *out;
  cs_patient_var *scratch_vars;
  int n_scratch_vars;
} verification;

static cs_status create_scratch(verification *v, cs_error *err)
{
  cs_run_info info = v->file->info;
  info.first_patient = 0;
  info.file_patients = 1;
  info.shard_index = 0;
  info.shard_count = 1;
  info.chunk_size = 1;
  CS_CALL(nc_check(nc_create("cohortsim-verify", NC_NETCDF4 | NC_DISKLESS, &v->scratch),
                   "in-memory file", err));
  CS_CALL(cs_ncout_define(v->scratch, v->file->cohort, &info, &v->out, err));
  CS_CALL(cs_ncout_patient_vars(v->scratch, &v->scratch_vars, &v->n_scratch_vars, err));
  return cs_ncout_patient_vars(v->file->ncid, &v->vars, &v->n_vars, err);
}

static const cs_patient_var *find_var(const cs_patient_var *vars, int n, const char *name)
{
  for (int i = 0; i < n; i++)
    if (strcmp(vars[i].name, name) == 0)
      return &vars[i];
  return NULL;
}

/* Compares patient `local` of the file with the scratch file's patient 0, variable by
 * variable, naming the first difference. Both files have the schema (cs_ncfile_open
 * checked it), so every variable of one is in the other with the same shape. */
static cs_status compare_patient(const verification *v, size_t local, unsigned char *a,
                                 unsigned char *b, cs_error *err)
{
  const cs_ncfile *f = v->file;
  const size_t patient = f->info.first_patient + local;
  for (int i = 0; i < v->n_vars; i++) {
    const cs_patient_var *var = &v->vars[i];
    const cs_patient_var *mine = find_var(v->scratch_vars, v->n_scratch_vars, var->name);
    assert(mine != NULL);
    const size_t bytes = cs_ncout_patient_bytes(var);
    CS_CALL(cs_ncout_get_patients(f->ncid, var, local, 1, a, err));
    CS_CALL(cs_ncout_get_patients(v->scratch, mine, 0, 1, b, err));
    if (memcmp(a, b, bytes) == 0)
      continue;
    size_t element = 0;
    while (memcmp(a + element * var->type_size, b + element * var->type_size, var->type_size) == 0)
      element++;
    /* (arm, patient, ...) variables: the arm is the element's position along axis 0. */
    size_t inner = 1;
    for (int d = 1; d < var->n_dims; d++)
      if (d != var->patient_axis)
        inner *= var->length[d];
    const char *arm = var->patient_axis == 1 ? f->cohort->arm[element / inner].name : "(all arms)";
    return cs_error_set(err, CS_ERR_MISMATCH,
                        "%s: patient %zu, arm %s, variable %s differs from its re-simulation",
                        f->path, patient, arm, var->name);
  }
  return CS_OK;
}

static cs_status verify_patients(const verification *v, size_t count, cs_error *err)
{
  const cs_ncfile *f = v->file;
  cs_model *model = NULL;
  cs_patient_sim *sim = NULL;
  cs_records *records = NULL;
  size_t largest = 0;
  for (int i = 0; i < v->n_vars; i++)
    largest = cs_ncout_patient_bytes(&v->vars[i]) > largest ? cs_ncout_patient_bytes(&v->vars[i])
                                                            : largest;
  unsigned char *a = malloc(largest + 1), *b = malloc(largest + 1);
  cs_status status = a == NULL || b == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                                            : cs_model_create(f->cohort, &model, err);
  if (status == CS_OK)
    status = cs_patient_sim_create(model, &sim, err);
  if (status == CS_OK)
    status = cs_records_create(f->cohort, 0, 1, &records, err);

  const size_t n = f->info.file_patients;
  for (size_t k = 0; k < count && status == CS_OK; k++) {
    const size_t local = count == n ? k : k * n / count;
    records->first_patient = f->info.first_patient + local;
    status = cs_patient_sim_run(sim, f->info.seed, records->first_patient, records, err);
    /* The scratch file holds one patient, at index 0. */
    records->first_patient = 0;
    if (status == CS_OK)
      status = cs_ncout_write_records(v->out, records, err);
    if (status == CS_OK)
      status = compare_patient(v, local, a, b, err);
  }
  cs_records_destroy(&records);
  cs_patient_sim_destroy(&sim);
  cs_model_destroy(&model);
  free(a);
  free(b);
  return status;
}

/* Whether a variable has the dimension `name`. */
static bool has_dimension(int ncid, int varid, const char *name)
{
  int n_dims, dimids[NC_MAX_VAR_DIMS];
  if (nc_inq_varndims(ncid, varid, &n_dims) != NC_NOERR || n_dims > NC_MAX_VAR_DIMS ||
      nc_inq_vardimid(ncid, varid, dimids) != NC_NOERR)
    return false;
  for (int d = 0; d < n_dims; d++) {
    char dim[NC_MAX_NAME + 1];
    if (nc_inq_dimname(ncid, dimids[d], dim) == NC_NOERR && strcmp(dim, name) == 0)
      return true;
  }
  return false;
}

/* The index of the first element where two arrays of n values of a type differ, or n.
 * Values compare bit for bit, so a NaN equals only the same NaN ("never", "not reached"
 * and the fill value are all the one NaN the writer puts there); strings by content. */
static size_t first_difference(nc_type type, size_t element, size_t n, const void *a, const void *b)
{
  for (size_t i = 0; i < n; i++) {
    const bool same = type == NC_STRING ? strcmp(((char *const *)a)[i], ((char *const *)b)[i]) == 0
                                        : memcmp((const char *)a + i * element,
                                                 (const char *)b + i * element, element) == 0;
    if (!same)
      return i;
  }
  return n;
}

/* One variable without a patient dimension (a coordinate or a cohort statistic) of the
 * file against the scratch file's, whole. */
static cs_status compare_variable(const verification *v, int scratch_varid, cs_error *err)
{
  const cs_ncfile *f = v->file;
  char name[NC_MAX_NAME + 1];
  nc_type type;
  int n_dims, dimids[NC_MAX_VAR_DIMS], varid;
  size_t element, n = 1, leading = 1;
  CS_CALL(nc_check(nc_inq_var(v->scratch, scratch_varid, name, &type, &n_dims, dimids, NULL),
                   "in-memory file", err));
  CS_CALL(nc_check(nc_inq_type(v->scratch, type, NULL, &element), name, err));
  for (int d = 0; d < n_dims; d++) {
    size_t length;
    CS_CALL(nc_check(nc_inq_dimlen(v->scratch, dimids[d], &length), name, err));
    n *= length;
    leading = d == 0 ? length : leading;
  }
  CS_CALL(nc_check(nc_inq_varid(f->ncid, name, &varid), f->path, err));
  void *found = calloc(n + 1, element), *want = calloc(n + 1, element);
  int rc = found == NULL || want == NULL ? NC_ENOMEM : NC_NOERR;
  if (rc == NC_NOERR)
    rc = nc_get_var(f->ncid, varid, found);
  if (rc == NC_NOERR)
    rc = nc_get_var(v->scratch, scratch_varid, want);
  const size_t at = rc == NC_NOERR ? first_difference(type, element, n, found, want) : n;
  if (rc == NC_NOERR && type == NC_STRING) {
    nc_free_string(n, found);
    nc_free_string(n, want);
  }
  free(found);
  free(want);
  CS_CALL(nc_check(rc, name, err));
  if (at == n)
    return CS_OK;
  char where[CS_NAME_MAX + 32];
  if (has_dimension(v->scratch, scratch_varid, "arm"))
    snprintf(where, sizeof where, "arm %s", f->cohort->arm[at / (n / leading)].name);
  else
    snprintf(where, sizeof where, "index %zu", at);
  return cs_error_set(err, CS_ERR_MISMATCH,
                      "%s: variable %s (%s) differs from what the cohort and the file's records "
                      "give",
                      f->path, name, where);
}

/* The coordinates, cohort statistics and burden quantiles, recomputed from the file's
 * own records into the scratch file, compared variable by variable. */
static cs_status verify_cohort_results(const verification *v, cs_error *err)
{
  int n_vars;
  CS_CALL(cs_ncout_write_cohort_results(v->out, v->file->ncid, v->file->info.file_patients, err));
  CS_CALL(nc_check(nc_inq_nvars(v->scratch, &n_vars), "in-memory file", err));
  for (int varid = 0; varid < n_vars; varid++)
    if (!has_dimension(v->scratch, varid, "patient") && !has_dimension(v->scratch, varid, "chunk"))
      CS_CALL(compare_variable(v, varid, err));
  return CS_OK;
}

cs_status cs_verify_file(const char *path, size_t sample, FILE *report, cs_error *err)
{
  cs_ncfile *file = NULL;
  verification v = {.scratch = -1};
  cs_status status = cs_ncfile_open(path, &file, err);
  if (status == CS_OK)
    status = cs_ncfile_require_complete(file, err);
  v.file = file;
  if (status == CS_OK)
    status = create_scratch(&v, err);
  const size_t n = status == CS_OK ? file->info.file_patients : 0;
  const size_t count = sample == 0 || sample > n ? n : sample;
  if (status == CS_OK)
    status = verify_patients(&v, count, err);
  if (status == CS_OK)
    status = verify_cohort_results(&v, err);
  if (status == CS_OK)
    fprintf(report,
            "%s: %zu of %zu patients re-simulated, every value identical; coordinates and "
            "cohort statistics identical to those recomputed from the records\n",
            path, count, n);
  free(v.vars);
  free(v.scratch_vars);
  cs_ncout_destroy(&v.out);
  if (v.scratch >= 0)
    nc_abort(v.scratch); /* in memory: nothing to keep, and a close would first leave define mode */
  cs_ncfile_close(&file);
  return status;
}
