/* `cohortsim run` over MPI: load the cohort everywhere, create the output file, simulate
 * each rank's block of patients, write the blocks in parallel, then complete the file
 * (coordinates, statistics) on rank 0 and rename it into place. */
#include "driver.h"

#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cohortsim/model.h"
#include "cohortsim/ncout.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"
#include "progress.h"

static int world_rank(void)
{
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

static int world_size(void)
{
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

cs_status cs_driver_agree(cs_status status, cs_error *err)
{
  const int rank = world_rank(), size = world_size();
  int mine = status != CS_OK ? rank : size, first;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == size)
    return CS_OK;
  int code = (int)status;
  MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
  MPI_Bcast(err->message, (int)sizeof err->message, MPI_CHAR, first, MPI_COMM_WORLD);
  err->status = (cs_status)code;
  return err->status;
}

static cs_status read_file(const char *path, char **text, long *length, cs_error *err)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return cs_error_set(err, CS_ERR_IO, "%s: cannot open cohort file: %s", path, strerror(errno));
  cs_status status = CS_OK;
  *text = NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (*length = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
      *length >= INT_MAX) {
    status = cs_error_set(err, CS_ERR_IO, "%s: cannot read cohort file", path);
  } else if ((*text = malloc((size_t)*length + 1)) == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "%s: out of memory reading cohort file", path);
  } else if (fread(*text, 1, (size_t)*length, f) != (size_t)*length) {
    status = cs_error_set(err, CS_ERR_IO, "%s: cannot read cohort file: %s", path,
                          strerror(errno));
  } else {
    (*text)[*length] = '\0';
  }
  fclose(f);
  if (status != CS_OK) {
    free(*text);
    *text = NULL;
  }
  return status;
}

cs_status cs_driver_load_cohort(const char *path, int n_sets, const char *const *sets,
                                cs_cohort **cohort, cs_error *err)
{
  char *text = NULL;
  long length = 0;
  *cohort = NULL;
  cs_status status = world_rank() == 0 ? read_file(path, &text, &length, err) : CS_OK;
  status = cs_driver_agree(status, err);
  if (status != CS_OK)
    return status;
  MPI_Bcast(&length, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  if (world_rank() != 0 && (text = malloc((size_t)length + 1)) == NULL)
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory receiving the cohort file");
  status = cs_driver_agree(status, err);
  if (status == CS_OK) {
    MPI_Bcast(text, (int)length + 1, MPI_CHAR, 0, MPI_COMM_WORLD);
    status = cs_cohort_load_string(text, path, n_sets, sets, cohort, err);
  }
  free(text);
  return cs_driver_agree(status, err);
}

static void utc_timestamp(char *out, size_t size)
{
  const time_t now = time(NULL);
  struct tm utc;
  gmtime_r(&now, &utc);
  strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &utc);
}

/* Creates the output under its temporary name and defines the schema, before any
 * simulation, so a bad path fails in seconds rather than after hours. Collective. */
static cs_status create_output(const char *partial_path, const cs_cohort *cohort,
                               const cs_run_options *options, int *ncid, cs_ncout **out,
                               cs_error *err)
{
  /* Every rank must pass the same attribute values: rank 0's host and clock stand for
   * the job. */
  char hostname[256] = "", created[32];
  gethostname(hostname, sizeof hostname - 1);
  utc_timestamp(created, sizeof created);
  MPI_Bcast(hostname, sizeof hostname, MPI_CHAR, 0, MPI_COMM_WORLD);
  MPI_Bcast(created, sizeof created, MPI_CHAR, 0, MPI_COMM_WORLD);
  const char *job = getenv("SLURM_JOB_ID");
  const cs_run_info info = {.seed = options->seed,
                            .n_patients = options->n_patients,
                            .mpi_ranks = world_size(),
                            .hostname = hostname,
                            .slurm_job_id = job != NULL ? job : "",
                            .created = created};
  cs_status status = cs_driver_agree(cs_ncout_par_create(partial_path, ncid, err), err);
  if (status != CS_OK)
    return status;
  status = cs_driver_agree(cs_ncout_define(*ncid, cohort, &info, out, err), err);
  if (status == CS_OK)
    status = cs_driver_agree(cs_ncout_par_collective(*ncid, err), err);
  if (status != CS_OK)
    nc_close(*ncid);
  return status;
}

/* This rank's share: a contiguous block, so every rank writes one hyperslab. */
static void block_of_rank(size_t n_patients, size_t *first, size_t *count)
{
  const size_t rank = (size_t)world_rank(), size = (size_t)world_size();
  *first = n_patients * rank / size;
  *count = n_patients * (rank + 1) / size - *first;
}

static cs_status simulate_block(const cs_model *model, const cs_run_options *options,
                                cs_records *records, cs_error *err)
{
  cs_patient_sim *sim = NULL;
  CS_CALL(cs_patient_sim_create(model, &sim, err));
  cs_progress progress;
  cs_progress_begin(&progress, "cohortsim run (rank 0's share)", records->n_patients,
                    !options->quiet && world_rank() == 0);
  cs_status status = CS_OK;
  size_t done = 0;
  for (; done < records->n_patients && status == CS_OK; done++) {
    status = cs_patient_sim_run(sim, options->seed, records->first_patient + done, records, err);
    cs_progress_update(&progress, done + 1);
  }
  cs_progress_end(&progress, done);
  cs_patient_sim_destroy(&sim);
  return status;
}

static cs_status run_cohort(const cs_cohort *cohort, const cs_run_options *options,
                            const char *partial_path, double t_start, cs_error *err)
{
  cs_model *model = NULL;
  cs_records *records = NULL;
  cs_ncout *out = NULL;
  int ncid = -1;
  size_t first, count;
  block_of_rank(options->n_patients, &first, &count);

  cs_status status = cs_driver_agree(cs_model_create(cohort, &model, err), err);
  if (status == CS_OK)
    status = cs_driver_agree(cs_records_create(cohort, first, count, &records, err), err);
  if (status != CS_OK)
    goto cleanup;
  status = create_output(partial_path, cohort, options, &ncid, &out, err);
  if (status != CS_OK)
    goto cleanup;
  status = cs_driver_agree(simulate_block(model, options, records, err), err);
  if (status == CS_OK)
    status = cs_driver_agree(cs_ncout_write_records(out, records, err), err);
  const int rc = nc_close(ncid);
  if (status == CS_OK && rc != NC_NOERR)
    status = cs_error_set(err, CS_ERR_NETCDF, "closing '%s': %s", partial_path, nc_strerror(rc));
  status = cs_driver_agree(status, err);
  if (status == CS_OK && world_rank() == 0)
    status = cs_ncout_finalize(partial_path, cohort, MPI_Wtime() - t_start, err);
  status = cs_driver_agree(status, err);

cleanup:
  cs_ncout_destroy(&out);
  cs_records_destroy(&records);
  cs_model_destroy(&model);
  return status;
}

cs_status cs_driver_run(const cs_run_options *options, cs_error *err)
{
  const double t_start = MPI_Wtime();
  cs_cohort *cohort = NULL;
  CS_CALL(cs_driver_load_cohort(options->cohort_path, options->n_sets, options->sets, &cohort,
                                err));
  /* The file appears under its final name only when complete. */
  const size_t path_length = strlen(options->output_path) + sizeof ".partial";
  char *partial_path = malloc(path_length);
  cs_status status = partial_path == NULL
                         ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                         : CS_OK;
  status = cs_driver_agree(status, err);
  if (status == CS_OK) {
    snprintf(partial_path, path_length, "%s.partial", options->output_path);
    status = run_cohort(cohort, options, partial_path, t_start, err);
    if (world_rank() == 0) {
      if (status == CS_OK && rename(partial_path, options->output_path) != 0)
        status = cs_error_set(err, CS_ERR_IO, "cannot rename '%s' to '%s': %s", partial_path,
                              options->output_path, strerror(errno));
      if (status != CS_OK)
        remove(partial_path);
    }
    status = cs_driver_agree(status, err);
  }
  free(partial_path);
  cs_cohort_destroy(&cohort);
  return status;
}
