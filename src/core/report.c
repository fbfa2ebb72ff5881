/* `cohortsim report`: the page's assembly, its provenance and arm tables, and the figures
 * read straight from the file (survival curves, burden fans, species, sweep). The
 * regressions' figures are in report_analysis.c, the drawing in report_svg.c and the
 * markup in report_html.c. */
#include "cohortsim/report.h"

#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/ncout.h"
#include "cohortsim/survival.h"
#include "cohortsim/sweep.h"
#include "report_html.h"
#include "report_sections.h"
#include "report_svg.h"

const char *cs_report_arm_name(const cs_report *r, int a)
{
  return r->data->cohort->arm[r->data->arm[a]].name;
}

const char *cs_report_arm_colour(int a)
{
  return cs_svg_colour((size_t)a);
}

void cs_report_arm_key(const cs_report *r)
{
  fputs("<p class=\"note\">", r->out);
  for (int a = 0; a < r->data->n_arms; a++) {
    fprintf(r->out, "<span class=\"swatch\" style=\"background:%s\"></span>",
            cs_report_arm_colour(a));
    cs_html_escape(r->out, cs_report_arm_name(r, a));
    fputs(" &nbsp; ", r->out);
  }
  fputs("</p>\n", r->out);
}

static int compare_doubles(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The corners of a fitted curve: S, and its band, at 0 and at each distinct event time
 * up to tau (S only changes there). */
typedef struct km_steps {
  size_t n;
  double *t, *s, *lower, *upper;
} km_steps;

static void km_steps_free(km_steps *k)
{
  free(k->t);
  free(k->s);
  free(k->lower);
  free(k->upper);
}

static cs_status km_steps_make(const cs_km_series *series, const cs_km *km, double tau, km_steps *k,
                               cs_error *err)
{
  *k = (km_steps){0};
  k->t = malloc((series->n + 1) * sizeof *k->t);
  k->s = malloc((series->n + 1) * sizeof *k->s);
  k->lower = malloc((series->n + 1) * sizeof *k->lower);
  k->upper = malloc((series->n + 1) * sizeof *k->upper);
  CS_CHECK(k->t != NULL && k->s != NULL && k->lower != NULL && k->upper != NULL, err, CS_ERR_NOMEM,
           "out of memory");
  k->t[k->n++] = 0;
  for (size_t i = 0; i < series->n; i++)
    if (series->event[i] && series->time[i] <= tau)
      k->t[k->n++] = series->time[i];
  qsort(k->t, k->n, sizeof *k->t, compare_doubles);
  size_t distinct = 0;
  for (size_t i = 0; i < k->n; i++)
    if (distinct == 0 || k->t[i] != k->t[distinct - 1])
      k->t[distinct++] = k->t[i];
  k->n = distinct;
  for (size_t i = 0; i < k->n; i++) {
    cs_km_eval(km, k->t[i], &k->s[i], NULL, &k->lower[i], &k->upper[i]);
    k->s[i] *= 100;
    k->lower[i] *= 100;
    k->upper[i] *= 100;
  }
  return CS_OK;
}

/* Short vertical ticks on the curve where patients were censored before the follow-up. */
static void censoring_marks(const cs_svg *svg, const cs_km_series *series, const cs_km *km,
                            double tau)
{
  for (size_t i = 0; i < series->n; i++) {
    if (series->event[i] || series->time[i] >= tau)
      continue;
    double s;
    cs_km_eval(km, series->time[i], &s, NULL, NULL, NULL);
    const double px = cs_svg_px(svg, series->time[i]), py = cs_svg_py(svg, 100 * s);
    fprintf(svg->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", px,
            py - 4, px, py + 4, series->colour);
  }
}

static cs_status draw_series(const cs_svg *svg, const cs_km_series *series, bool band, double tau,
                             cs_error *err)
{
  cs_km *km = NULL;
  km_steps k = {0};
  cs_status status = cs_km_fit(series->n, series->time, series->event, &km, err);
  if (status == CS_OK)
    status = km_steps_make(series, km, tau, &k, err);
  if (status == CS_OK) {
    if (band)
      cs_svg_band(svg, k.n, k.t, k.lower, k.upper, true, tau, series->colour, 0.15);
    cs_svg_steps(svg, k.n, k.t, k.s, tau, series->colour, series->dash, 2.2);
    censoring_marks(svg, series, km, tau);
  }
  km_steps_free(&k);
  cs_km_destroy(&km);
  return status;
}

/* The rows of numbers at risk under the plot, one per curve, at the day ticks. */
static cs_status numbers_at_risk(const cs_svg *svg, size_t n, const cs_km_series *series,
                                 double plot_bottom, cs_error *err)
{
  double ticks[64];
  const size_t n_ticks = cs_svg_ticks(&svg->x, ticks, 64);
  cs_svg_text(svg, 4, plot_bottom + 62, "start", 12, NULL, "Number at risk");
  for (size_t c = 0; c < n; c++) {
    const double py = plot_bottom + 80 + 17.0 * (double)c;
    cs_km *km = NULL;
    CS_CALL(cs_km_fit(series[c].n, series[c].time, series[c].event, &km, err));
    char label[24];
    snprintf(label, sizeof label, "%.13s", series[c].short_label);
    cs_svg_text(svg, 4, py, "start", 11, series[c].colour, label);
    for (size_t i = 0; i < n_ticks; i++) {
      char count[24];
      snprintf(count, sizeof count, "%zu", cs_km_at_risk(km, ticks[i]));
      cs_svg_text(svg, cs_svg_px(svg, ticks[i]), py, "middle", 11, series[c].colour, count);
    }
    cs_km_destroy(&km);
  }
  return CS_OK;
}

cs_status cs_report_km_figure(cs_report *r, const char *title, const char *y_label, size_t n,
                              const cs_km_series *series, bool bands, double width, cs_error *err)
{
  const char **labels = malloc((3 * n + 1) * sizeof *labels);
  CS_CHECK(labels != NULL, err, CS_ERR_NOMEM, "out of memory");
  const char **colours = labels + n, **dashes = labels + 2 * n;
  for (size_t c = 0; c < n; c++) {
    labels[c] = series[c].label;
    colours[c] = series[c].colour;
    dashes[c] = series[c].dash;
  }
  const double tau = r->data->tau, plot_height = 300;
  const cs_svg_axis x = {.min = 0, .max = tau, .label = "days since enrolment"},
                    y = {.min = 0, .max = 100, .label = y_label};
  cs_svg svg = cs_svg_plot(width, plot_height, x, y);
  /* Room under the plot for the numbers at risk, left of it for their rows' names, and
   * above it for the legend. */
  svg.left = 110;
  const double below = 40 + 17.0 * (double)n, above = cs_svg_legend_height(&svg, n, labels);
  svg.height += below + above;
  svg.bottom += below;
  svg.top += above;
  cs_svg_begin(&svg, r->out, r->figures++, title);
  cs_svg_axes(&svg);
  cs_status status = CS_OK;
  for (size_t c = 0; c < n && status == CS_OK; c++)
    status = draw_series(&svg, &series[c], bands, tau, err);
  cs_svg_legend(&svg, n, labels, colours, dashes);
  if (status == CS_OK)
    status = numbers_at_risk(&svg, n, series, svg.height - svg.bottom, err);
  cs_svg_end(&svg);
  free(labels);
  return status;
}

/* A global attribute as text: text as it is, a number in its shortest form, "-" if the
 * file has none. */
static void attribute_text(int ncid, const char *name, char *text, size_t size)
{
  nc_type type;
  size_t length;
  double number;
  snprintf(text, size, "-");
  if (nc_inq_att(ncid, NC_GLOBAL, name, &type, &length) != NC_NOERR)
    return;
  if (type == NC_CHAR) {
    char *value = cs_ncout_text_attribute(ncid, name);
    if (value != NULL)
      snprintf(text, size, "%s", value[0] != '\0' ? value : "(none)");
    free(value);
  } else if (length == 1 && type != NC_STRING &&
             nc_get_att_double(ncid, NC_GLOBAL, name, &number) == NC_NOERR) {
    snprintf(text, size, "%.6g", number);
  }
}

static cs_status section_provenance(cs_report *r, cs_error *err)
{
  (void)err;
  static const struct {
    const char *attribute, *label;
  } rows[] = {
      {"cohort_name", "Cohort"},
      {"cohort_path", "Cohort file"},
      {"overrides", "Overrides (--set)"},
      {"method", "Simulation method"},
      {"seed", "Seed"},
      {"n_patients", "Patients"},
      {"software_version", "cohortsim version"},
      {"git_revision", "Git revision"},
      {"created", "Run started (UTC)"},
      {"ended", "Run ended (UTC)"},
      {"mpi_ranks", "MPI ranks"},
      {"wall_time_seconds", "Wall time (s)"},
      {"hostname", "Host"},
      {"slurm_job_id", "SLURM job"},
  };
  const cs_cohort *c = r->data->cohort;
  if (c->description[0] != '\0')
    cs_html_note(r->out, "%s", c->description);
  static const char *const headers[] = {"Item", "Value"};
  cs_html_table_begin(r->out, 2, headers);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char value[512];
    attribute_text(r->file->ncid, rows[i].attribute, value, sizeof value);
    cs_html_row_begin(r->out, NULL, rows[i].label);
    cs_html_cell(r->out, "%s", value);
    cs_html_row_end(r->out);
  }
  cs_html_row_begin(r->out, NULL, "Follow-up");
  cs_html_cell(r->out, "%g days, reported every %g days", c->followup_days, c->report_every_days);
  cs_html_row_end(r->out);
  cs_html_table_end(r->out);
  fputs("<details><summary>Cohort file as run</summary><pre>", r->out);
  cs_html_escape(r->out, c->text);
  fputs("</pre></details>\n", r->out);
  return CS_OK;
}

/* "12.3 (10.1-14.2)", "not reached" where the median or a bound is. */
static void median_text(double median, double lower, double upper, char *text, size_t size)
{
  if (isnan(median))
    snprintf(text, size, "not reached");
  else if (isnan(upper))
    snprintf(text, size, "%.1f (%.1f-NR)", median, lower);
  else
    snprintf(text, size, "%.1f (%.1f-%.1f)", median, lower, upper);
}

/* The Kaplan-Meier median and its 95% interval (NaN where not reached). */
static cs_status km_median(size_t n, const double *time, const unsigned char *event,
                           double median[3], cs_error *err)
{
  cs_km *km = NULL;
  CS_CALL(cs_km_fit(n, time, event, &km, err));
  cs_km_median(km, &median[0], &median[1], &median[2]);
  cs_km_destroy(&km);
  return CS_OK;
}

static cs_status median_of(size_t n, const double *time, const unsigned char *event, char *text,
                           size_t size, cs_error *err)
{
  double median[3];
  CS_CALL(km_median(n, time, event, median, err));
  median_text(median[0], median[1], median[2], text, size);
  return CS_OK;
}

static cs_status section_arms(cs_report *r, cs_error *err)
{
  const cs_analysis_data *d = r->data;
  char rmst_header[64];
  snprintf(rmst_header, sizeof rmst_header, "RMST OS to %g days (SE)", d->tau);
  const char *const headers[] = {"Arm",
                                 "Patients",
                                 "Cleared, % (95% CI)",
                                 "Deaths",
                                 "Median OS, days (95% CI)",
                                 "Median RFS, days (95% CI)",
                                 rmst_header};
  cs_html_table_begin(r->out, 7, headers);
  for (int a = 0; a < d->n_arms; a++) {
    const cs_analysis_arm *res = &r->results->arm[a];
    const size_t offset = (size_t)a * d->n;
    double lower, upper;
    char os[64], rfs[64];
    cs_wilson_interval(res->n_cleared, d->n, CS_Z95, &lower, &upper);
    CS_CALL(median_of(d->n, d->os_time + offset, d->os_event + offset, os, sizeof os, err));
    CS_CALL(median_of(d->n, d->rfs_time + offset, d->rfs_event + offset, rfs, sizeof rfs, err));
    cs_html_row_begin(r->out, cs_report_arm_colour(a), cs_report_arm_name(r, a));
    cs_html_cell(r->out, "%zu", d->n);
    cs_html_cell(r->out, "%.1f (%.1f-%.1f)", 100.0 * (double)res->n_cleared / (double)d->n,
                 100 * lower, 100 * upper);
    cs_html_cell(r->out, "%zu", res->os_events);
    cs_html_cell(r->out, "%s", os);
    cs_html_cell(r->out, "%s", rfs);
    cs_html_cell(r->out, "%.2f (%.2f)", res->rmst_os, res->rmst_os_se);
    cs_html_row_end(r->out);
  }
  cs_html_table_end(r->out);
  cs_html_note(r->out,
               "Clearance: Wilson score interval. Medians: Kaplan-Meier, with the interval "
               "of R's survfit (conf.type \"log\"); NR: not reached. RMST: area "
               "under the Kaplan-Meier curve of overall survival to the follow-up, with its "
               "Greenwood-type standard error, as R's print(survfit, rmean = %g).",
               d->tau);
  return CS_OK;
}

static cs_status section_survival(cs_report *r, cs_error *err)
{
  const cs_analysis_data *d = r->data;
  cs_km_series *series = calloc((size_t)d->n_arms, sizeof *series);
  CS_CHECK(series != NULL, err, CS_ERR_NOMEM, "out of memory");
  cs_status status = CS_OK;
  fputs("<div class=\"figures\">\n", r->out);
  for (int outcome = 0; outcome < 2 && status == CS_OK; outcome++) {
    for (int a = 0; a < d->n_arms; a++) {
      const size_t offset = (size_t)a * d->n;
      series[a] = (cs_km_series){
          .n = d->n,
          .time = (outcome == 0 ? d->os_time : d->rfs_time) + offset,
          .event = (outcome == 0 ? d->os_event : d->rfs_event) + offset,
          .label = cs_report_arm_name(r, a),
          .short_label = cs_report_arm_name(r, a),
          .colour = cs_report_arm_colour(a),
          .dash = "",
      };
    }
    status = cs_report_km_figure(r, outcome == 0 ? "Overall survival" : "Relapse-free survival",
                                 outcome == 0 ? "alive, %" : "alive without relapse, %",
                                 (size_t)d->n_arms, series, true, 530, err);
  }
  fputs("</div>\n", r->out);
  cs_html_note(r->out, "Kaplan-Meier estimates with 95%% pointwise bands (Greenwood, log scale); "
                       "ticks mark patients censored before the follow-up. A relapse-free "
                       "event is a relapse or a death.");
  free(series);
  return status;
}

/* A whole variable of doubles, allocated; its dimensions' lengths in shape (at most 3). */
static cs_status read_variable(const cs_report *r, const char *name, double **values, size_t *shape,
                               cs_error *err)
{
  const char *path = r->file->path;
  int ncid = r->file->ncid, varid, n_dims, dims[NC_MAX_VAR_DIMS];
  size_t cells = 1;
  *values = NULL;
  CS_CALL(cs_analysis_nc_check(nc_inq_varid(ncid, name, &varid), path, name, err));
  CS_CALL(cs_analysis_nc_check(nc_inq_varndims(ncid, varid, &n_dims), path, name, err));
  CS_CHECK(n_dims <= 3, err, CS_ERR_BAD_FILE, "%s: %s has %d dimensions", path, name, n_dims);
  CS_CALL(cs_analysis_nc_check(nc_inq_vardimid(ncid, varid, dims), path, name, err));
  for (int k = 0; k < n_dims; k++) {
    CS_CALL(cs_analysis_nc_check(nc_inq_dimlen(ncid, dims[k], &shape[k]), path, name, err));
    cells *= shape[k];
  }
  *values = malloc((cells + 1) * sizeof **values);
  CS_CHECK(*values != NULL, err, CS_ERR_NOMEM, "out of memory");
  return cs_analysis_nc_check(nc_get_var_double(ncid, varid, *values), path, name, err);
}

/* The decades that hold every positive value (at least one). */
static void log_range(size_t n, const double *values, double *low, double *high)
{
  double smallest = HUGE_VAL, largest = 0;
  for (size_t i = 0; i < n; i++)
    if (values[i] > 0) {
      smallest = fmin(smallest, values[i]);
      largest = fmax(largest, values[i]);
    }
  if (largest == 0)
    smallest = largest = 1;
  *low = pow(10, floor(log10(smallest)));
  *high = pow(10, ceil(log10(largest)));
  if (*high <= *low)
    *high = *low * 10;
}

/* One arm's fan: the outer and inner quantile bands and the median; lower and upper are
 * work space of n_time values. */
static void burden_fan(cs_report *r, int a, size_t n_time, const double *time, size_t n_q,
                       const double *quantile, const double *q, double low, double high,
                       double *lower, double *upper)
{
  const cs_svg_axis x = {.min = 0, .max = r->data->tau, .label = "days since enrolment"},
                    y = {.min = low,
                         .max = high,
                         .log_scale = true,
                         .label = "tumour burden, cells"};
  cs_svg svg = cs_svg_plot(350, 300, x, y);
  cs_svg_begin(&svg, r->out, r->figures++, cs_report_arm_name(r, a));
  cs_svg_axes(&svg);
  for (size_t k = 0; k < n_q / 2; k++) {
    for (size_t t = 0; t < n_time; t++) {
      lower[t] = q[t * n_q + k];
      upper[t] = q[t * n_q + n_q - 1 - k];
    }
    cs_svg_band(&svg, n_time, time, lower, upper, false, 0, cs_report_arm_colour(a), 0.18);
  }
  for (size_t t = 0; t < n_time; t++)
    lower[t] = q[t * n_q + n_q / 2];
  cs_svg_line(&svg, n_time, time, lower, cs_report_arm_colour(a), "", 2.2);
  const double lethal = r->data->cohort->outcomes.lethal_cells;
  if (lethal > 0)
    cs_svg_segment(&svg, 0, lethal, r->data->tau, lethal, "#888", "5 4");
  char legend[64];
  snprintf(legend, sizeof legend, "median; %g-%g%%, %g-%g%%", 100 * quantile[n_q / 2 - 1],
           100 * quantile[n_q / 2 + 1], 100 * quantile[0], 100 * quantile[n_q - 1]);
  cs_svg_text(&svg, svg.width - svg.right - 6, svg.top + 16, "end", 11, NULL, legend);
  cs_svg_end(&svg);
}

static cs_status section_burden(cs_report *r, cs_error *err)
{
  double *time = NULL, *quantile = NULL, *q = NULL, *lower = NULL, *upper = NULL;
  size_t n_time[3] = {0}, n_q[3] = {0}, shape[3] = {0};
  cs_status status = read_variable(r, "time", &time, n_time, err);
  if (status == CS_OK)
    status = read_variable(r, "quantile", &quantile, n_q, err);
  if (status == CS_OK)
    status = read_variable(r, "burden_quantiles", &q, shape, err);
  if (status == CS_OK) {
    lower = malloc((n_time[0] + 1) * sizeof *lower);
    upper = malloc((n_time[0] + 1) * sizeof *upper);
    if (lower == NULL || upper == NULL)
      status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  }
  if (status == CS_OK && n_q[0] >= 3) {
    double low, high;
    log_range(shape[0] * shape[1] * shape[2], q, &low, &high);
    fputs("<div class=\"figures\">\n", r->out);
    for (int a = 0; a < r->data->n_arms; a++)
      burden_fan(r, a, n_time[0], time, n_q[0], quantile, q + (size_t)a * n_time[0] * n_q[0], low,
                 high, lower, upper);
    fputs("</div>\n", r->out);
    cs_html_note(r->out,
                 "Quantiles of the tumour burden over all patients of each arm at each "
                 "reporting time, on a log scale: the line is the median, the bands the "
                 "inner and outer quantiles. A quantile of 0 cells (cleared) lies below the "
                 "axis. The dashed line is the lethal burden (%g cells).",
                 r->data->cohort->outcomes.lethal_cells);
  }
  free(time);
  free(quantile);
  free(q);
  free(lower);
  free(upper);
  return status;
}

/* Species s over time, one line per arm, on its own log axis (species differ by orders of
 * magnitude); lines is work space of n_arms * n_time values. */
static void species_figure(cs_report *r, size_t s, size_t n_time, const double *time,
                           size_t n_species, const double *mean, double *lines)
{
  const int n_arms = r->data->n_arms;
  for (size_t k = 0; k < (size_t)n_arms * n_time; k++)
    lines[k] = mean[k * n_species + s];
  double low, high;
  log_range((size_t)n_arms * n_time, lines, &low, &high);
  const cs_svg_axis x = {.min = 0, .max = r->data->tau, .label = "days since enrolment"},
                    y = {.min = low, .max = high, .log_scale = true, .label = "mean, molecules"};
  cs_svg svg = cs_svg_plot(350, 300, x, y);
  cs_svg_begin(&svg, r->out, r->figures++, r->data->cohort->species[s].name);
  cs_svg_axes(&svg);
  for (int a = 0; a < n_arms; a++)
    cs_svg_line(&svg, n_time, time, lines + (size_t)a * n_time, cs_report_arm_colour(a), "", 2.2);
  cs_svg_end(&svg);
}

/* Time courses of recorded species: species_mean(arm, time, species), if the run
 * recorded any (docs/report.md). */
static cs_status section_species(cs_report *r, cs_error *err)
{
  int varid;
  if (nc_inq_varid(r->file->ncid, "species_mean", &varid) != NC_NOERR) {
    cs_html_note(r->out, "This file has no species statistics over time (no species_mean: "
                         "written before time courses existed, or by a cohort with "
                         "time_course_statistics: false), so there is nothing to draw here.");
    return CS_OK;
  }
  double *time = NULL, *mean = NULL, *lines = NULL;
  size_t n_time[3] = {0}, shape[3] = {0};
  cs_status status = read_variable(r, "time", &time, n_time, err);
  if (status == CS_OK)
    status = read_variable(r, "species_mean", &mean, shape, err);
  if (status == CS_OK && (shape[0] != (size_t)r->data->n_arms || shape[1] != n_time[0] ||
                          shape[2] != (size_t)r->data->cohort->n_species))
    status = cs_error_set(err, CS_ERR_BAD_FILE, "%s: species_mean is not (arm, time, species)",
                          r->file->path);
  if (status == CS_OK && (lines = malloc((shape[0] * shape[1] + 1) * sizeof *lines)) == NULL)
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  if (status == CS_OK) {
    fputs("<div class=\"figures\">\n", r->out);
    for (size_t s = 0; s < shape[2]; s++)
      species_figure(r, s, n_time[0], time, shape[2], mean, lines);
    fputs("</div>\n", r->out);
    cs_report_arm_key(r);
  }
  free(lines);
  free(time);
  free(mean);
  return status;
}

/* Analysis arm a's value of sweep axis k (NaN for an arm the sweep did not generate). */
static double sweep_value(const cs_report *r, int a, int k)
{
  const cs_cohort *c = r->data->cohort;
  return k < c->sweep.n_axes ? cs_sweep_arm_value(&c->sweep, r->data->arm[a], k) : NAN;
}

/* The distinct values of a sweep axis over the arms, sorted; count returned. */
static size_t sweep_levels(const cs_report *r, int axis, double *levels)
{
  size_t n = 0;
  for (int a = 0; a < r->data->n_arms; a++) {
    const double v = sweep_value(r, a, axis);
    bool seen = isnan(v);
    for (size_t k = 0; k < n && !seen; k++)
      seen = levels[k] == v;
    if (!seen)
      levels[n++] = v;
  }
  qsort(levels, n, sizeof *levels, compare_doubles);
  return n;
}

static size_t level_index(size_t n, const double *levels, double v)
{
  size_t k = 0;
  while (k + 1 < n && levels[k] != v)
    k++;
  return k;
}

/* A sequential colour-blind-safe scale (viridis end points and middle) for 0..1. */
static void heat_colour(double f, char *colour, size_t size)
{
  static const double stops[3][3] = {{68, 1, 84}, {33, 145, 140}, {253, 231, 37}};
  const double g = fmin(fmax(f, 0), 1) * 2;
  const int i = g >= 1 ? 1 : 0;
  double rgb[3];
  for (int c = 0; c < 3; c++)
    rgb[c] = stops[i][c] + (g - i) * (stops[i + 1][c] - stops[i][c]);
  snprintf(colour, size, "#%02x%02x%02x", (unsigned)lround(rgb[0]), (unsigned)lround(rgb[1]),
           (unsigned)lround(rgb[2]));
}

/* The grid of a sweep: the keys and values of its first two axes (one level and the
 * label "" for the second when it has one axis). */
typedef struct sweep_grid {
  const char *axis[2];
  double *level[2];
  size_t n[2];
} sweep_grid;

/* The outcomes drawn over the grid. */
enum { SWEEP_CLEARANCE, SWEEP_MEDIAN_OS, SWEEP_OUTCOMES };

/* Arm a's cell: its colour on the scale (0 worst, 1 best), the value printed in it and
 * its tooltip. */
static cs_status sweep_cell(const cs_report *r, int outcome, int a, double *scale, char *text,
                            char *tip, size_t tip_size, cs_error *err)
{
  const cs_analysis_data *d = r->data;
  const char *name = cs_report_arm_name(r, a);
  if (outcome == SWEEP_CLEARANCE) {
    const size_t cleared = r->results->arm[a].n_cleared;
    double lower, upper;
    cs_wilson_interval(cleared, d->n, CS_Z95, &lower, &upper);
    *scale = (double)cleared / (double)d->n;
    snprintf(text, 16, "%.0f", 100 * *scale);
    snprintf(tip, tip_size, "%s: %.1f%% cleared (95%% CI %.1f-%.1f)", name, 100 * *scale,
             100 * lower, 100 * upper);
    return CS_OK;
  }
  double median[3];
  char interval[64];
  const size_t offset = (size_t)a * d->n;
  CS_CALL(km_median(d->n, d->os_time + offset, d->os_event + offset, median, err));
  *scale = isnan(median[0]) ? 1 : median[0] / d->tau;
  if (isnan(median[0]))
    snprintf(text, 16, "NR");
  else
    snprintf(text, 16, "%.0f", median[0]);
  median_text(median[0], median[1], median[2], interval, sizeof interval);
  snprintf(tip, tip_size, "%s: median OS %s days", name, interval);
  return CS_OK;
}

static cs_status sweep_heat_map(cs_report *r, const sweep_grid *g, int outcome,
                                const char *const *category, cs_error *err)
{
  const cs_svg_axis x = {.min = 0,
                         .max = (double)g->n[0],
                         .label = g->axis[0],
                         .n_categories = g->n[0],
                         .categories = category},
                    y = {.min = 0,
                         .max = (double)g->n[1],
                         .label = g->axis[1],
                         .n_categories = g->n[1],
                         .categories = category + g->n[0]};
  cs_svg svg = cs_svg_plot(140 + 70.0 * (double)g->n[0], 110 + 44.0 * (double)g->n[1], x, y);
  cs_svg_begin(&svg, r->out, r->figures++,
               outcome == SWEEP_CLEARANCE ? "Cleared, %" : "Median overall survival, days");
  for (int a = 0; a < r->data->n_arms; a++) {
    const double vx = sweep_value(r, a, 0), vy = g->axis[1][0] != '\0' ? sweep_value(r, a, 1) : 0;
    if (isnan(vx) || isnan(vy))
      continue;
    const double i = (double)level_index(g->n[0], g->level[0], vx),
                 j = (double)level_index(g->n[1], g->level[1], vy);
    double scale;
    char colour[16], text[16], tip[CS_NAME_MAX + 96];
    CS_CALL(sweep_cell(r, outcome, a, &scale, text, tip, sizeof tip, err));
    heat_colour(scale, colour, sizeof colour);
    cs_svg_rect(&svg, i, j, i + 1, j + 1, colour, 1, tip);
    cs_svg_text(&svg, cs_svg_px(&svg, i + 0.5), cs_svg_py(&svg, j + 0.5) + 4, "middle", 12,
                scale > 0.6 ? "#222" : "#fff", text);
  }
  cs_svg_axes(&svg);
  cs_svg_end(&svg);
  return CS_OK;
}

/* The heat maps of every outcome over the grid, their axes' tick labels made once. */
static cs_status sweep_heat_maps(cs_report *r, const sweep_grid *g, cs_error *err)
{
  const size_t n = g->n[0] + g->n[1];
  char(*labels)[24] = calloc(n + 1, sizeof *labels);
  const char **category = malloc((n + 1) * sizeof *category);
  cs_status status =
      labels == NULL || category == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory") : CS_OK;
  for (size_t k = 0; status == CS_OK && k < n; k++) {
    snprintf(labels[k], sizeof labels[k], "%g",
             k < g->n[0] ? g->level[0][k] : g->level[1][k - g->n[0]]);
    category[k] = labels[k];
  }
  if (status == CS_OK)
    fputs("<div class=\"figures\">\n", r->out);
  for (int outcome = 0; status == CS_OK && outcome < SWEEP_OUTCOMES; outcome++)
    status = sweep_heat_map(r, g, outcome, category, err);
  if (status == CS_OK)
    fputs("</div>\n", r->out);
  free(labels);
  free(category);
  return status;
}

/* The sweep heat map: shown when the run's cohort has a sweep section (the file records
 * it in sweep_axes and sweep_value, docs/user-guide.md "Sweeps"). Clearance and median OS
 * over the first two axes; the file's own arms (a control arm) are left out. */
static cs_status section_sweep(cs_report *r, cs_error *err)
{
  const cs_sweep *sweep = &r->data->cohort->sweep;
  if (sweep->n_axes == 0) {
    cs_html_note(r->out, "The arms of this run were not generated by a sweep (its cohort has no "
                         "sweep section), so there is no outcome surface to draw.");
    return CS_OK;
  }
  if (sweep->n_axes > 2)
    cs_html_note(r->out,
                 "The sweep has %d axes; the heat maps show the first two, each cell one "
                 "arm (cells of arms that differ only in the other axes overlap: see the "
                 "summary's long table).",
                 sweep->n_axes);
  double *levels = malloc((2 * (size_t)r->data->n_arms + 2) * sizeof *levels);
  CS_CHECK(levels != NULL, err, CS_ERR_NOMEM, "out of memory");
  sweep_grid g = {.axis = {sweep->axis[0].key, sweep->n_axes > 1 ? sweep->axis[1].key : ""},
                  .level = {levels, levels + r->data->n_arms + 1}};
  g.n[0] = sweep_levels(r, 0, g.level[0]);
  g.n[1] = sweep->n_axes > 1 ? sweep_levels(r, 1, g.level[1]) : 0;
  if (g.n[1] == 0)
    g.level[1][g.n[1]++] = 0;
  cs_status status = CS_OK;
  if (g.n[0] == 0)
    cs_html_note(r->out, "None of the arms analysed is an arm of the sweep.");
  else
    status = sweep_heat_maps(r, &g, err);
  if (status == CS_OK && g.n[0] > 0)
    cs_html_note(r->out,
                 "Each cell is one arm of the sweep; hover for the 95%% interval. Colour "
                 "from the viridis scale: bright is better (more cleared, longer median "
                 "survival; NR: the median was not reached by the follow-up of %g days).",
                 r->data->tau);
  free(levels);
  return status;
}

typedef struct report_section {
  const char *id, *title;
  cs_status (*write)(cs_report *r, cs_error *err);
} report_section;

static const report_section sections[] = {
    {"provenance", "Run and provenance", section_provenance},
    {"arms", "Outcomes per arm", section_arms},
    {"survival", "Survival", section_survival},
    {"burden", "Tumour burden", section_burden},
    {"species", "Species time courses", section_species},
    {"forest", "What drives outcome: regression on the covariates", cs_report_forest},
    {"sensitivity", "Sensitivity ranking", cs_report_sensitivity},
    {"subgroups", "Subgroups", cs_report_subgroups},
    {"sweep", "Sweep", section_sweep},
};
enum { N_SECTIONS = sizeof sections / sizeof sections[0] };

static cs_status write_page(cs_report *r, cs_error *err)
{
  const char *ids[N_SECTIONS], *titles[N_SECTIONS];
  for (size_t i = 0; i < N_SECTIONS; i++) {
    ids[i] = sections[i].id;
    titles[i] = sections[i].title;
  }
  char title[CS_NAME_MAX + 64];
  snprintf(title, sizeof title, "cohortsim report: %s", r->data->cohort->name);
  cs_html_begin(r->out, title);
  cs_html_note(r->out,
               "%zu virtual patients, %d arms, every arm on the same patients; made "
               "from %s alone by cohortsim report.",
               r->data->n, r->data->n_arms, r->file->path);
  cs_html_contents(r->out, N_SECTIONS, ids, titles);
  for (size_t i = 0; i < N_SECTIONS; i++) {
    cs_html_section_begin(r->out, sections[i].id, sections[i].title);
    CS_CALL(sections[i].write(r, err));
    cs_html_section_end(r->out);
  }
  cs_html_end(r->out);
  return CS_OK;
}

/* Writes the page to `path`.partial and renames it into place. */
static cs_status write_file(cs_report *r, const char *path, cs_error *err)
{
  char *partial = malloc(strlen(path) + sizeof ".partial");
  CS_CHECK(partial != NULL, err, CS_ERR_NOMEM, "out of memory");
  sprintf(partial, "%s.partial", path);
  r->out = fopen(partial, "w");
  cs_status status = r->out == NULL ? cs_error_set(err, CS_ERR_IO, "%s: cannot create: %s", partial,
                                                   strerror(errno))
                                    : write_page(r, err);
  if (r->out != NULL) {
    const bool failed = ferror(r->out) != 0;
    if (fclose(r->out) != 0 || failed)
      status = status != CS_OK ? status : cs_error_set(err, CS_ERR_IO, "%s: write failed", partial);
    if (status == CS_OK && rename(partial, path) != 0)
      status = cs_error_set(err, CS_ERR_IO, "%s: cannot rename to %s: %s", partial, path,
                            strerror(errno));
    if (status != CS_OK)
      remove(partial);
  }
  free(partial);
  return status;
}

/* OUT.nc gives OUT.html beside it. */
static char *default_output(const char *path)
{
  const size_t n = strlen(path);
  const size_t stem = n > 3 && strcmp(path + n - 3, ".nc") == 0 ? n - 3 : n;
  char *output = malloc(stem + sizeof ".html");
  if (output != NULL)
    sprintf(output, "%.*s.html", (int)stem, path);
  return output;
}

cs_status cs_report_write(const cs_report_request *request, cs_error *err)
{
  cs_ncfile *file = NULL;
  cs_analysis_data data = {0};
  cs_analysis_results results = {0};
  char *output = request->output_path == NULL ? default_output(request->path) : NULL;
  cs_status status = request->output_path == NULL && output == NULL
                         ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                         : cs_ncfile_open(request->path, &file, err);
  if (status == CS_OK)
    status = cs_ncfile_require_complete(file, err);
  if (status == CS_OK)
    status = cs_analysis_data_read(file, 0, NULL, &data, err);
  if (status == CS_OK)
    status = cs_analysis_compute(&data, request->by, &results, err);
  if (status == CS_OK) {
    cs_report r = {.file = file, .data = &data, .results = &results};
    status = write_file(&r, output != NULL ? output : request->output_path, err);
  }
  cs_analysis_results_free(&data, &results);
  cs_analysis_data_free(&data);
  cs_ncfile_close(&file);
  free(output);
  return status;
}
