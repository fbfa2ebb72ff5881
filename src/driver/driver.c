/* `cohortsim run` over MPI.
 *
 * Rank 0 first checks the output path and takes the output's lock (output_path.c,
 * output_lock.c). Every rank loads the cohort (rank 0 reads the file and broadcasts it).
 * After a check of the free space, the output is created under a temporary name
 * (OUT.nc.partial, itself made as OUT.nc.partial.creating) before any simulation, or
 * reopened with --resume. Blocks of chunks of patients are handed out dynamically
 * (scheduler.c); finished chunks are written at their patients' indices and then marked
 * done in the file, so the file itself is the checkpoint. When all chunks are done, rank 0
 * completes the file (coordinates, cohort statistics from the records, provenance) and renames it
 * into place. A stop request ends the run with a file that --resume continues: the rank
 * that caught the signal abandons its patient at once (the engines watch the flag), the
 * others stop after their current patient. */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohortsim/model.h"
#include "cohortsim/ncout.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"
#include "output_lock.h"
#include "output_path.h"
#include "progress.h"
#include "scheduler.h"

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

cs_status cs_driver_load_cohort(const char *path, int n_sets, const char *const *sets,
                                cs_cohort **cohort, cs_error *err)
{
  char *text = NULL;
  size_t size = 0;
  *cohort = NULL;
  cs_status status = world_rank() == 0 ? cs_cohort_read_text(path, &text, &size, err) : CS_OK;
  if (status == CS_OK && size >= INT_MAX)
    status = cs_error_set(err, CS_ERR_IO, "%s: cohort file too large", path);
  status = cs_driver_agree(status, err);
  if (status != CS_OK) {
    free(text);
    return status;
  }
  long length = (long)size;
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

static const char *environment(const char *name)
{
  const char *value = getenv(name);
  return value != NULL ? value : "";
}

/* Everything about this run that the file records. Every rank passes the same values:
 * rank 0's host and clock stand for the job. */
typedef struct run_context {
  cs_run_info info;
  char hostname[256];
  char created[32];
  char partial_path[PATH_MAX];
  char creating_path[PATH_MAX]; /* where the partial file is made (create_partial) */
  double t_start;
  double busy_seconds; /* this rank's time simulating */
} run_context;

static cs_status prepare_context(const cs_run_options *options, run_context *run, cs_error *err)
{
  const size_t n = options->n_patients;
  const size_t k = (size_t)options->shard_index, shards = (size_t)options->shard_count;
  run->t_start = MPI_Wtime();
  gethostname(run->hostname, sizeof run->hostname - 1);
  cs_ncout_timestamp(run->created, sizeof run->created);
  MPI_Bcast(run->hostname, sizeof run->hostname, MPI_CHAR, 0, MPI_COMM_WORLD);
  MPI_Bcast(run->created, sizeof run->created, MPI_CHAR, 0, MPI_COMM_WORLD);
  /* Shard k of N: n/N patients each, the first n%N shards one more (no product n*k,
   * which could overflow). */
  const size_t first = k * (n / shards) + (k < n % shards ? k : n % shards);
  const size_t count = n / shards + (k < n % shards ? 1 : 0);
  run->info = (cs_run_info){
      .seed = options->seed,
      .n_patients = n,
      .first_patient = first,
      .file_patients = count,
      .shard_index = options->shard_index,
      .shard_count = options->shard_count,
      .chunk_size = cs_ncout_chunk_size(n),
      .mpi_ranks = world_size(),
      .hostname = run->hostname,
      .slurm_job_id = environment("SLURM_JOB_ID"),
      .slurm_array_job_id = environment("SLURM_ARRAY_JOB_ID"),
      .slurm_array_task_id = environment("SLURM_ARRAY_TASK_ID"),
      .created = run->created,
      .n_sets = options->n_sets,
      .sets = options->sets,
  };
  CS_CHECK(run->info.file_patients > 0, err, CS_ERR_USAGE,
           "shard %d of %d has no patients: use fewer shards than the %zu patients",
           options->shard_index, options->shard_count, n);
  /* Of the derived names, .partial.creating is the longest. */
  snprintf(run->partial_path, sizeof run->partial_path, "%s%s", options->output_path,
           CS_PARTIAL_SUFFIX);
  const int length = snprintf(run->creating_path, sizeof run->creating_path, "%s%s",
                              options->output_path, CS_CREATING_SUFFIX);
  CS_CHECK(length > 0 && (size_t)length < sizeof run->creating_path, err, CS_ERR_USAGE,
           "output path too long: %s", options->output_path);
  return CS_OK;
}

/* Closes the output; if that fails (a full disk while flushing), abandons it, so that
 * HDF5 does not try again, and crash, inside MPI_Finalize. Collective. */
static int close_output(int ncid)
{
  const int rc = nc_close(ncid);
  if (rc != NC_NOERR)
    nc_abort(ncid);
  return rc;
}

/* Flushes a file to stable storage before it is renamed into place, so that after a
 * crash of the node its name never stands for a file whose content was lost. */
static cs_status sync_file(const char *path, cs_error *err)
{
  const int fd = open(path, O_RDONLY);
  const bool synced = fd >= 0 && fsync(fd) == 0;
  if (fd >= 0)
    close(fd);
  CS_CHECK(synced, err, CS_ERR_IO, "cannot flush '%s' to disk: %s", path, strerror(errno));
  return CS_OK;
}

/* A failure (`status`, NetCDF's `rc`) to create or write the partial file's schema, as a
 * full disk if it is one; otherwise err's message stands, or says `what` failed. */
static cs_status explain_create_failure(const run_context *run, cs_status status, const char *what,
                                        int rc, cs_error *err)
{
  const int cause = errno;
  if (cs_output_disk_full(run->partial_path, cause)) {
    cs_error_clear(err);
    return cs_error_set(err, CS_ERR_IO, "no space left on device creating '%s'", run->partial_path);
  }
  if (err->message[0] != '\0')
    return status;
  return cs_error_set(err, status, "%s '%s': %s", what, run->creating_path, nc_strerror(rc));
}

/* Makes OUT.nc.partial.creating, schema and all, on this rank alone: the schema is built
 * in memory (NC_DISKLESS) and written to the disk once, when the file is closed
 * (NC_PERSIST). A disk that fills then fails the close of a serial file that nothing
 * else holds, and nc_abort releases it: a half-created parallel HDF5 file, in contrast,
 * could be neither closed nor aborted, and HDF5 crashed closing it inside MPI_Finalize. */
static cs_status create_schema(const cs_cohort *cohort, const run_context *run, cs_error *err)
{
  int ncid;
  cs_ncout *out = NULL;
  errno = 0;
  int rc = nc_create(run->creating_path, NC_NETCDF4 | NC_CLOBBER | NC_DISKLESS | NC_PERSIST, &ncid);
  if (rc != NC_NOERR)
    return explain_create_failure(run, CS_ERR_IO, "cannot create", rc, err);
  errno = 0;
  cs_status status = cs_ncout_define(ncid, cohort, &run->info, &out, err);
  cs_ncout_destroy(&out);
  if (status != CS_OK) {
    const int cause = errno; /* leaving define mode flushes the schema to the disk */
    nc_abort(ncid);
    errno = cause;
    return status == CS_ERR_NETCDF
               ? explain_create_failure(run, status, "defining", NC_EHDFERR, err)
               : status;
  }
  errno = 0;
  rc = nc_close(ncid);
  if (rc != NC_NOERR) {
    const int cause = errno;
    nc_abort(ncid); /* a failed close leaves the file open: release it */
    errno = cause;
    return explain_create_failure(run, CS_ERR_NETCDF, "writing", rc, err);
  }
  return CS_OK;
}

/* Creates OUT.nc.partial with its whole schema, atomically: it is made as
 * OUT.nc.partial.creating and renamed only once complete and flushed, so a kill at any
 * instant leaves either no partial file or a complete, resumable one. (The output's lock
 * makes a fixed temporary name safe; a leftover of a killed creation is replaced by the
 * next run.) Rank 0 makes it alone (create_schema); the others wait. Collective. */
static cs_status create_partial(const cs_cohort *cohort, const run_context *run, cs_error *err)
{
  cs_status status = CS_OK;
  if (world_rank() == 0) {
    status = create_schema(cohort, run, err);
    if (status == CS_OK)
      status = sync_file(run->creating_path, err);
    if (status == CS_OK && rename(run->creating_path, run->partial_path) != 0)
      status = cs_error_set(err, CS_ERR_IO, "cannot rename '%s' to '%s': %s", run->creating_path,
                            run->partial_path, strerror(errno));
    if (status != CS_OK)
      remove(run->creating_path);
  }
  return cs_driver_agree(status, err);
}

/* A partial file that cannot even be read is no checkpoint; say what --restart does. */
static cs_status explain_unreadable(cs_status status, const char *path, cs_error *err)
{
  if (status != CS_ERR_NETCDF && status != CS_ERR_IO)
    return status;
  char cause[sizeof err->message];
  snprintf(cause, sizeof cause, "%s", err->message);
  cs_error_clear(err);
  return cs_error_set(err, CS_ERR_IO,
                      "'%s' is not a readable checkpoint (%s): it was damaged, e.g. by a full "
                      "disk; pass --restart instead of --resume to discard it and start afresh",
                      path, cause);
}

/* Creates OUT.nc.partial and its schema, or with --resume finds it; then opens it for
 * parallel writes and reads which chunks are done. Before any simulation, so a bad path
 * fails in seconds. Collective. */
static cs_status open_output(const cs_cohort *cohort, const cs_run_options *options,
                             run_context *run, int *ncid, cs_ncout **out, unsigned char *done,
                             cs_error *err)
{
  int resuming = options->resume && world_rank() == 0 && cs_output_path_exists(run->partial_path);
  MPI_Bcast(&resuming, 1, MPI_INT, 0, MPI_COMM_WORLD);
  cs_status status;
  if (resuming) {
    /* Check read-only first: opening for writing rewrites HDF5 metadata, and a partial
     * file of another run must be left untouched. */
    status = world_rank() == 0 ? cs_ncout_check_same_run(run->partial_path, cohort, &run->info, err)
                               : CS_OK;
    if (world_rank() == 0)
      status = explain_unreadable(status, run->partial_path, err);
  } else
    status = create_partial(cohort, run, err);
  status = cs_driver_agree(status, err);
  if (status != CS_OK)
    return status;
  status = cs_driver_agree(cs_ncout_par_open(run->partial_path, ncid, err), err);
  if (status != CS_OK)
    return status;
  status = cs_driver_agree(cs_ncout_open(*ncid, cohort, &run->info, out, err), err);
  if (status == CS_OK)
    status = cs_driver_agree(cs_ncout_read_done(*out, done, err), err);
  if (status == CS_OK)
    status = cs_driver_agree(cs_ncout_par_independent(*ncid, err), err);
  if (status != CS_OK)
    close_output(*ncid);
  return status;
}

/* The patients [first, end) of a chunk, as cohort indices; the last chunk may be short. */
static void chunk_bounds(const run_context *run, size_t chunk, size_t *first, size_t *end)
{
  const size_t size = run->info.chunk_size, start = chunk * size;
  *first = run->info.first_patient + start;
  *end = run->info.first_patient +
         (start + size < run->info.file_patients ? start + size : run->info.file_patients);
}

/* Records reach the file when a block is done, when a stop ends it early, and otherwise
 * when a chunk finishes CS_FLUSH_SECONDS or more after the last write: one write per
 * variable covers many chunks, and a run killed without warning (SIGKILL, a failed
 * node) loses at most that long and the chunk in progress per rank. */
#define CS_FLUSH_SECONDS 10.0
/* A block's records are held in memory until written: at most this many chunks and
 * (unless one chunk is larger) this much memory. */
#define CS_BLOCK_MAX_CHUNKS 64
#define CS_BLOCK_MAX_BYTES (16u << 20)

/* Writes chunks [from, to) of the block that starts at chunk first_chunk (its records
 * are in `records`), then marks them done. */
static cs_status write_chunks(const cs_ncout *out, const run_context *run,
                              const cs_records *records, size_t first_chunk, size_t from, size_t to,
                              cs_error *err)
{
  size_t first, end, unused;
  chunk_bounds(run, first_chunk + from, &first, &unused);
  chunk_bounds(run, first_chunk + to - 1, &unused, &end);
  CS_CALL(cs_ncout_write_patients(out, records, first - records->first_patient, end - first, err));
  return cs_ncout_mark_done(out, first_chunk + from, to - from, err);
}

/* Simulates and writes a block of chunks; on a stop, writes the chunks it finished and
 * returns (the chunk in progress is done again by a resume). */
static cs_status run_block(cs_patient_sim *sim, const cs_ncout *out, const cs_run_options *options,
                           const run_context *run, cs_records *records, cs_scheduler *scheduler,
                           cs_progress *progress, size_t first_chunk, size_t n_chunks,
                           double *last_write, bool *stopped, cs_error *err)
{
  size_t first, end, unused;
  chunk_bounds(run, first_chunk, &first, &unused);
  chunk_bounds(run, first_chunk + n_chunks - 1, &unused, &end);
  records->first_patient = first;
  records->n_patients = end - first;
  size_t written = 0;
  for (size_t k = 0; k < n_chunks; k++) {
    chunk_bounds(run, first_chunk + k, &first, &end);
    for (size_t patient = first; patient < end; patient++) {
      const cs_status status = cs_patient_sim_run(sim, options->seed, patient, records, err);
      if (status == CS_ERR_INTERRUPTED) /* a stop like any other: the patient is redone */
        cs_error_clear(err);
      else if (status != CS_OK)
        return status;
      if (cs_scheduler_stopping(scheduler)) {
        *stopped = true;
        return written < k ? write_chunks(out, run, records, first_chunk, written, k, err) : CS_OK;
      }
      if (progress->enabled)
        cs_progress_update(progress,
                           cs_scheduler_chunks_finished(scheduler) * run->info.chunk_size);
    }
    cs_scheduler_finished(scheduler);
    if (k + 1 == n_chunks || MPI_Wtime() - *last_write >= CS_FLUSH_SECONDS) {
      CS_CALL(write_chunks(out, run, records, first_chunk, written, k + 1, err));
      written = k + 1;
      *last_write = MPI_Wtime();
    }
  }
  return CS_OK;
}

/* Refuses a run whose records cannot fit in the free space of the output's file system
 * (and warns when they may not), before the partial file is made or reopened, so that
 * a run that cannot fit fails at once rather than when the disk is full. A resumed run
 * needs only what its partial file does not hold yet; the margin is for the file's
 * metadata. Collective. */
static cs_status check_space(const cs_cohort *cohort, const cs_run_options *options,
                             const run_context *run, cs_error *err)
{
  cs_status status = CS_OK;
  if (world_rank() == 0) {
    struct stat partial;
    const uint64_t held = options->resume && stat(run->partial_path, &partial) == 0
                              ? (uint64_t)partial.st_blocks * 512u
                              : 0;
    const uint64_t records = (uint64_t)run->info.file_patients * cs_records_patient_bytes(cohort);
    const uint64_t needed =
        records + CS_DISK_FULL_BYTES > held ? records + CS_DISK_FULL_BYTES - held : 0;
    char warning[PATH_MAX + 128];
    status = cs_output_space_check(run->partial_path, needed, warning, sizeof warning, err);
    if (status == CS_OK && warning[0] != '\0')
      fprintf(stderr, "cohortsim: warning: %s\n", warning);
  }
  return cs_driver_agree(status, err);
}

/* This rank's part: take blocks of chunks until none is left or a stop is requested. */
static cs_status simulate(const cs_model *model, const cs_ncout *out, const cs_run_options *options,
                          run_context *run, const size_t *todo, size_t n_todo, bool *stopped,
                          cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(model);
  cs_patient_sim *sim = NULL;
  cs_records *records = NULL;
  cs_scheduler *scheduler = NULL;
  const size_t chunk_size = run->info.chunk_size;
  size_t max_block = CS_BLOCK_MAX_BYTES / (cs_records_patient_bytes(cohort) * chunk_size);
  max_block = max_block < 1 ? 1 : max_block > CS_BLOCK_MAX_CHUNKS ? CS_BLOCK_MAX_CHUNKS : max_block;
  cs_status status = cs_patient_sim_create(model, &sim, err);
  if (status == CS_OK)
    cs_patient_sim_set_stop_flag(sim, cs_scheduler_stop_flag());
  if (status == CS_OK)
    status = cs_records_create(cohort, 0, max_block * chunk_size, &records, err);
  status = cs_driver_agree(status, err);
  if (status == CS_OK)
    status = cs_scheduler_create(todo, n_todo, max_block, &scheduler, err);
  if (status != CS_OK)
    goto cleanup;

  size_t patients_to_do = 0;
  for (size_t i = 0; i < n_todo; i++) {
    size_t first, end;
    chunk_bounds(run, todo[i], &first, &end);
    patients_to_do += end - first;
  }
  cs_progress progress;
  cs_progress_begin(&progress, "cohortsim run", patients_to_do,
                    !options->quiet && world_rank() == 0);
  const double t0 = MPI_Wtime();
  double last_write = t0;
  size_t first_chunk, n_chunks;
  while (status == CS_OK && !*stopped && cs_scheduler_next(scheduler, &first_chunk, &n_chunks))
    status = run_block(sim, out, options, run, records, scheduler, &progress, first_chunk, n_chunks,
                       &last_write, stopped, err);
  run->busy_seconds = MPI_Wtime() - t0;
  *stopped = *stopped || cs_scheduler_stopping(scheduler);
  /* A failing rank stops the others at their next patient rather than at the end. */
  if (status != CS_OK)
    cs_scheduler_request_stop(scheduler);
  if (progress.enabled && !*stopped)
    cs_progress_end(&progress, patients_to_do);
  cs_scheduler_destroy(&scheduler);

cleanup:
  cs_records_destroy(&records);
  cs_patient_sim_destroy(&sim);
  return status;
}

/* The chunks not done yet, in order. */
static size_t *chunks_to_do(const unsigned char *done, size_t n_chunks, size_t *n_todo)
{
  size_t *todo = malloc((n_chunks + 1) * sizeof *todo);
  *n_todo = 0;
  if (todo != NULL)
    for (size_t c = 0; c < n_chunks; c++)
      if (!done[c])
        todo[(*n_todo)++] = c;
  return todo;
}

static cs_status finish_output(const cs_cohort *cohort, const run_context *run, cs_error *err)
{
  double *busy = world_rank() == 0 ? malloc((size_t)world_size() * sizeof *busy) : NULL;
  cs_status status = cs_driver_agree(
      world_rank() == 0 && busy == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory") : CS_OK,
      err);
  if (status != CS_OK)
    return status;
  MPI_Gather(&run->busy_seconds, 1, MPI_DOUBLE, busy, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (world_rank() == 0) {
    char ended[32];
    cs_ncout_timestamp(ended, sizeof ended);
    const cs_run_end end = {.wall_seconds = MPI_Wtime() - run->t_start,
                            .ended = ended,
                            .busy_seconds = busy,
                            .n_ranks = world_size()};
    status = cs_ncout_finalize(run->partial_path, cohort, &end, err);
  }
  free(busy);
  return cs_driver_agree(status, err);
}

static cs_status run_cohort(const cs_cohort *cohort, const cs_run_options *options,
                            run_context *run, cs_error *err)
{
  const size_t n_chunks = cs_ncout_chunk_count(run->info.file_patients, run->info.chunk_size);
  unsigned char *done = calloc(n_chunks + 1, 1);
  size_t *todo = NULL, n_todo = 0;
  cs_model *model = NULL;
  cs_ncout *out = NULL;
  int ncid = -1;
  bool stopped = false;

  cs_status status = done == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory") : CS_OK;
  if (status == CS_OK)
    status = cs_model_create(cohort, &model, err);
  status = cs_driver_agree(status, err);
  if (status == CS_OK)
    status = check_space(cohort, options, run, err);
  if (status == CS_OK)
    status = open_output(cohort, options, run, &ncid, &out, done, err);
  if (status != CS_OK)
    goto cleanup;
  todo = chunks_to_do(done, n_chunks, &n_todo);
  status =
      cs_driver_agree(todo == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory") : CS_OK, err);
  if (status == CS_OK)
    status = simulate(model, out, options, run, todo, n_todo, &stopped, err);
  status = cs_driver_agree(status, err);
  /* Every rank must take the same path below: one that saw no stop may have finished
   * while another abandoned its chunk. */
  int any_stopped = stopped;
  MPI_Allreduce(MPI_IN_PLACE, &any_stopped, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
  stopped = any_stopped;
  const int rc = close_output(ncid);
  if (status == CS_OK && rc != NC_NOERR)
    status =
        cs_error_set(err, CS_ERR_NETCDF, "closing '%s': %s", run->partial_path, nc_strerror(rc));
  status = cs_driver_agree(status, err);
  if (status == CS_OK && stopped)
    status = cs_error_set(err, CS_ERR_INTERRUPTED,
                          "stopped by a signal; the finished patients are in '%s': run the "
                          "same command with --resume to continue",
                          run->partial_path);
  if (status == CS_OK)
    status = finish_output(cohort, run, err);

cleanup:
  cs_ncout_destroy(&out);
  cs_model_destroy(&model);
  free(todo);
  free(done);
  return status;
}

/* --resume on a run that already finished: nothing to do, if it is the same run. */
static cs_status check_finished(const cs_cohort *cohort, const cs_run_options *options,
                                const run_context *run, bool *finished, cs_error *err)
{
  int complete = options->resume && world_rank() == 0 &&
                 !cs_output_path_exists(run->partial_path) &&
                 cs_output_path_exists(options->output_path);
  MPI_Bcast(&complete, 1, MPI_INT, 0, MPI_COMM_WORLD);
  *finished = complete;
  if (!complete)
    return CS_OK;
  cs_status status = CS_OK;
  if (world_rank() == 0)
    status = cs_ncout_check_same_run(options->output_path, cohort, &run->info, err);
  return cs_driver_agree(status, err);
}

/* NetCDF reports a full disk as "HDF error" (the cause reached only Open MPI's own
 * message): says so, and how to go on. True if the disk is full. errno is that of the
 * failed write only if nothing overwrote it since, so the free space decides as well. */
static bool explain_full_disk(cs_status *status, const char *partial_path, cs_error *err)
{
  const int cause = errno;
  if (*status != CS_ERR_NETCDF || !cs_output_disk_full(partial_path, cause))
    return false;
  char netcdf[sizeof err->message];
  snprintf(netcdf, sizeof netcdf, "%s", err->message);
  cs_error_clear(err);
  if (cs_output_path_exists(partial_path))
    *status = cs_error_set(err, CS_ERR_IO,
                           "no space left on device writing '%s' (%s); the chunks written so "
                           "far are kept: free some space, then run the same command with "
                           "--resume",
                           partial_path, netcdf);
  else
    *status = cs_error_set(err, CS_ERR_IO, "no space left on device writing '%s' (%s)",
                           partial_path, netcdf);
  return true;
}

/* What an earlier run left at the output's names is replaced only on request: hours of
 * checkpoint or a finished file are not lost to a command repeated by mistake. */
static cs_status check_earlier_output(const cs_run_options *options, const run_context *run,
                                      cs_error *err)
{
  if (options->resume || options->restart)
    return CS_OK;
  CS_CHECK(!cs_output_path_exists(run->partial_path), err, CS_ERR_IO,
           "'%s' holds the checkpoint of an earlier run: pass --resume to continue it, or "
           "--restart to discard it and start afresh",
           run->partial_path);
  CS_CHECK(!cs_output_path_exists(options->output_path), err, CS_ERR_IO,
           "'%s' exists: remove it, choose another -o, or pass --restart to replace it (or "
           "--resume, which leaves it as it is if it is this run's finished file)",
           options->output_path);
  return CS_OK;
}

/* Rank 0 checks the output path and takes the output's lock before anything is loaded
 * or simulated, so a path that cannot work or a second run on the same output fails at
 * once. Collective. */
static cs_status claim_output(const cs_run_options *options, const run_context *run,
                              cs_output_lock **lock, cs_error *err)
{
  cs_status status = CS_OK;
  if (world_rank() == 0) {
    status = cs_output_path_check(options->output_path, 1, &options->cohort_path, err);
    if (status == CS_OK)
      status = cs_output_lock_take(options->output_path, lock, err);
    if (status == CS_OK)
      status = check_earlier_output(options, run, err);
  }
  return cs_driver_agree(status, err);
}

cs_status cs_driver_run(const cs_run_options *options, cs_error *err)
{
  cs_cohort *cohort = NULL;
  cs_output_lock *lock = NULL;
  run_context *run = calloc(1, sizeof *run);
  cs_status status =
      cs_driver_agree(run == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory") : CS_OK, err);
  if (status == CS_OK)
    status = cs_driver_agree(prepare_context(options, run, err), err);
  if (status == CS_OK)
    status = claim_output(options, run, &lock, err);
  if (status == CS_OK)
    status =
        cs_driver_load_cohort(options->cohort_path, options->n_sets, options->sets, &cohort, err);
  bool finished = false;
  if (status == CS_OK)
    status = check_finished(cohort, options, run, &finished, err);
  if (status == CS_OK && !finished) {
    status = run_cohort(cohort, options, run, err);
    /* The file appears under its final name only when complete; a failed run removes
     * its partial file unless a resume can use it: after an interruption, or a full disk
     * (chunks are marked done only once written). */
    if (world_rank() == 0) {
      if (status == CS_OK && rename(run->partial_path, options->output_path) != 0)
        status = cs_error_set(err, CS_ERR_IO, "cannot rename '%s' to '%s': %s", run->partial_path,
                              options->output_path, strerror(errno));
      const bool full = explain_full_disk(&status, run->partial_path, err);
      if (status != CS_OK && status != CS_ERR_INTERRUPTED && !options->resume && !full)
        remove(run->partial_path);
    }
    status = cs_driver_agree(status, err);
  }
  cs_output_lock_release(&lock);
  free(run);
  cs_cohort_destroy(&cohort);
  return status;
}
