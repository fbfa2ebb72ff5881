#include "cohortsim/merge.h"

#include <errno.h>
#include <netcdf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohortsim/cohort.h"
#include "cohortsim/ncout.h"
#include "cohortsim/ncschema.h"

/* Both on the same SBML text, or neither on one. */
static bool same_sbml(const cs_cohort *a, const cs_cohort *b)
{
  if (a->sbml_text == NULL || b->sbml_text == NULL)
    return a->sbml_text == b->sbml_text;
  return strcmp(a->sbml_text, b->sbml_text) == 0;
}

static cs_status nc_check(int rc, const char *path, cs_error *err)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "%s: %s", path, nc_strerror(rc));
}

static bool same_sets(const cs_run_info *a, const cs_run_info *b)
{
  if (a->n_sets != b->n_sets)
    return false;
  for (int i = 0; i < a->n_sets; i++)
    if (strcmp(a->sets[i], b->sets[i]) != 0)
      return false;
  return true;
}

/* Every shard must come from the same run as the first, and each index appear once.
 * Each is a checked file of this version (cs_ncfile_open), so its shard index is below
 * its shard count. */
static cs_status check_shards(int n, cs_ncfile *const *shards, cs_error *err)
{
  const cs_ncfile *first = shards[0];
  CS_CHECK(first->info.shard_count == n, err, CS_ERR_USAGE,
           "%s is shard %d of %d, but %d files were given: merge needs all shards, once each",
           first->path, first->info.shard_index, first->info.shard_count, n);
  bool *seen = calloc((size_t)n, sizeof *seen);
  CS_CHECK(seen != NULL, err, CS_ERR_NOMEM, "out of memory");
  cs_status status = CS_OK;
  for (int i = 0; i < n && status == CS_OK; i++) {
    const cs_ncfile *s = shards[i];
    const char *differs = strcmp(s->cohort->text, first->cohort->text) != 0 ? "cohort file"
                          : !same_sbml(s->cohort, first->cohort)            ? "SBML model"
                          : !same_sets(&s->info, &first->info)              ? "--set overrides"
                          : s->info.seed != first->info.seed                ? "seed"
                          : s->info.n_patients != first->info.n_patients    ? "number of patients"
                          : s->info.shard_count != first->info.shard_count  ? "number of shards"
                                                                            : NULL;
    if (differs != NULL)
      status =
          cs_error_set(err, CS_ERR_USAGE, "%s and %s are not shards of one run: the %s differs",
                       first->path, s->path, differs);
    else if (seen[s->info.shard_index])
      status = cs_error_set(err, CS_ERR_USAGE, "shard %d/%d is given twice (%s)",
                            s->info.shard_index, s->info.shard_count, s->path);
    else
      seen[s->info.shard_index] = true;
  }
  free(seen);
  return status;
}

/* Copies every per-patient variable of one shard into the merged file. */
static cs_status copy_shard(const cs_ncfile *shard, int to, cs_error *err)
{
  cs_patient_var *vars = NULL;
  int n_vars = 0;
  const cs_run_info *s = &shard->info;
  CS_CALL(cs_ncout_patient_vars(shard->ncid, &vars, &n_vars, err));
  cs_status status = CS_OK;
  for (int i = 0; i < n_vars && status == CS_OK; i++) {
    const cs_patient_var *v = &vars[i];
    int to_varid;
    status = nc_check(nc_inq_varid(to, v->name, &to_varid), shard->path, err);
    void *values = malloc(cs_ncout_patient_bytes(v) * s->file_patients + 1);
    if (status == CS_OK && values == NULL)
      status = cs_error_set(err, CS_ERR_NOMEM, "out of memory copying %s", v->name);
    if (status == CS_OK)
      status = cs_ncout_get_patients(shard->ncid, v, 0, s->file_patients, values, err);
    if (status == CS_OK) {
      cs_patient_var target = *v;
      target.varid = to_varid;
      target.length[v->patient_axis] = s->n_patients;
      status = cs_ncout_put_patients(to, &target, s->first_patient, s->file_patients, values, err);
    }
    free(values);
  }
  free(vars);
  return status;
}

/* The merged file: schema of a single run, data copied shard by shard, all chunks done. */
static cs_status write_merged(int n, cs_ncfile *const *shards, const char *partial, cs_error *err)
{
  const cs_run_info *first = &shards[0]->info;
  char hostname[256] = "", created[32];
  gethostname(hostname, sizeof hostname - 1);
  cs_ncout_timestamp(created, sizeof created);
  const char *job = getenv("SLURM_JOB_ID");
  const cs_run_info run = {.seed = first->seed,
                           .n_patients = first->n_patients,
                           .first_patient = 0,
                           .file_patients = first->n_patients,
                           .shard_index = 0,
                           .shard_count = 1,
                           .chunk_size = cs_ncout_chunk_size(first->n_patients),
                           .mpi_ranks = 1,
                           .hostname = hostname,
                           .slurm_job_id = job != NULL ? job : "",
                           .slurm_array_job_id = "",
                           .slurm_array_task_id = "",
                           .created = created,
                           .n_sets = first->n_sets,
                           .sets = first->sets};
  int to;
  CS_CALL(nc_check(nc_create(partial, NC_NETCDF4 | NC_CLOBBER, &to), partial, err));
  cs_ncout *out = NULL;
  cs_status status = cs_ncout_define(to, shards[0]->cohort, &run, &out, err);
  for (int i = 0; i < n && status == CS_OK; i++)
    status = copy_shard(shards[i], to, err);
  if (status == CS_OK)
    status =
        cs_ncout_mark_done(out, 0, cs_ncout_chunk_count(run.file_patients, run.chunk_size), err);
  cs_ncout_destroy(&out);
  const cs_status closed = nc_check(nc_close(to), partial, err);
  return status != CS_OK ? status : closed;
}

cs_status cs_merge_shards(int n, const char *const *paths, const char *output_path, cs_error *err)
{
  cs_ncfile **shards = calloc((size_t)n, sizeof *shards);
  char partial[4096];
  CS_CHECK(shards != NULL, err, CS_ERR_NOMEM, "out of memory");
  snprintf(partial, sizeof partial, "%s.partial", output_path);
  /* Each shard checked against its own schema and complete before anything is read. */
  cs_status status = CS_OK;
  for (int i = 0; i < n && status == CS_OK; i++) {
    status = cs_ncfile_open(paths[i], &shards[i], err);
    if (status == CS_OK)
      status = cs_ncfile_require_complete(shards[i], err);
  }
  if (status == CS_OK)
    status = check_shards(n, shards, err);
  if (status == CS_OK)
    status = write_merged(n, shards, partial, err);
  if (status == CS_OK) {
    const double no_busy = 0;
    const cs_run_end end = {.wall_seconds = 0, .ended = "", .busy_seconds = &no_busy, .n_ranks = 1};
    status = cs_ncout_finalize(partial, shards[0]->cohort, &end, err);
  }
  if (status == CS_OK && rename(partial, output_path) != 0)
    status = cs_error_set(err, CS_ERR_IO, "cannot rename '%s' to '%s': %s", partial, output_path,
                          strerror(errno));
  if (status != CS_OK)
    remove(partial);
  for (int i = 0; i < n; i++)
    cs_ncfile_close(&shards[i]);
  free(shards);
  return status;
}
