#include "cohortsim/merge.h"

#include <errno.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohortsim/cohort.h"
#include "cohortsim/ncout.h"

static cs_status nc_check(int rc, const char *path, cs_error *err)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "%s: %s", path, nc_strerror(rc));
}

/* What identifies the run a shard belongs to. */
typedef struct shard_info {
  char *cohort_yaml;
  char *cohort_path;
  char *software_version;
  char **sets;
  int n_sets;
  unsigned long long seed, n_patients, first_patient;
  int shard_index, shard_count;
  size_t file_patients;
} shard_info;

static void free_shard_info(shard_info *s)
{
  free(s->cohort_yaml);
  free(s->cohort_path);
  free(s->software_version);
  cs_ncout_free_strings(s->sets, s->n_sets);
  *s = (shard_info){0};
}

static cs_status read_shard_info(int ncid, const char *path, shard_info *s, cs_error *err)
{
  int dim;
  size_t n_chunks;
  s->cohort_yaml = cs_ncout_text_attribute(ncid, "cohort_yaml");
  s->cohort_path = cs_ncout_text_attribute(ncid, "cohort_path");
  s->software_version = cs_ncout_text_attribute(ncid, "software_version");
  CS_CHECK(s->cohort_yaml != NULL && s->cohort_path != NULL && s->software_version != NULL, err,
           CS_ERR_USAGE, "%s: not a cohortsim output file (no cohort_yaml)", path);
  CS_CALL(cs_ncout_get_overrides(ncid, &s->sets, &s->n_sets, err));
  CS_CALL(nc_check(nc_get_att_ulonglong(ncid, NC_GLOBAL, "seed", &s->seed), path, err));
  CS_CALL(nc_check(nc_get_att_ulonglong(ncid, NC_GLOBAL, "n_patients", &s->n_patients), path, err));
  CS_CALL(nc_check(nc_get_att_ulonglong(ncid, NC_GLOBAL, "shard_first_patient", &s->first_patient),
                   path, err));
  CS_CALL(nc_check(nc_get_att_int(ncid, NC_GLOBAL, "shard_index", &s->shard_index), path, err));
  CS_CALL(nc_check(nc_get_att_int(ncid, NC_GLOBAL, "shard_count", &s->shard_count), path, err));
  CS_CALL(nc_check(nc_inq_dimid(ncid, "patient", &dim), path, err));
  CS_CALL(nc_check(nc_inq_dimlen(ncid, dim, &s->file_patients), path, err));
  CS_CALL(nc_check(nc_inq_dimid(ncid, "chunk", &dim), path, err));
  CS_CALL(nc_check(nc_inq_dimlen(ncid, dim, &n_chunks), path, err));
  unsigned char *done = malloc(n_chunks + 1);
  CS_CHECK(done != NULL, err, CS_ERR_NOMEM, "out of memory");
  int varid;
  int rc = nc_inq_varid(ncid, "chunk_done", &varid);
  if (rc == NC_NOERR)
    rc = nc_get_var_uchar(ncid, varid, done);
  size_t complete = 0;
  for (size_t c = 0; c < n_chunks && rc == NC_NOERR; c++)
    complete += done[c] == 1; /* unwritten chunks hold the fill value */
  free(done);
  CS_CALL(nc_check(rc, path, err));
  CS_CHECK(complete == n_chunks, err, CS_ERR_USAGE,
           "%s: shard is incomplete (%zu of %zu chunks done): finish it with --resume first", path,
           complete, n_chunks);
  return CS_OK;
}

static bool same_sets(const shard_info *a, const shard_info *b)
{
  if (a->n_sets != b->n_sets)
    return false;
  for (int i = 0; i < a->n_sets; i++)
    if (strcmp(a->sets[i], b->sets[i]) != 0)
      return false;
  return true;
}

/* Every shard must come from the same run as the first, and each index appear once. */
static cs_status check_shards(int n, const char *const *paths, const shard_info *info,
                              cs_error *err)
{
  const shard_info *first = &info[0];
  CS_CHECK(first->shard_count == n, err, CS_ERR_USAGE,
           "%s is shard %d of %d, but %d files were given: merge needs all shards, once each",
           paths[0], first->shard_index, first->shard_count, n);
  bool *seen = calloc((size_t)n, sizeof *seen);
  CS_CHECK(seen != NULL, err, CS_ERR_NOMEM, "out of memory");
  cs_status status = CS_OK;
  for (int i = 0; i < n && status == CS_OK; i++) {
    const shard_info *s = &info[i];
    const char *differs = strcmp(s->cohort_yaml, first->cohort_yaml) != 0 ? "cohort file"
                          : !same_sets(s, first)                          ? "--set overrides"
                          : s->seed != first->seed                        ? "seed"
                          : s->n_patients != first->n_patients            ? "number of patients"
                          : s->shard_count != first->shard_count          ? "number of shards"
                          : strcmp(s->software_version, first->software_version) != 0
                              ? "cohortsim version"
                              : NULL;
    if (differs != NULL)
      status =
          cs_error_set(err, CS_ERR_USAGE, "%s and %s are not shards of one run: the %s differs",
                       paths[0], paths[i], differs);
    else if (s->shard_index < 0 || s->shard_index >= n)
      status = cs_error_set(err, CS_ERR_USAGE, "%s: shard index %d is not below %d", paths[i],
                            s->shard_index, n);
    else if (seen[s->shard_index])
      status = cs_error_set(err, CS_ERR_USAGE, "shard %d/%d is given twice (%s)", s->shard_index,
                            s->shard_count, paths[i]);
    else /* only now is shard_index known to be below n */
      seen[s->shard_index] = true;
  }
  free(seen);
  return status;
}

/* Copies every per-patient variable of one shard into the merged file. */
static cs_status copy_shard(int from, const char *path, const shard_info *s, int to, cs_error *err)
{
  cs_patient_var *vars = NULL;
  int n_vars = 0;
  CS_CALL(cs_ncout_patient_vars(from, &vars, &n_vars, err));
  cs_status status = CS_OK;
  for (int i = 0; i < n_vars && status == CS_OK; i++) {
    const cs_patient_var *v = &vars[i];
    int to_varid;
    status = nc_check(nc_inq_varid(to, v->name, &to_varid), path, err);
    void *values = malloc(cs_ncout_patient_bytes(v) * s->file_patients + 1);
    if (status == CS_OK && values == NULL)
      status = cs_error_set(err, CS_ERR_NOMEM, "out of memory copying %s", v->name);
    if (status == CS_OK)
      status = cs_ncout_get_patients(from, v, 0, s->file_patients, values, err);
    if (status == CS_OK) {
      cs_patient_var target = *v;
      target.varid = to_varid;
      target.length[v->patient_axis] = (size_t)s->n_patients;
      status = cs_ncout_put_patients(to, &target, (size_t)s->first_patient, s->file_patients,
                                     values, err);
    }
    free(values);
  }
  free(vars);
  return status;
}

/* The merged file: schema of a single run, data copied shard by shard, all chunks done. */
static cs_status write_merged(int n, const char *const *paths, const shard_info *info,
                              const cs_cohort *cohort, const char *partial, cs_error *err)
{
  const shard_info *first = &info[0];
  char hostname[256] = "", created[32];
  gethostname(hostname, sizeof hostname - 1);
  cs_ncout_timestamp(created, sizeof created);
  const char *job = getenv("SLURM_JOB_ID");
  const cs_run_info run = {.seed = first->seed,
                           .n_patients = (size_t)first->n_patients,
                           .first_patient = 0,
                           .file_patients = (size_t)first->n_patients,
                           .shard_index = 0,
                           .shard_count = 1,
                           .chunk_size = cs_ncout_chunk_size((size_t)first->n_patients),
                           .mpi_ranks = 1,
                           .hostname = hostname,
                           .slurm_job_id = job != NULL ? job : "",
                           .slurm_array_job_id = "",
                           .slurm_array_task_id = "",
                           .created = created,
                           .n_sets = first->n_sets,
                           .sets = (const char *const *)first->sets};
  int to;
  CS_CALL(nc_check(nc_create(partial, NC_NETCDF4 | NC_CLOBBER, &to), partial, err));
  cs_ncout *out = NULL;
  cs_status status = cs_ncout_define(to, cohort, &run, &out, err);
  for (int i = 0; i < n && status == CS_OK; i++) {
    int from;
    status = nc_check(nc_open(paths[i], NC_NOWRITE, &from), paths[i], err);
    if (status == CS_OK) {
      status = copy_shard(from, paths[i], &info[i], to, err);
      nc_close(from);
    }
  }
  if (status == CS_OK)
    status =
        cs_ncout_mark_done(out, 0, cs_ncout_chunk_count(run.file_patients, run.chunk_size), err);
  cs_ncout_destroy(&out);
  const cs_status closed = nc_check(nc_close(to), partial, err);
  return status != CS_OK ? status : closed;
}

cs_status cs_merge_shards(int n, const char *const *paths, const char *output_path, cs_error *err)
{
  shard_info *info = calloc((size_t)n, sizeof *info);
  cs_cohort *cohort = NULL;
  char partial[4096];
  CS_CHECK(info != NULL, err, CS_ERR_NOMEM, "out of memory");
  snprintf(partial, sizeof partial, "%s.partial", output_path);
  cs_status status = CS_OK;
  for (int i = 0; i < n && status == CS_OK; i++) {
    int ncid;
    status = nc_check(nc_open(paths[i], NC_NOWRITE, &ncid), paths[i], err);
    if (status == CS_OK) {
      status = read_shard_info(ncid, paths[i], &info[i], err);
      nc_close(ncid);
    }
  }
  if (status == CS_OK)
    status = check_shards(n, paths, info, err);
  if (status == CS_OK)
    status = cs_cohort_load_string(info[0].cohort_yaml, info[0].cohort_path, info[0].n_sets,
                                   (const char *const *)info[0].sets, &cohort, err);
  if (status == CS_OK)
    status = write_merged(n, paths, info, cohort, partial, err);
  if (status == CS_OK) {
    const double no_busy = 0;
    const cs_run_end end = {.wall_seconds = 0, .ended = "", .busy_seconds = &no_busy, .n_ranks = 1};
    status = cs_ncout_finalize(partial, cohort, &end, err);
  }
  if (status == CS_OK && rename(partial, output_path) != 0)
    status = cs_error_set(err, CS_ERR_IO, "cannot rename '%s' to '%s': %s", partial, output_path,
                          strerror(errno));
  if (status != CS_OK)
    remove(partial);
  cs_cohort_destroy(&cohort);
  for (int i = 0; i < n; i++)
    free_shard_info(&info[i]);
  free(info);
  return status;
}
