/* `cohortsim merge`: the shards of one cohort (job-array tasks, `run --shard K/N`)
 * joined into the file a single run would have written. */
#ifndef COHORTSIM_MERGE_H
#define COHORTSIM_MERGE_H

#include "cohortsim/status.h"

/* Checks each file against the schema its embedded cohort implies and that it is
 * complete (cs_ncfile_open, cs_ncfile_require_complete: CS_ERR_BAD_FILE otherwise), and
 * that the files are all N shards of one run (same cohort text, overrides, seed,
 * patients and version, each shard once: CS_ERR_USAGE otherwise), copies every per-patient
 * variable to its patients' indices, computes the cohort statistics from all records,
 * and writes output_path (through output_path.partial, renamed when complete). Every
 * data value equals a single run's; only provenance attributes differ. */
cs_status cs_merge_shards(int n_shards, const char *const *paths, const char *output_path,
                          cs_error *err);

#endif
