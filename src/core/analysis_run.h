/* The data and results of `cohortsim analyze` (private to src/core/analysis_*.c): what is
 * read from a finished output file, what is computed for each arm and pair of arms, and
 * the functions that read, compute, print and write them. */
#ifndef COHORTSIM_ANALYSIS_RUN_H
#define COHORTSIM_ANALYSIS_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "cohortsim/analysis.h"
#include "cohortsim/cohort.h"
#include "cohortsim/ncschema.h"

/* The 97.5% normal quantile, R's qnorm(0.975): Wald intervals as R's confint, Wilson
 * intervals as summary. */
#define CS_Z95 1.959963984540054

/* The continuous outcomes of the sensitivity ranking. */
enum { CS_PRCC_FINAL_BURDEN, CS_PRCC_CLEARANCE_TIME, CS_PRCC_OS_TIME, CS_PRCC_OUTCOMES };
extern const char *const cs_prcc_outcome_name[CS_PRCC_OUTCOMES];

/* What the analysis reads from a finished file: the covariates, common to every arm
 * (every arm runs on the same patients), and each analysed arm's outcomes, indexed
 * [arm * n + patient] with arm counting the analysed arms only. */
typedef struct cs_analysis_data {
  const char *path;
  const cs_cohort *cohort;       /* the file's, borrowed: valid while the file is open */
  size_t n;                      /* patients */
  int n_arms;                    /* analysed arms */
  int *arm;                      /* [n_arms] their indices in the cohort */
  double tau;                    /* RMST restriction: the cohort's follow-up */
  size_t p;                      /* covariates */
  char (*name)[CS_NAME_MAX + 8]; /* [p] parameter name, trait_<name> or start_delay */
  bool *log_scale;               /* [p] transformed by log (lognormal distributions) */
  bool *is_trait;                /* [p] a 0/1 trait */
  const char **name_ptr;         /* [p] pointers into name, for the fits' notes */
  double *x;                     /* [n * p] row-major, transformed */
  double *sd;                    /* [p] standard deviation of each transformed covariate */
  double *os_time, *rfs_time, *clearance_time, *final_burden;
  unsigned char *os_event, *rfs_event, *cleared;
} cs_analysis_data;

/* The regressions of every arm, each described once: the prefix of its variables in the
 * analysis file, its title in the tables, and the ratio it reports per SD. */
enum { CS_FIT_COX_OS, CS_FIT_COX_RFS, CS_FIT_LOGIT_CLEARED, CS_FITS };
typedef struct cs_fit_kind {
  const char *prefix, *title, *ratio;
} cs_fit_kind;
extern const cs_fit_kind cs_fit_kinds[CS_FITS];

/* One regression of one arm. */
typedef struct cs_analysis_fit {
  double *coef, *se; /* [p] per unit of the transformed covariate */
  cs_fit_summary summary;
} cs_analysis_fit;

/* Kaplan-Meier subgroups of overall survival: groups 0..n_groups-1 (trait absent /
 * present, or the tertiles of one covariate). */
typedef struct cs_subgroups {
  int n_groups;
  size_t count[3];
  double median_os[3], rmst_os[3];
  double logrank_p; /* NaN when a group is empty */
} cs_subgroups;

typedef struct cs_analysis_arm {
  cs_analysis_fit fit[CS_FITS];
  size_t os_events, rfs_events, n_cleared;
  double *prcc[CS_PRCC_OUTCOMES], *prcc_p[CS_PRCC_OUTCOMES];
  char prcc_note[CS_PRCC_OUTCOMES][512];
  double rmst_os, rmst_os_se;
  cs_subgroups *by_trait; /* [p]: meaningful where data->is_trait */
  cs_subgroups by_tertile;
} cs_analysis_arm;

typedef struct cs_analysis_results {
  int by; /* covariate of the tertile subgroups, or -1 */
  double tertile_cut[2];
  int *tertile;         /* [n] each patient's tertile (0, 1, 2) of covariate `by` */
  cs_analysis_arm *arm; /* [n_arms] */
  /* [a * n_arms + b]: arm a against arm b */
  double *rmst_difference, *rmst_difference_se, *mcnemar_p;
  size_t *cleared_only_a;
} cs_analysis_results;

/* CS_OK for NC_NOERR; otherwise CS_ERR_NETCDF with "path: what: NetCDF's message". */
cs_status cs_analysis_nc_check(int rc, const char *path, const char *what, cs_error *err);

/* Reads the covariates and the outcomes of the arms named (n_arms = 0: every arm) from a
 * file opened with cs_ncfile_open and found complete by cs_ncfile_require_complete;
 * refuses a shard or an unknown arm (CS_ERR_USAGE). The data borrow the file's cohort, so
 * free them before the file is closed. */
cs_status cs_analysis_data_read(const cs_ncfile *file, int n_arms, const char *const *arms,
                                cs_analysis_data *data, cs_error *err);
void cs_analysis_data_free(cs_analysis_data *data);

/* Runs every analysis; `by` names the covariate of the tertile subgroups (NULL: none). */
cs_status cs_analysis_compute(const cs_analysis_data *data, const char *by,
                              cs_analysis_results *results, cs_error *err);
void cs_analysis_results_free(const cs_analysis_data *data, cs_analysis_results *results);

/* The readable tables. */
void cs_analysis_print(const cs_analysis_data *data, const cs_analysis_results *results, FILE *out);

/* The analysis file (docs/analysis.md lists its variables), written to path.partial and
 * renamed, so a failed write leaves no half file under the name. */
cs_status cs_analysis_write(const char *path, const cs_analysis_data *data,
                            const cs_analysis_results *results, cs_error *err);

/* K-sample log-rank test of groups 0..n_groups-1 (group[i]), chi-square on n_groups - 1
 * degrees of freedom; NaN if fewer than two groups have patients. */
cs_status cs_logrank_groups(size_t n, const double *time, const unsigned char *event,
                            const int *group, int n_groups, double *p_value, cs_error *err);

/* Counts, median OS and RMST to tau of each group (group[i] in 0..n_groups-1, at most 3),
 * and the log-rank test between the groups. */
cs_status cs_subgroups_describe(size_t n, const double *time, const unsigned char *event,
                                const int *group, int n_groups, double tau, cs_subgroups *s,
                                cs_error *err);

/* Tertiles of covariate j of x (n rows of p): cut[0], cut[1] and group[i] in 0..2. */
cs_status cs_tertile_groups(size_t n, size_t p, const double *x, size_t j, double cut[2],
                            int *group, cs_error *err);

#endif
