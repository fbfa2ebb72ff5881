#include "summary.h"

#include <math.h>
#include <netcdf.h>
#include <stdlib.h>

#include "cohortsim/ncschema.h"

#define SUMMARY_MAX_ARMS 64

typedef struct arm_table {
  size_t n_arms, n_time, n_patients;
  char *name[SUMMARY_MAX_ARMS];
  double clearance[SUMMARY_MAX_ARMS], clearance_lower[SUMMARY_MAX_ARMS],
      clearance_upper[SUMMARY_MAX_ARMS];
  double median[SUMMARY_MAX_ARMS], median_lower[SUMMARY_MAX_ARMS], median_upper[SUMMARY_MAX_ARMS];
  double median_clearance[SUMMARY_MAX_ARMS];
  double os_end[SUMMARY_MAX_ARMS];
  /* RFS at a third, two thirds and all of follow-up (on the reporting grid). */
  size_t landmark[3];
  double landmark_days[3];
  double rfs[3][SUMMARY_MAX_ARMS];
  double logrank[SUMMARY_MAX_ARMS * SUMMARY_MAX_ARMS];
  double followup;
} arm_table;

static cs_status nc_check(int rc, const char *path, const char *what, cs_error *err)
{
  if (rc == NC_NOERR)
    return CS_OK;
  return cs_error_set(err, CS_ERR_NETCDF, "%s: %s: %s", path, what, nc_strerror(rc));
}

static cs_status get_doubles(int ncid, const char *path, const char *name, double *values,
                             cs_error *err)
{
  int varid;
  CS_CALL(nc_check(nc_inq_varid(ncid, name, &varid), path, name, err));
  return nc_check(nc_get_var_double(ncid, varid, values), path, name, err);
}

/* Each arm's curve [arm][time] at grid index k. */
static cs_status get_curve_at(int ncid, const char *path, const char *name, const arm_table *t,
                              size_t k, double *values, cs_error *err)
{
  int varid;
  CS_CALL(nc_check(nc_inq_varid(ncid, name, &varid), path, name, err));
  for (size_t a = 0; a < t->n_arms; a++) {
    const size_t index[2] = {a, k};
    CS_CALL(nc_check(nc_get_var1_double(ncid, varid, index, &values[a]), path, name, err));
  }
  return CS_OK;
}

static cs_status read_table(int ncid, const char *path, arm_table *t, cs_error *err)
{
  int dim, varid;
  CS_CALL(nc_check(nc_inq_dimid(ncid, "arm", &dim), path, "arm", err));
  CS_CALL(nc_check(nc_inq_dimlen(ncid, dim, &t->n_arms), path, "arm", err));
  CS_CHECK(t->n_arms <= SUMMARY_MAX_ARMS, err, CS_ERR_USAGE, "%s: more than %d arms", path,
           SUMMARY_MAX_ARMS);
  CS_CALL(nc_check(nc_inq_dimid(ncid, "time", &dim), path, "time", err));
  CS_CALL(nc_check(nc_inq_dimlen(ncid, dim, &t->n_time), path, "time", err));
  CS_CALL(nc_check(nc_inq_dimid(ncid, "patient", &dim), path, "patient", err));
  CS_CALL(nc_check(nc_inq_dimlen(ncid, dim, &t->n_patients), path, "patient", err));
  CS_CALL(nc_check(nc_inq_varid(ncid, "arm_name", &varid), path, "arm_name", err));
  CS_CALL(nc_check(nc_get_var_string(ncid, varid, t->name), path, "arm_name", err));
  int time_varid;
  CS_CALL(nc_check(nc_inq_varid(ncid, "time", &time_varid), path, "time", err));
  const size_t last = t->n_time - 1;
  CS_CALL(nc_check(nc_get_var1_double(ncid, time_varid, &last, &t->followup), path, "time", err));
  CS_CALL(get_doubles(ncid, path, "clearance_fraction", t->clearance, err));
  CS_CALL(get_doubles(ncid, path, "clearance_lower", t->clearance_lower, err));
  CS_CALL(get_doubles(ncid, path, "clearance_upper", t->clearance_upper, err));
  CS_CALL(get_doubles(ncid, path, "median_os", t->median, err));
  CS_CALL(get_doubles(ncid, path, "median_os_lower", t->median_lower, err));
  CS_CALL(get_doubles(ncid, path, "median_os_upper", t->median_upper, err));
  CS_CALL(get_doubles(ncid, path, "median_clearance_time", t->median_clearance, err));
  CS_CALL(get_doubles(ncid, path, "logrank_p", t->logrank, err));
  CS_CALL(get_curve_at(ncid, path, "os_survival", t, t->n_time - 1, t->os_end, err));
  for (int l = 0; l < 3; l++) {
    t->landmark[l] = (t->n_time - 1) * (size_t)(l + 1) / 3;
    CS_CALL(nc_check(nc_get_var1_double(ncid, time_varid, &t->landmark[l], &t->landmark_days[l]),
                     path, "time", err));
    CS_CALL(get_curve_at(ncid, path, "rfs_survival", t, t->landmark[l], t->rfs[l], err));
  }
  return CS_OK;
}

static void format_days(double days, char *out, size_t size)
{
  if (isnan(days))
    snprintf(out, size, "NR");
  else
    snprintf(out, size, "%.1f", days);
}

static void print_table(const arm_table *t, FILE *out)
{
  fprintf(out,
          "%zu patients per arm, follow-up %.0f days (NR: not reached; day clear: median day "
          "of clearance among the cleared)\n\n",
          t->n_patients, t->followup);
  char rfs_heading[3][16];
  for (int l = 0; l < 3; l++)
    snprintf(rfs_heading[l], sizeof rfs_heading[l], "RFS@%.0fd", t->landmark_days[l]);
  fprintf(out, "%-24s %8s %-17s %9s %7s %-15s %8s %8s %8s %8s\n", "arm", "cleared%", "(95% CI)",
          "day clear", "med.OS", "(95% CI)", "OS@end", rfs_heading[0], rfs_heading[1],
          rfs_heading[2]);
  for (size_t a = 0; a < t->n_arms; a++) {
    char median[16], lower[16], upper[16], ci[40], clear_ci[40], clear_day[16];
    format_days(t->median_clearance[a], clear_day, sizeof clear_day);
    format_days(t->median[a], median, sizeof median);
    format_days(t->median_lower[a], lower, sizeof lower);
    format_days(t->median_upper[a], upper, sizeof upper);
    snprintf(ci, sizeof ci, "(%s-%s)", lower, upper);
    snprintf(clear_ci, sizeof clear_ci, "(%.1f-%.1f)", 100 * t->clearance_lower[a],
             100 * t->clearance_upper[a]);
    fprintf(out, "%-24s %8.1f %-17s %9s %7s %-15s %7.1f%% %7.1f%% %7.1f%% %7.1f%%\n", t->name[a],
            100 * t->clearance[a], clear_ci, clear_day, median, ci, 100 * t->os_end[a],
            100 * t->rfs[0][a], 100 * t->rfs[1][a], 100 * t->rfs[2][a]);
  }
  if (t->n_arms < 2)
    return;
  fprintf(out, "\nlog-rank p (overall survival; arms share patients, so read descriptively)\n");
  fprintf(out, "%-24s", "");
  for (size_t b = 0; b < t->n_arms; b++)
    fprintf(out, " %10.10s", t->name[b]);
  fputc('\n', out);
  for (size_t a = 0; a < t->n_arms; a++) {
    fprintf(out, "%-24s", t->name[a]);
    for (size_t b = 0; b < t->n_arms; b++) {
      if (a == b)
        fprintf(out, " %10s", "-");
      else
        fprintf(out, " %10.2g", t->logrank[a * t->n_arms + b]);
    }
    fputc('\n', out);
  }
}

cs_status cs_summary_print(const char *path, FILE *out, cs_error *err)
{
  cs_ncfile *file = NULL;
  arm_table *t = calloc(1, sizeof *t);
  if (t == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  /* Checked against its schema and complete before a value is read: a partial file
   * holds fill values where the statistics will be. */
  cs_status status = cs_ncfile_open(path, &file, err);
  if (status == CS_OK)
    status = cs_ncfile_require_complete(file, err);
  if (status == CS_OK) {
    status = read_table(file->ncid, path, t, err);
    if (status == CS_OK)
      print_table(t, out);
    if (t->name[0] != NULL)
      nc_free_string(t->n_arms, t->name);
  }
  cs_ncfile_close(&file);
  free(t);
  return status;
}
