/* The output file's schema (docs/user-guide.md, "The output file"): dimensions, variables with
 * CF-style units and long_name, global attributes, and the writes of per-patient records and cohort
 * statistics.
 *
 * These functions take a NetCDF id that the caller opened: the driver opens it in
 * parallel (src/driver/ncout_par.c), tests and tools serially. Nothing here knows MPI.
 * Per-patient writes cover a block of patients and may come from any rank in any order;
 * coordinates and statistics are written afterwards by one process (cs_ncout_finalize).
 */
#ifndef COHORTSIM_NCOUT_H
#define COHORTSIM_NCOUT_H

#include <netcdf.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/records.h"
#include "cohortsim/statistics.h"
#include "cohortsim/status.h"

/* What a run is: the data-defining inputs plus provenance. */
typedef struct cs_run_info {
  uint64_t seed;
  size_t n_patients;    /* the whole cohort */
  size_t first_patient; /* this file's first patient: 0, or a shard's first */
  size_t file_patients; /* patients in this file: n_patients, or a shard's */
  int shard_index;      /* 0 and 1 unless a shard (--shard K/N) */
  int shard_count;
  size_t chunk_size; /* patients per checkpoint chunk (cs_ncout_chunk_size) */
  /* provenance: may differ between runs that give identical data */
  int mpi_ranks;
  const char *hostname;
  const char *slurm_job_id; /* "" outside SLURM */
  const char *slurm_array_job_id;
  const char *slurm_array_task_id;
  const char *created; /* ISO 8601 UTC */
  int n_sets;          /* the --set arguments, recorded for verify and merge */
  const char *const *sets;
} cs_run_info;

/* How a run ended, for the provenance attributes. */
typedef struct cs_run_end {
  double wall_seconds;
  const char *ended;          /* ISO 8601 UTC */
  const double *busy_seconds; /* [n_ranks] time each rank spent simulating */
  int n_ranks;
} cs_run_end;

/* The most checkpoint chunks a file has. Chunks are the unit of load balance (ranks
 * take them as they become free) and of resume: enough of them keeps thousands of ranks
 * busy to the end. Each costs one byte in the file; writes cover many chunks at once
 * (src/driver/driver.c), so small chunks cost no extra I/O. */
#define CS_NCOUT_CHUNKS 16384

/* Patients per checkpoint chunk for a cohort of n: a function of n alone, so a resume
 * on any number of ranks sees the same chunks; one patient per chunk up to
 * CS_NCOUT_CHUNKS patients. */
size_t cs_ncout_chunk_size(size_t n_patients);

/* Number of chunks covering `patients` patients. */
size_t cs_ncout_chunk_count(size_t patients, size_t chunk_size);

/* The patients of shard `shard_index` (0 <= index < count <= n_patients) of a cohort:
 * the first and how many, so the shards of any N cover the cohort once, in order. */
void cs_ncout_shard_patients(size_t n_patients, int shard_index, int shard_count, size_t *first,
                             size_t *count);

typedef struct cs_ncout cs_ncout;

/* Defines the whole schema in file `ncid` (in define mode) and leaves define mode.
 * Every rank of a parallel file calls it with the same arguments. */
cs_status cs_ncout_define(int ncid, const cs_cohort *cohort, const cs_run_info *info,
                          cs_ncout **out, cs_error *err);

/* Frees the bookkeeping (does not close the file); accepts NULL and sets *out to NULL. */
void cs_ncout_destroy(cs_ncout **out);

/* Reopens the schema of an existing file (a partial file to resume), after checking
 * that it belongs to the same run: same cohort text, overrides, seed, patients, shard,
 * chunking and software version. A different run is CS_ERR_USAGE, saying what differs;
 * a file whose dimensions, variables or attributes differ from what the run implies
 * (cs_ncschema_check) is CS_ERR_BAD_FILE, so nothing is read from it. */
cs_status cs_ncout_open(int ncid, const cs_cohort *cohort, const cs_run_info *info, cs_ncout **out,
                        cs_error *err);

/* The same checks on a file opened serially by path (read-only: a file of another run
 * is left untouched). */
cs_status cs_ncout_check_same_run(const char *path, const cs_cohort *cohort,
                                  const cs_run_info *info, cs_error *err);

/* Writes a block of patients' parameters and records at their patient indices. */
cs_status cs_ncout_write_records(const cs_ncout *out, const cs_records *records, cs_error *err);

/* The same for patients [offset, offset + count) of the block only. */
cs_status cs_ncout_write_patients(const cs_ncout *out, const cs_records *records, size_t offset,
                                  size_t count, cs_error *err);

/* Marks chunks [first_chunk, first_chunk + n_chunks) complete: called after their
 * records are written, so a chunk marked done is complete in the file even if every
 * process is killed right after (the data are in the operating system's cache:
 * tests/mpi/resume.sh kills with SIGKILL). A crash of the node itself may lose recent
 * writes in any order; restart such a run afresh. */
cs_status cs_ncout_mark_done(const cs_ncout *out, size_t first_chunk, size_t n_chunks,
                             cs_error *err);

/* Reads which chunks are done ([chunk] 0 or 1). */
cs_status cs_ncout_read_done(const cs_ncout *out, unsigned char *done, cs_error *err);

/* Completes a file whose records are all written and that is closed: reopens it
 * serially, writes the coordinates, computes the cohort statistics from the records in
 * the file (so they are a pure function of the records, however they were written),
 * writes them and the provenance of the run's end, and closes it. */
cs_status cs_ncout_finalize(const char *path, const cs_cohort *cohort, const cs_run_end *end,
                            cs_error *err);

/* Writes into o's file the coordinates, and the cohort statistics and burden quantiles
 * computed from the records of file `records_ncid` (n_patients patients of o's cohort,
 * checked against its schema): what cs_ncout_finalize writes, and what verify recomputes
 * into an in-memory file to compare with a file's own. Deterministic: the same records
 * give the same values bit for bit. */
cs_status cs_ncout_write_cohort_results(const cs_ncout *o, int records_ncid, size_t n_patients,
                                        cs_error *err);

/* A variable with a patient dimension, for generic copies and comparisons (merge,
 * verify): its shape, and where the patient axis is. */
typedef struct cs_patient_var {
  int varid;
  char name[NC_MAX_NAME + 1];
  size_t type_size;
  int n_dims;
  size_t length[8];
  int patient_axis;
} cs_patient_var;

/* Lists the variables of file `ncid` that have a `patient` dimension (*vars is
 * allocated; free it). */
cs_status cs_ncout_patient_vars(int ncid, cs_patient_var **vars, int *n_vars, cs_error *err);

/* Bytes one patient takes in variable v (all other dimensions whole). */
size_t cs_ncout_patient_bytes(const cs_patient_var *v);

/* Reads or writes patients [first, first + count) of variable v, all other dimensions
 * whole, in the file's dimension order. */
cs_status cs_ncout_get_patients(int ncid, const cs_patient_var *v, size_t first, size_t count,
                                void *values, cs_error *err);
cs_status cs_ncout_put_patients(int ncid, const cs_patient_var *v, size_t first, size_t count,
                                const void *values, cs_error *err);

/* The current time in ISO 8601 UTC, for the provenance attributes (20 characters and
 * the terminator: size >= 21). */
void cs_ncout_timestamp(char *out, size_t size);

/* A global text attribute's value, allocated (free it); NULL if missing. */
char *cs_ncout_text_attribute(int ncid, const char *name);

/* The --set arguments a file was made with (attribute override_list), as an allocated
 * array of allocated strings; free with cs_ncout_free_strings. */
cs_status cs_ncout_get_overrides(int ncid, char ***sets, int *n_sets, cs_error *err);
void cs_ncout_free_strings(char **strings, int n);

#endif
