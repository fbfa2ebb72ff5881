#include "cohortsim/ncschema.h"

#include <netcdf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_version.h"

static cs_status nc_check(int rc, const char *path, const char *what, cs_error *err)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "%s: %s: %s", path, what, nc_strerror(rc));
}

/* Global attributes that record where, when and how a run was made, not what it
 * computed: they may differ between files with identical data, so only their types are
 * checked. */
static const char *const provenance_attribute[] = {
    "cohort_path",        "git_revision",        "created", "mpi_ranks", "hostname", "slurm_job_id",
    "slurm_array_job_id", "slurm_array_task_id",
};

static bool is_provenance(const char *name)
{
  for (size_t i = 0; i < sizeof provenance_attribute / sizeof provenance_attribute[0]; i++)
    if (strcmp(name, provenance_attribute[i]) == 0)
      return true;
  return false;
}

static void type_name(int ncid, nc_type type, char *name)
{
  if (nc_inq_type(ncid, type, name, NULL) != NC_NOERR)
    snprintf(name, NC_MAX_NAME + 1, "type %d", (int)type);
}

/* "(arm, patient)": the dimensions of a variable by name, for messages. */
static void shape_text(int ncid, int varid, char *text, size_t size)
{
  int n_dims = 0, dimids[NC_MAX_VAR_DIMS];
  size_t length = 0;
  text[0] = '\0';
  if (nc_inq_varndims(ncid, varid, &n_dims) != NC_NOERR || n_dims > NC_MAX_VAR_DIMS ||
      nc_inq_vardimid(ncid, varid, dimids) != NC_NOERR)
    n_dims = 0;
  length += (size_t)snprintf(text, size, "(");
  for (int d = 0; d < n_dims && length < size; d++) {
    char name[NC_MAX_NAME + 1] = "?";
    nc_inq_dimname(ncid, dimids[d], name);
    length += (size_t)snprintf(text + length, size - length, "%s%s", d > 0 ? ", " : "", name);
  }
  if (length < size)
    snprintf(text + length, size - length, ")");
}

/* One attribute's value for a message: text (shortened), one number, or a count. */
static void value_text(int ncid, int varid, const char *name, nc_type type, size_t length,
                       char *text, size_t size)
{
  if (type == NC_CHAR) {
    char *value = calloc(length + 1, 1);
    if (value != NULL && nc_get_att_text(ncid, varid, name, value) == NC_NOERR)
      snprintf(text, size, "\"%.60s%s\"", value, length > 60 ? "..." : "");
    else
      snprintf(text, size, "%zu characters", length);
    free(value);
    return;
  }
  unsigned long long whole;
  double number;
  if (length == 1 && type == NC_UINT64 &&
      nc_get_att_ulonglong(ncid, varid, name, &whole) == NC_NOERR)
    snprintf(text, size, "%llu", whole);
  else if (length == 1 && type != NC_STRING &&
           nc_get_att_double(ncid, varid, name, &number) == NC_NOERR)
    snprintf(text, size, "%.17g", number);
  else
    snprintf(text, size, "%zu values", length);
}

/* Whether two attributes of one type and length hold the same values (bit for bit). */
static cs_status same_values(int ncid, int varid, int want_ncid, int want_varid, const char *name,
                             nc_type type, size_t length, bool *same, cs_error *err)
{
  size_t element;
  CS_CALL(nc_check(nc_inq_type(want_ncid, type, NULL, &element), "schema", name, err));
  void *value = calloc(length + 1, element), *want = calloc(length + 1, element);
  int rc = value == NULL || want == NULL ? NC_ENOMEM : NC_NOERR;
  if (rc == NC_NOERR)
    rc = nc_get_att(ncid, varid, name, value);
  if (rc == NC_NOERR)
    rc = nc_get_att(want_ncid, want_varid, name, want);
  if (rc == NC_NOERR && type == NC_STRING) {
    *same = true;
    for (size_t i = 0; i < length; i++)
      *same = *same && strcmp(((char **)value)[i], ((char **)want)[i]) == 0;
    nc_free_string(length, value);
    nc_free_string(length, want);
  } else if (rc == NC_NOERR) {
    *same = memcmp(value, want, length * element) == 0;
  }
  free(value);
  free(want);
  if (rc == NC_ENOMEM)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory comparing attribute %s", name);
  return nc_check(rc, "comparing attributes", name, err);
}

/* Attribute `name` of `owner` ("variable x" or "the file") as the schema has it: present,
 * of its type, and (by_value) of its length and values. */
static cs_status check_attribute(int ncid, int varid, int want_ncid, int want_varid,
                                 const char *name, const char *owner, bool by_value,
                                 const char *path, cs_error *err)
{
  nc_type type, want_type;
  size_t length, want_length;
  CS_CALL(nc_check(nc_inq_att(want_ncid, want_varid, name, &want_type, &want_length), "schema",
                   name, err));
  CS_CHECK(nc_inq_att(ncid, varid, name, &type, &length) == NC_NOERR, err, CS_ERR_BAD_FILE,
           "%s: %s has no attribute %s", path, owner, name);
  if (type != want_type) {
    char found[NC_MAX_NAME + 1], expected[NC_MAX_NAME + 1];
    type_name(ncid, type, found);
    type_name(want_ncid, want_type, expected);
    return cs_error_set(err, CS_ERR_BAD_FILE, "%s: attribute %s of %s has type %s, expected %s",
                        path, name, owner, found, expected);
  }
  if (!by_value)
    return CS_OK;
  bool same = length == want_length;
  if (same)
    CS_CALL(same_values(ncid, varid, want_ncid, want_varid, name, type, length, &same, err));
  if (same)
    return CS_OK;
  char found[96], expected[96];
  value_text(ncid, varid, name, type, length, found, sizeof found);
  value_text(want_ncid, want_varid, name, want_type, want_length, expected, sizeof expected);
  return cs_error_set(err, CS_ERR_BAD_FILE,
                      "%s: attribute %s of %s is %s, but its cohort and run imply %s", path, name,
                      owner, found, expected);
}

static cs_status check_dimensions(int ncid, int want_ncid, const char *path, cs_error *err)
{
  int n_want, n_found;
  CS_CALL(nc_check(nc_inq_ndims(want_ncid, &n_want), "schema", "dimensions", err));
  CS_CALL(nc_check(nc_inq_ndims(ncid, &n_found), path, "dimensions", err));
  for (int d = 0; d < n_want; d++) {
    char name[NC_MAX_NAME + 1];
    size_t want_length, length;
    int dimid;
    CS_CALL(nc_check(nc_inq_dim(want_ncid, d, name, &want_length), "schema", "dimension", err));
    CS_CHECK(nc_inq_dimid(ncid, name, &dimid) == NC_NOERR, err, CS_ERR_BAD_FILE,
             "%s: dimension %s is missing", path, name);
    CS_CALL(nc_check(nc_inq_dimlen(ncid, dimid, &length), path, name, err));
    CS_CHECK(length == want_length, err, CS_ERR_BAD_FILE,
             "%s: dimension %s has length %zu, but its cohort and run imply %zu", path, name,
             length, want_length);
  }
  /* Every expected dimension is there, so more of them means one the schema lacks. */
  CS_CHECK(n_found == n_want, err, CS_ERR_BAD_FILE,
           "%s: %d dimensions, but its cohort and run imply %d (an extra dimension)", path, n_found,
           n_want);
  return CS_OK;
}

/* Variable `want_varid` of the schema: present in the file with its type, dimensions
 * (by name: their lengths are checked with the dimensions) and attributes. */
static cs_status check_variable(int ncid, int want_ncid, int want_varid, const char *path,
                                cs_error *err)
{
  char name[NC_MAX_NAME + 1], owner[NC_MAX_NAME + 16];
  nc_type want_type, type;
  int want_dims, n_dims, want_atts, varid;
  CS_CALL(
      nc_check(nc_inq_var(want_ncid, want_varid, name, &want_type, &want_dims, NULL, &want_atts),
               "schema", "variable", err));
  snprintf(owner, sizeof owner, "variable %s", name);
  CS_CHECK(nc_inq_varid(ncid, name, &varid) == NC_NOERR, err, CS_ERR_BAD_FILE,
           "%s: variable %s is missing", path, name);
  CS_CALL(nc_check(nc_inq_vartype(ncid, varid, &type), path, name, err));
  if (type != want_type) {
    char found[NC_MAX_NAME + 1], expected[NC_MAX_NAME + 1];
    type_name(ncid, type, found);
    type_name(want_ncid, want_type, expected);
    return cs_error_set(err, CS_ERR_BAD_FILE, "%s: variable %s has type %s, expected %s", path,
                        name, found, expected);
  }
  char shape[512], want_shape[512];
  shape_text(ncid, varid, shape, sizeof shape);
  shape_text(want_ncid, want_varid, want_shape, sizeof want_shape);
  CS_CALL(nc_check(nc_inq_varndims(ncid, varid, &n_dims), path, name, err));
  CS_CHECK(n_dims == want_dims && strcmp(shape, want_shape) == 0, err, CS_ERR_BAD_FILE,
           "%s: variable %s has dimensions %s, expected %s", path, name, shape, want_shape);
  for (int a = 0; a < want_atts; a++) {
    char attribute[NC_MAX_NAME + 1];
    CS_CALL(nc_check(nc_inq_attname(want_ncid, want_varid, a, attribute), "schema", name, err));
    CS_CALL(check_attribute(ncid, varid, want_ncid, want_varid, attribute, owner, true, path, err));
  }
  return CS_OK;
}

static cs_status check_variables(int ncid, int want_ncid, const char *path, cs_error *err)
{
  int n_want, n_found;
  CS_CALL(nc_check(nc_inq_nvars(want_ncid, &n_want), "schema", "variables", err));
  CS_CALL(nc_check(nc_inq_nvars(ncid, &n_found), path, "variables", err));
  for (int v = 0; v < n_want; v++)
    CS_CALL(check_variable(ncid, want_ncid, v, path, err));
  CS_CHECK(n_found == n_want, err, CS_ERR_BAD_FILE,
           "%s: %d variables, but its cohort and run imply %d (an extra variable)", path, n_found,
           n_want);
  return CS_OK;
}

static cs_status check_global_attributes(int ncid, int want_ncid, const char *path, cs_error *err)
{
  int n_want;
  CS_CALL(nc_check(nc_inq_natts(want_ncid, &n_want), "schema", "attributes", err));
  for (int a = 0; a < n_want; a++) {
    char name[NC_MAX_NAME + 1];
    CS_CALL(nc_check(nc_inq_attname(want_ncid, NC_GLOBAL, a, name), "schema", "attribute", err));
    CS_CALL(check_attribute(ncid, NC_GLOBAL, want_ncid, NC_GLOBAL, name, "the file",
                            !is_provenance(name), path, err));
  }
  return CS_OK;
}

cs_status cs_ncschema_check(int ncid, const char *path, const cs_cohort *cohort,
                            const cs_run_info *info, cs_error *err)
{
  int want;
  cs_ncout *schema = NULL;
  CS_CALL(nc_check(nc_create("cohortsim-schema", NC_NETCDF4 | NC_DISKLESS, &want), path,
                   "in-memory schema", err));
  cs_status status = cs_ncout_define(want, cohort, info, &schema, err);
  if (status != CS_OK && status != CS_ERR_NOMEM) {
    cs_error_add_context(err, "%s: the schema its cohort and run attributes imply cannot be made",
                         path);
    status = CS_ERR_BAD_FILE;
  }
  if (status == CS_OK)
    status = check_dimensions(ncid, want, path, err);
  if (status == CS_OK)
    status = check_variables(ncid, want, path, err);
  if (status == CS_OK)
    status = check_global_attributes(ncid, want, path, err);
  cs_ncout_destroy(&schema);
  /* Abort, not close: the schema is never kept, and a close of a file whose definition
   * failed half-way tries to leave define mode, fails, and leaves it open (HDF5 then
   * crashed closing it at exit). */
  nc_abort(want);
  return status;
}

/* One number of a run attribute, of exactly the type the writer gives it. */
static cs_status get_run_number(const cs_ncfile *f, const char *name, nc_type type, void *value,
                                cs_error *err)
{
  nc_type found;
  size_t length;
  CS_CHECK(nc_inq_att(f->ncid, NC_GLOBAL, name, &found, &length) == NC_NOERR, err, CS_ERR_BAD_FILE,
           "%s: attribute %s is missing", f->path, name);
  if (found != type || length != 1) {
    char found_name[NC_MAX_NAME + 1], want_name[NC_MAX_NAME + 1];
    type_name(f->ncid, found, found_name);
    type_name(f->ncid, type, want_name);
    return cs_error_set(err, CS_ERR_BAD_FILE,
                        "%s: attribute %s holds %zu values of type %s, expected one %s", f->path,
                        name, length, found_name, want_name);
  }
  return nc_check(nc_get_att(f->ncid, NC_GLOBAL, name, value), f->path, name, err);
}

/* A text attribute, allocated; a missing or non-text one is CS_ERR_BAD_FILE. */
static cs_status get_run_text(const cs_ncfile *f, const char *name, char **value, cs_error *err)
{
  *value = cs_ncout_text_attribute(f->ncid, name);
  CS_CHECK(*value != NULL, err, CS_ERR_BAD_FILE,
           "%s: not a cohortsim output file (no text attribute %s)", f->path, name);
  return CS_OK;
}

/* The run the file says it is: the data-defining attributes, the shard's patients
 * derived from them (the file's own dimensions are checked against these later). */
static cs_status read_run(cs_ncfile *f, char **cohort_yaml, char **cohort_path, cs_error *err)
{
  char *version = NULL;
  CS_CALL(get_run_text(f, "cohort_yaml", cohort_yaml, err));
  CS_CALL(get_run_text(f, "cohort_path", cohort_path, err));
  CS_CALL(get_run_text(f, "software_version", &version, err));
  const bool same_version = strcmp(version, CS_VERSION_STRING) == 0;
  const cs_status status =
      same_version ? CS_OK
                   : cs_error_set(err, CS_ERR_USAGE,
                                  "%s was written by cohortsim %s; this is %s, whose numbers and "
                                  "file layout may differ: read it with the version that wrote it",
                                  f->path, version, CS_VERSION_STRING);
  free(version);
  CS_CALL(status);
  nc_type type;
  CS_CHECK(nc_inq_atttype(f->ncid, NC_GLOBAL, "override_list", &type) == NC_NOERR &&
               type == NC_STRING,
           err, CS_ERR_BAD_FILE, "%s: attribute override_list is missing or not a list of strings",
           f->path);
  CS_CALL(cs_ncout_get_overrides(f->ncid, &f->sets, &f->info.n_sets, err));
  unsigned long long seed, n_patients;
  int shard_index, shard_count;
  CS_CALL(get_run_number(f, "seed", NC_UINT64, &seed, err));
  CS_CALL(get_run_number(f, "n_patients", NC_UINT64, &n_patients, err));
  CS_CALL(get_run_number(f, "shard_index", NC_INT, &shard_index, err));
  CS_CALL(get_run_number(f, "shard_count", NC_INT, &shard_count, err));
  CS_CHECK(shard_count >= 1 && shard_index >= 0 && shard_index < shard_count &&
               n_patients >= (unsigned long long)shard_count,
           err, CS_ERR_BAD_FILE,
           "%s: attributes shard_index %d, shard_count %d and n_patients %llu are not a shard of "
           "a cohort (expected 0 <= shard_index < shard_count <= n_patients)",
           f->path, shard_index, shard_count, n_patients);
  size_t first, count;
  cs_ncout_shard_patients((size_t)n_patients, shard_index, shard_count, &first, &count);
  f->info = (cs_run_info){.seed = seed,
                          .n_patients = (size_t)n_patients,
                          .first_patient = first,
                          .file_patients = count,
                          .shard_index = shard_index,
                          .shard_count = shard_count,
                          .chunk_size = cs_ncout_chunk_size((size_t)n_patients),
                          .mpi_ranks = 1,
                          .hostname = "",
                          .slurm_job_id = "",
                          .slurm_array_job_id = "",
                          .slurm_array_task_id = "",
                          .created = "",
                          .n_sets = f->info.n_sets,
                          .sets = (const char *const *)f->sets};
  f->n_chunks = cs_ncout_chunk_count(count, f->info.chunk_size);
  return CS_OK;
}

static cs_status load_cohort(cs_ncfile *f, const char *cohort_yaml, const char *cohort_path,
                             cs_error *err)
{
  /* Only a cohort on an SBML model has the model's text. */
  char *sbml_text = cs_ncout_text_attribute(f->ncid, "sbml_text");
  const cs_status status = cs_cohort_load_embedded(cohort_yaml, cohort_path, sbml_text,
                                                   f->info.n_sets, f->info.sets, &f->cohort, err);
  free(sbml_text);
  if (status == CS_OK || status == CS_ERR_NOMEM)
    return status;
  cs_error_add_context(err,
                       "%s: its embedded cohort (attributes cohort_yaml, sbml_text, override_list) "
                       "does not load",
                       f->path);
  return CS_ERR_BAD_FILE;
}

static cs_status count_chunks_done(cs_ncfile *f, cs_error *err)
{
  int varid;
  unsigned char *done = malloc(f->n_chunks + 1);
  CS_CHECK(done != NULL, err, CS_ERR_NOMEM, "out of memory reading chunk_done");
  int rc = nc_inq_varid(f->ncid, "chunk_done", &varid);
  if (rc == NC_NOERR)
    rc = nc_get_var_uchar(f->ncid, varid, done);
  /* Chunks never written hold the fill value (255), not 0: only 1 means done. */
  for (size_t c = 0; c < f->n_chunks && rc == NC_NOERR; c++)
    f->chunks_done += done[c] == 1;
  free(done);
  return nc_check(rc, f->path, "chunk_done", err);
}

static cs_status open_checked(cs_ncfile *f, cs_error *err)
{
  char *cohort_yaml = NULL, *cohort_path = NULL;
  cs_status status = read_run(f, &cohort_yaml, &cohort_path, err);
  if (status == CS_OK)
    status = load_cohort(f, cohort_yaml, cohort_path, err);
  if (status == CS_OK)
    status = cs_ncschema_check(f->ncid, f->path, f->cohort, &f->info, err);
  if (status == CS_OK)
    status = count_chunks_done(f, err);
  free(cohort_yaml);
  free(cohort_path);
  return status;
}

cs_status cs_ncfile_open(const char *path, cs_ncfile **file, cs_error *err)
{
  *file = NULL;
  cs_ncfile *f = calloc(1, sizeof *f);
  CS_CHECK(f != NULL, err, CS_ERR_NOMEM, "out of memory opening %s", path);
  f->path = path;
  const int rc = nc_open(path, NC_NOWRITE, &f->ncid);
  if (rc != NC_NOERR) {
    free(f);
    if (rc == NC_ENOTNC)
      return cs_error_set(err, CS_ERR_BAD_FILE, "%s: not a NetCDF file", path);
    return nc_check(rc, path, "open", err);
  }
  const cs_status status = open_checked(f, err);
  if (status != CS_OK) {
    cs_ncfile_close(&f);
    return status;
  }
  *file = f;
  return CS_OK;
}

cs_status cs_ncfile_require_complete(const cs_ncfile *f, cs_error *err)
{
  CS_CHECK(f->chunks_done == f->n_chunks, err, CS_ERR_BAD_FILE,
           "%s is incomplete: %zu of %zu chunks done; finish it with `cohortsim run --resume` "
           "and the command that started it",
           f->path, f->chunks_done, f->n_chunks);
  nc_type type;
  CS_CHECK(nc_inq_atttype(f->ncid, NC_GLOBAL, "ended", &type) == NC_NOERR, err, CS_ERR_BAD_FILE,
           "%s is incomplete: all %zu chunks are done, but its statistics were never written; "
           "finish it with `cohortsim run --resume` and the command that started it",
           f->path, f->n_chunks);
  return CS_OK;
}

void cs_ncfile_close(cs_ncfile **file)
{
  if (file == NULL || *file == NULL)
    return;
  cs_ncfile *f = *file;
  nc_close(f->ncid);
  cs_cohort_destroy(&f->cohort);
  cs_ncout_free_strings(f->sets, f->info.n_sets);
  free(f);
  *file = NULL;
}
