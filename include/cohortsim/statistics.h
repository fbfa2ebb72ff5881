/* Cohort statistics per arm, computed from the per-patient records alone (so any rank
 * count, resume or merge gives the same numbers): Kaplan-Meier OS and RFS curves on the
 * reporting grid with Greenwood 95% intervals and numbers at risk, median OS with its
 * interval, the clearance fraction with its Wilson 95% interval, and log-rank p-values
 * between every pair of arms.
 */
#ifndef COHORTSIM_STATISTICS_H
#define COHORTSIM_STATISTICS_H

#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/status.h"

/* What the statistics read: per-arm arrays of every patient, indexed
 * [arm * n_patients + patient]. */
typedef struct cs_outcome_columns {
  size_t n_patients;
  const double *os_time;
  const unsigned char *os_event;
  const double *rfs_time;
  const unsigned char *rfs_event;
  const unsigned char *cleared;
  const double *clearance_time; /* NAN when never cleared; NULL: not available */
} cs_outcome_columns;

/* Curves are indexed [arm * n_grid + k], p-values [arm_a * n_arms + arm_b]. */
typedef struct cs_statistics {
  int n_arms;
  size_t n_grid;
  double *os_survival, *os_lower, *os_upper;
  int64_t *os_at_risk;
  double *rfs_survival, *rfs_lower, *rfs_upper;
  int64_t *rfs_at_risk;
  double *clearance_fraction, *clearance_lower, *clearance_upper;
  double *median_os, *median_os_lower, *median_os_upper; /* NAN when not reached */
  double *median_clearance_time; /* over the patients who cleared; NAN if none */
  double *logrank_p;             /* 1 on the diagonal */
} cs_statistics;

/* Computes every statistic for the cohort's arms on the grid. */
cs_status cs_statistics_compute(const cs_cohort *cohort, const cs_outcome_columns *columns,
                                const double *grid, cs_statistics **statistics, cs_error *err);

/* Frees; accepts NULL and sets *statistics to NULL. */
void cs_statistics_destroy(cs_statistics **statistics);

#endif
