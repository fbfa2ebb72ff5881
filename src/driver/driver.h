/* The MPI driver: runs a cohort over the ranks of MPI_COMM_WORLD and writes one file.
 * The only layer (with ncout_par.c) that knows MPI. */
#ifndef COHORTSIM_DRIVER_H
#define COHORTSIM_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

/* The largest -n: a sanity limit far above any cohort simulated so far (a billion
 * patients of the default cohort take about 240 GB of output), that stops a typo
 * such as an extra digit group before the output's size is estimated. */
#define CS_MAX_PATIENTS 1000000000ull

typedef struct cs_run_options {
  const char *cohort_path;
  const char *output_path;
  size_t n_patients;
  uint64_t seed;
  int n_sets;
  const char *const *sets; /* --set KEY=VALUE arguments */
  bool quiet;
  bool resume;                  /* continue OUT.nc.partial if it exists */
  bool restart;                 /* discard OUT.nc.partial and replace OUT.nc: start afresh */
  int shard_index, shard_count; /* --shard K/N: this run is shard K (0-based) of N */
} cs_run_options;

/* Loads the cohort on every rank: rank 0 reads the file and broadcasts its text, so a
 * thousand ranks do not hit the file system at once and all parse the same bytes.
 * Collective; every rank returns the same status. */
cs_status cs_driver_load_cohort(const char *path, int n_sets, const char *const *sets,
                                cs_cohort **cohort, cs_error *err);

/* `cohortsim run`. Collective: every rank returns the same status, with the message of
 * the first failure (lowest rank) in err. */
cs_status cs_driver_run(const cs_run_options *options, cs_error *err);

/* Makes every rank agree on the outcome of a step that may have failed on some of them:
 * returns the status of the lowest failing rank (CS_OK if none), with its message
 * copied into every rank's err. Collective. */
cs_status cs_driver_agree(cs_status status, cs_error *err);

/* Opens an existing file for parallel writes by every rank (ncout_par.c). */
cs_status cs_ncout_par_open(const char *path, int *ncid, cs_error *err);

/* Switches every variable of a parallel file to independent access: each rank writes its
 * chunks when it finishes them, without waiting for the others (ncout_par.c). */
cs_status cs_ncout_par_independent(int ncid, cs_error *err);

#endif
