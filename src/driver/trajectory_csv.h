/* `cohortsim trajectory`: one patient's path in one arm, every species and drug, as CSV. */
#ifndef COHORTSIM_TRAJECTORY_CSV_H
#define COHORTSIM_TRAJECTORY_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "cohortsim/status.h"

typedef struct cs_trajectory_request {
  const char *cohort_path;
  int n_sets;
  const char *const *sets;
  uint64_t seed;
  size_t patient;
  const char *arm;
  double every_days;       /* 0: a tenth of the reporting interval */
  const char *output_path; /* NULL: standard output */
} cs_trajectory_request;

/* Simulates the patient exactly as `cohortsim run` with the same cohort, overrides and
 * seed would, and writes a header `time_days,<species>...,<drug>_ec50...` and one row
 * per sample time (and one at the stop). */
cs_status cs_trajectory_csv_write(const cs_trajectory_request *request, cs_error *err);

#endif
