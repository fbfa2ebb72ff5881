#include "summary.h"

#include <math.h>
#include <netcdf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/ncschema.h"
#include "cohortsim/sweep.h"

/* Beyond this many arms the log-rank matrix is too wide to read: a sweep makes up to
 * 1000 arms. The file's logrank_p holds every pair. */
#define SUMMARY_LOGRANK_MAX_ARMS 16

/* The per-arm columns, [arm] each, in one allocation (block): a sweep may make the
 * arms many. */
typedef struct arm_table {
  size_t n_arms, n_time, n_patients;
  char **name;
  double *clearance, *clearance_lower, *clearance_upper;
  double *median, *median_lower, *median_upper;
  double *median_clearance;
  double *os_end;
  /* RFS at a third, two thirds and all of follow-up (on the reporting grid). */
  size_t landmark[3];
  double landmark_days[3];
  double *rfs[3];
  double *logrank; /* [arm][arm] */
  double followup;
  double *block;
  /* A sweep's grid: its axes' keys and each arm's values ([arm][axis], NaN for the
   * file's own arms); n_axes 0 without a sweep. */
  size_t n_axes;
  char **axis_name;
  double *sweep_value;
} arm_table;

enum { N_ARM_COLUMNS = 11 };

static cs_status allocate_columns(arm_table *t, cs_error *err)
{
  const size_t n = t->n_arms;
  t->name = calloc(n + 1, sizeof *t->name);
  t->block = calloc((N_ARM_COLUMNS + n) * n + 1, sizeof *t->block);
  if (t->name == NULL || t->block == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory reading %zu arms", n);
  double **column[N_ARM_COLUMNS] = {&t->clearance,        &t->clearance_lower, &t->clearance_upper,
                                    &t->median,           &t->median_lower,    &t->median_upper,
                                    &t->median_clearance, &t->os_end,          &t->rfs[0],
                                    &t->rfs[1],           &t->rfs[2]};
  for (size_t c = 0; c < N_ARM_COLUMNS; c++)
    *column[c] = t->block + c * n;
  t->logrank = t->block + N_ARM_COLUMNS * n;
  return CS_OK;
}

static void free_table(arm_table *t)
{
  if (t->name != NULL && t->name[0] != NULL)
    nc_free_string(t->n_arms, t->name);
  if (t->axis_name != NULL && t->axis_name[0] != NULL)
    nc_free_string(t->n_axes, t->axis_name);
  free(t->name);
  free(t->axis_name);
  free(t->sweep_value);
  free(t->block);
  free(t);
}

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
  CS_CALL(allocate_columns(t, err));
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

/* The sweep's grid, if the file has one (docs/user-guide.md, "Sweeps"). */
static cs_status read_sweep(int ncid, const char *path, arm_table *t, cs_error *err)
{
  int dim, varid;
  if (nc_inq_dimid(ncid, "sweep_axis", &dim) != NC_NOERR)
    return CS_OK;
  CS_CALL(nc_check(nc_inq_dimlen(ncid, dim, &t->n_axes), path, "sweep_axis", err));
  t->axis_name = calloc(t->n_axes + 1, sizeof *t->axis_name);
  t->sweep_value = calloc(t->n_axes * t->n_arms + 1, sizeof *t->sweep_value);
  if (t->axis_name == NULL || t->sweep_value == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory reading the sweep");
  CS_CALL(nc_check(nc_inq_varid(ncid, "sweep_axis_name", &varid), path, "sweep_axis_name", err));
  CS_CALL(nc_check(nc_get_var_string(ncid, varid, t->axis_name), path, "sweep_axis_name", err));
  return get_doubles(ncid, path, "sweep_value", t->sweep_value, err);
}

static void format_days(double days, char *out, size_t size)
{
  if (isnan(days))
    snprintf(out, size, "NR");
  else
    snprintf(out, size, "%.1f", days);
}

/* The arm column's width: 24, or the longest name (a sweep's names are long). */
static int name_width(const arm_table *t)
{
  size_t width = 24;
  for (size_t a = 0; a < t->n_arms; a++)
    width = strlen(t->name[a]) > width ? strlen(t->name[a]) : width;
  return (int)width;
}

static void print_table(const arm_table *t, FILE *out)
{
  const int width = name_width(t);
  fprintf(out,
          "%zu patients per arm, follow-up %.0f days (NR: not reached; day clear: median day "
          "of clearance among the cleared)\n\n",
          t->n_patients, t->followup);
  char rfs_heading[3][16];
  for (int l = 0; l < 3; l++)
    snprintf(rfs_heading[l], sizeof rfs_heading[l], "RFS@%.0fd", t->landmark_days[l]);
  fprintf(out, "%-*s %8s %-17s %9s %7s %-15s %8s %8s %8s %8s\n", width, "arm", "cleared%",
          "(95% CI)", "day clear", "med.OS", "(95% CI)", "OS@end", rfs_heading[0], rfs_heading[1],
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
    fprintf(out, "%-*s %8.1f %-17s %9s %7s %-15s %7.1f%% %7.1f%% %7.1f%% %7.1f%%\n", width,
            t->name[a], 100 * t->clearance[a], clear_ci, clear_day, median, ci, 100 * t->os_end[a],
            100 * t->rfs[0][a], 100 * t->rfs[1][a], 100 * t->rfs[2][a]);
  }
  if (t->n_arms < 2)
    return;
  if (t->n_arms > SUMMARY_LOGRANK_MAX_ARMS) {
    fprintf(out, "\nlog-rank p of the %zu arms' pairs (overall survival): variable logrank_p\n",
            t->n_arms);
    return;
  }
  fprintf(out, "\nlog-rank p (overall survival; arms share patients, so read descriptively)\n");
  fprintf(out, "%-*s", width, "");
  for (size_t b = 0; b < t->n_arms; b++)
    fprintf(out, " %10.10s", t->name[b]);
  fputc('\n', out);
  for (size_t a = 0; a < t->n_arms; a++) {
    fprintf(out, "%-*s", width, t->name[a]);
    for (size_t b = 0; b < t->n_arms; b++) {
      if (a == b)
        fprintf(out, " %10s", "-");
      else
        fprintf(out, " %10.2g", t->logrank[a * t->n_arms + b]);
    }
    fputc('\n', out);
  }
}

/* ---- the sweep's outcome surface ------------------------------------------------------ */

static double sweep_at(const arm_table *t, size_t arm, size_t axis)
{
  return t->sweep_value[arm * t->n_axes + axis];
}

static bool is_generated(const arm_table *t, size_t arm)
{
  return !isnan(sweep_at(t, arm, 0));
}

/* The distinct values of an axis over the generated arms (at most `capacity`), in the
 * file's order: the grid's arms run through each axis's values in order. */
static size_t axis_values(const arm_table *t, size_t axis, double *values, size_t capacity)
{
  size_t n = 0;
  for (size_t a = 0; a < t->n_arms; a++) {
    size_t i = 0;
    while (i < n && values[i] != sweep_at(t, a, axis))
      i++;
    if (is_generated(t, a) && i == n && n < capacity)
      values[n++] = sweep_at(t, a, axis);
  }
  return n;
}

/* The generated arm at a row and column value of two axes, or -1. */
static long find_cell(const arm_table *t, double row, double column)
{
  for (size_t a = 0; a < t->n_arms; a++)
    if (is_generated(t, a) && sweep_at(t, a, 0) == row && sweep_at(t, a, 1) == column)
      return (long)a;
  return -1;
}

typedef void (*cell_format)(const arm_table *t, size_t arm, char *text, size_t size);

static void clearance_text(const arm_table *t, size_t arm, char *text, size_t size)
{
  snprintf(text, size, "%.1f (%.1f-%.1f)", 100 * t->clearance[arm], 100 * t->clearance_lower[arm],
           100 * t->clearance_upper[arm]);
}

static void median_os_text(const arm_table *t, size_t arm, char *text, size_t size)
{
  char median[16], lower[16], upper[16];
  format_days(t->median[arm], median, sizeof median);
  format_days(t->median_lower[arm], lower, sizeof lower);
  format_days(t->median_upper[arm], upper, sizeof upper);
  snprintf(text, size, "%s (%s-%s)", median, lower, upper);
}

/* One outcome over two axes: the first axis's values down, the second's across. */
static void print_matrix(const arm_table *t, const char *title, cell_format format, FILE *out)
{
  double rows[CS_SWEEP_ARMS_MAX], columns[CS_SWEEP_ARMS_MAX];
  const size_t n_rows = axis_values(t, 0, rows, CS_SWEEP_ARMS_MAX);
  const size_t n_columns = axis_values(t, 1, columns, CS_SWEEP_ARMS_MAX);
  fprintf(out, "\n%s: %s down, %s across\n%-14s", title, t->axis_name[0], t->axis_name[1], "");
  for (size_t c = 0; c < n_columns; c++)
    fprintf(out, c + 1 < n_columns ? " %-20g" : " %g", columns[c]);
  fputc('\n', out);
  for (size_t r = 0; r < n_rows; r++) {
    fprintf(out, "%-14g", rows[r]);
    for (size_t c = 0; c < n_columns; c++) {
      char cell[48] = "-";
      const long arm = find_cell(t, rows[r], columns[c]);
      if (arm >= 0)
        format(t, (size_t)arm, cell, sizeof cell);
      fprintf(out, c + 1 < n_columns ? " %-20s" : " %s", cell);
    }
    fputc('\n', out);
  }
}

/* Every generated arm on a row: its axis values, then the outcomes. */
static int axis_width(const arm_table *t, size_t axis)
{
  const size_t length = strlen(t->axis_name[axis]);
  return length > 10 ? (int)length : 10;
}

static void print_long_table(const arm_table *t, FILE *out)
{
  fputc('\n', out);
  for (size_t k = 0; k < t->n_axes; k++)
    fprintf(out, "%-*s ", axis_width(t, k), t->axis_name[k]);
  fprintf(out, "%-20s %s\n", "cleared% (95% CI)", "med.OS (95% CI)");
  for (size_t a = 0; a < t->n_arms; a++) {
    if (!is_generated(t, a))
      continue;
    char clearance[48], median[48];
    clearance_text(t, a, clearance, sizeof clearance);
    median_os_text(t, a, median, sizeof median);
    for (size_t k = 0; k < t->n_axes; k++)
      fprintf(out, "%-*g ", axis_width(t, k), sweep_at(t, a, k));
    fprintf(out, "%-20s %s\n", clearance, median);
  }
}

/* The outcome surface over the sweep's grid: a table per outcome for two axes, else
 * one row per generated arm. */
static void print_sweep(const arm_table *t, FILE *out)
{
  if (t->n_axes == 0)
    return;
  fprintf(out, "\nsweep: cleared %% (95%% Wilson interval) and median OS in days (95%% CI; NR: "
               "not reached) over the grid\n");
  if (t->n_axes != 2) {
    print_long_table(t, out);
    return;
  }
  print_matrix(t, "cleared % (95% CI)", clearance_text, out);
  print_matrix(t, "median OS, days (95% CI)", median_os_text, out);
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
      status = read_sweep(file->ncid, path, t, err);
    if (status == CS_OK) {
      print_table(t, out);
      print_sweep(t, out);
    }
  }
  cs_ncfile_close(&file);
  free_table(t);
  return status;
}
