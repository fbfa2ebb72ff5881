#include "cohortsim/verify.h"

#include <netcdf.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
#include "cohortsim/model.h"
#include "cohortsim/ncout.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"
#include "cs_version.h"

static cs_status nc_check(int rc, const char *what, cs_error *err)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "%s: %s", what, nc_strerror(rc));
}

/* The file and what it says about the run that wrote it. */
typedef struct verified_file {
  int ncid;
  const char *path;
  char *cohort_yaml, *cohort_path, *version;
  char **sets;
  int n_sets;
  cs_run_info info;
  cs_patient_var *vars;
  int n_vars;
} verified_file;

static cs_status read_run(verified_file *f, cs_error *err)
{
  unsigned long long seed, n_patients, first;
  int dim;
  f->cohort_yaml = cs_ncout_text_attribute(f->ncid, "cohort_yaml");
  f->cohort_path = cs_ncout_text_attribute(f->ncid, "cohort_path");
  f->version = cs_ncout_text_attribute(f->ncid, "software_version");
  CS_CHECK(f->cohort_yaml != NULL && f->cohort_path != NULL && f->version != NULL, err,
           CS_ERR_USAGE, "%s: not a cohortsim output file (no cohort_yaml)", f->path);
  CS_CHECK(strcmp(f->version, CS_VERSION_STRING) == 0, err, CS_ERR_USAGE,
           "%s was written by cohortsim %s; this is %s, whose numbers may differ: verify with "
           "the version that wrote it",
           f->path, f->version, CS_VERSION_STRING);
  CS_CALL(cs_ncout_get_overrides(f->ncid, &f->sets, &f->n_sets, err));
  CS_CALL(nc_check(nc_get_att_ulonglong(f->ncid, NC_GLOBAL, "seed", &seed), "seed", err));
  CS_CALL(nc_check(nc_get_att_ulonglong(f->ncid, NC_GLOBAL, "n_patients", &n_patients),
                   "n_patients", err));
  CS_CALL(nc_check(nc_get_att_ulonglong(f->ncid, NC_GLOBAL, "shard_first_patient", &first),
                   "shard_first_patient", err));
  CS_CALL(nc_check(nc_inq_dimid(f->ncid, "patient", &dim), "patient", err));
  CS_CALL(nc_check(nc_inq_dimlen(f->ncid, dim, &f->info.file_patients), "patient", err));
  f->info.seed = seed;
  f->info.n_patients = (size_t)n_patients;
  f->info.first_patient = (size_t)first;
  return cs_ncout_patient_vars(f->ncid, &f->vars, &f->n_vars, err);
}

/* An in-memory file with the schema, holding one re-simulated patient at index 0. */
static cs_status create_scratch(const cs_cohort *cohort, const verified_file *f, int *ncid,
                                cs_ncout **out, cs_error *err)
{
  const cs_run_info info = {.seed = f->info.seed,
                            .n_patients = f->info.n_patients,
                            .file_patients = 1,
                            .shard_count = 1,
                            .chunk_size = 1,
                            .hostname = "",
                            .slurm_job_id = "",
                            .slurm_array_job_id = "",
                            .slurm_array_task_id = "",
                            .created = "",
                            .n_sets = f->n_sets,
                            .sets = (const char *const *)f->sets};
  CS_CALL(nc_check(nc_create("cohortsim-verify", NC_NETCDF4 | NC_DISKLESS, ncid), "in-memory file",
                   err));
  const cs_status status = cs_ncout_define(*ncid, cohort, &info, out, err);
  if (status != CS_OK) {
    nc_close(*ncid);
    *ncid = -1;
  }
  return status;
}

static const cs_patient_var *find_var(const cs_patient_var *vars, int n, const char *name)
{
  for (int i = 0; i < n; i++)
    if (strcmp(vars[i].name, name) == 0)
      return &vars[i];
  return NULL;
}

/* Compares patient `local` of the file with the scratch file's patient 0, variable by
 * variable, naming the first difference. */
static cs_status compare_patient(const verified_file *f, size_t local, int scratch,
                                 const cs_patient_var *scratch_vars, int n_scratch_vars,
                                 const cs_cohort *cohort, unsigned char *a, unsigned char *b,
                                 cs_error *err)
{
  const size_t patient = f->info.first_patient + local;
  for (int i = 0; i < f->n_vars; i++) {
    const cs_patient_var *v = &f->vars[i];
    const cs_patient_var *mine = find_var(scratch_vars, n_scratch_vars, v->name);
    CS_CHECK(mine != NULL, err, CS_ERR_MISMATCH, "%s: variable %s is not in this version's schema",
             f->path, v->name);
    const size_t bytes = cs_ncout_patient_bytes(v);
    CS_CALL(cs_ncout_get_patients(f->ncid, v, local, 1, a, err));
    CS_CALL(cs_ncout_get_patients(scratch, mine, 0, 1, b, err));
    if (memcmp(a, b, bytes) == 0)
      continue;
    size_t element = 0;
    while (memcmp(a + element * v->type_size, b + element * v->type_size, v->type_size) == 0)
      element++;
    /* (arm, patient, ...) variables: the arm is the element's position along axis 0. */
    size_t inner = 1;
    for (int d = 1; d < v->n_dims; d++)
      if (d != v->patient_axis)
        inner *= v->length[d];
    const char *arm = v->patient_axis == 1 ? cohort->arm[element / inner].name : "(all arms)";
    return cs_error_set(err, CS_ERR_MISMATCH,
                        "%s: patient %zu, arm %s, variable %s differs from its re-simulation",
                        f->path, patient, arm, v->name);
  }
  return CS_OK;
}

static cs_status verify_patients(verified_file *f, const cs_cohort *cohort, size_t sample,
                                 FILE *report, cs_error *err)
{
  cs_model *model = NULL;
  cs_patient_sim *sim = NULL;
  cs_records *records = NULL;
  cs_ncout *out = NULL;
  cs_patient_var *scratch_vars = NULL;
  int scratch = -1, n_scratch_vars = 0;
  size_t largest = 0;
  for (int i = 0; i < f->n_vars; i++)
    largest = cs_ncout_patient_bytes(&f->vars[i]) > largest ? cs_ncout_patient_bytes(&f->vars[i])
                                                            : largest;
  unsigned char *a = malloc(largest + 1), *b = malloc(largest + 1);
  cs_status status = a == NULL || b == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                                            : cs_model_create(cohort, &model, err);
  if (status == CS_OK)
    status = cs_patient_sim_create(model, &sim, err);
  if (status == CS_OK)
    status = cs_records_create(cohort, 0, 1, &records, err);
  if (status == CS_OK)
    status = create_scratch(cohort, f, &scratch, &out, err);
  if (status == CS_OK)
    status = cs_ncout_patient_vars(scratch, &scratch_vars, &n_scratch_vars, err);

  const size_t n = f->info.file_patients;
  const size_t count = sample == 0 || sample > n ? n : sample;
  for (size_t k = 0; k < count && status == CS_OK; k++) {
    const size_t local = count == n ? k : k * n / count;
    records->first_patient = f->info.first_patient + local;
    status = cs_patient_sim_run(sim, f->info.seed, records->first_patient, records, err);
    /* The scratch file holds one patient, at index 0. */
    records->first_patient = 0;
    if (status == CS_OK)
      status = cs_ncout_write_records(out, records, err);
    if (status == CS_OK)
      status = compare_patient(f, local, scratch, scratch_vars, n_scratch_vars, cohort, a, b, err);
  }
  if (status == CS_OK)
    fprintf(report, "%s: %zu of %zu patients re-simulated, every value identical\n", f->path, count,
            n);
  free(scratch_vars);
  cs_ncout_destroy(&out);
  if (scratch >= 0)
    nc_close(scratch);
  cs_records_destroy(&records);
  cs_patient_sim_destroy(&sim);
  cs_model_destroy(&model);
  free(a);
  free(b);
  return status;
}

cs_status cs_verify_file(const char *path, size_t sample, FILE *report, cs_error *err)
{
  verified_file f = {.path = path};
  cs_cohort *cohort = NULL;
  cs_status status = nc_check(nc_open(path, NC_NOWRITE, &f.ncid), path, err);
  if (status != CS_OK)
    return status;
  status = read_run(&f, err);
  if (status == CS_OK)
    status = cs_cohort_load_string(f.cohort_yaml, f.cohort_path, f.n_sets,
                                   (const char *const *)f.sets, &cohort, err);
  if (status == CS_OK)
    status = verify_patients(&f, cohort, sample, report, err);
  cs_cohort_destroy(&cohort);
  free(f.vars);
  cs_ncout_free_strings(f.sets, f.n_sets);
  free(f.cohort_yaml);
  free(f.cohort_path);
  free(f.version);
  nc_close(f.ncid);
  return status;
}
