/* The output file's schema (docs/output-format.md): dimensions, variables with CF-style
 * units and long_name, global attributes, and the writes of per-patient records and
 * cohort statistics.
 *
 * These functions take a NetCDF id that the caller opened: the driver opens it in
 * parallel (src/driver/ncout_par.c), tests and tools serially. Nothing here knows MPI.
 * Per-patient writes cover a block of patients and may come from any rank in any order;
 * coordinates and statistics are written afterwards by one process (cs_ncout_finalize).
 */
#ifndef COHORTSIM_NCOUT_H
#define COHORTSIM_NCOUT_H

#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/records.h"
#include "cohortsim/statistics.h"
#include "cohortsim/status.h"

/* What a run is: the data-defining inputs plus provenance. */
typedef struct cs_run_info {
  uint64_t seed;
  size_t n_patients;
  /* provenance: may differ between runs that give identical data */
  int mpi_ranks;
  const char *hostname;
  const char *slurm_job_id; /* "" outside SLURM */
  const char *created;      /* ISO 8601 UTC */
} cs_run_info;

typedef struct cs_ncout cs_ncout;

/* Defines the whole schema in file `ncid` (in define mode) and leaves define mode.
 * Every rank of a parallel file calls it with the same arguments. */
cs_status cs_ncout_define(int ncid, const cs_cohort *cohort, const cs_run_info *info,
                          cs_ncout **out, cs_error *err);

/* Frees the bookkeeping (does not close the file); accepts NULL and sets *out to NULL. */
void cs_ncout_destroy(cs_ncout **out);

/* Writes a block of patients' parameters and records at their patient indices. */
cs_status cs_ncout_write_records(const cs_ncout *out, const cs_records *records, cs_error *err);

/* Completes a file whose records are all written and that is closed: reopens it
 * serially, writes the coordinates, computes the cohort statistics from the records in
 * the file (so they are a pure function of the records, however they were written),
 * writes them and the wall time, and closes it. */
cs_status cs_ncout_finalize(const char *path, const cs_cohort *cohort, double wall_seconds,
                            cs_error *err);

#endif
