/* The report's figures of the analysis results: forest plots of the regressions, the
 * partial rank correlations and the subgroup survival curves. The numbers are the ones
 * `cohortsim analyze` prints and writes (analysis_run.c); this file only draws them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "report_sections.h"
#include "report_svg.h"

/* Covariate labels for an axis: the name, with "(log)" where it enters log-transformed. */
static char (*covariate_labels(const cs_analysis_data *d, const char **labels))[CS_NAME_MAX + 16]
{
  char(*text)[CS_NAME_MAX + 16] = calloc(d->p + 1, sizeof *text);
  for (size_t j = 0; text != NULL && j < d->p; j++) {
    snprintf(text[j], sizeof text[j], "%s%s", d->name[j], d->log_scale[j] ? " (log)" : "");
    labels[j] = text[j];
  }
  return text;
}

/* The ratio per SD of covariate j in fit f, and its 95% interval. */
static void ratio_per_sd(const cs_analysis_data *d, const cs_analysis_fit *f, size_t j,
                         double *ratio, double *lower, double *upper)
{
  const double coef = f->coef[j] * d->sd[j], se = f->se[j] * d->sd[j];
  *ratio = exp(coef);
  *lower = exp(coef - CS_Z95 * se);
  *upper = exp(coef + CS_Z95 * se);
}

/* The x range of a forest plot: every finite interval, within [1e-3, 1e3], around 1. */
static void forest_range(const cs_report *r, int kind, double *low, double *high)
{
  const cs_analysis_data *d = r->data;
  double lo = 0.5, hi = 2;
  for (int a = 0; a < d->n_arms; a++)
    for (size_t j = 0; j < d->p; j++) {
      double ratio, lower, upper;
      ratio_per_sd(d, &r->results->arm[a].fit[kind], j, &ratio, &lower, &upper);
      if (isfinite(lower) && isfinite(upper)) {
        lo = fmin(lo, lower);
        hi = fmax(hi, upper);
      }
    }
  *low = pow(10, floor(log10(fmax(lo, 1e-3)) * 2) / 2);
  *high = pow(10, ceil(log10(fmin(hi, 1e3)) * 2) / 2);
}

static void forest_figure(cs_report *r, int kind, const char **labels)
{
  const cs_analysis_data *d = r->data;
  const double band = 1.0 / (d->n_arms + 1);
  double low, high;
  forest_range(r, kind, &low, &high);
  char x_label[96];
  snprintf(x_label, sizeof x_label, "%s, 95%% CI (log scale)", cs_fit_kinds[kind].ratio);
  const cs_svg_axis x = {.min = low, .max = high, .log_scale = true, .label = x_label},
                    y = {.min = 0, .max = (double)d->p, .n_categories = d->p, .categories = labels};
  cs_svg svg = cs_svg_plot(540, 80 + (14.0 * d->n_arms + 14) * (double)d->p, x, y);
  svg.left = 150;
  cs_svg_begin(&svg, r->out, r->figures++, cs_fit_kinds[kind].title);
  cs_svg_axes(&svg);
  cs_svg_segment(&svg, 1, 0, 1, (double)d->p, "#555", "4 3");
  for (int a = 0; a < d->n_arms; a++) {
    const cs_analysis_fit *f = &r->results->arm[a].fit[kind];
    for (size_t j = 0; j < d->p; j++) {
      double ratio, lower, upper;
      ratio_per_sd(d, f, j, &ratio, &lower, &upper);
      if (!isfinite(ratio))
        continue;
      char tip[CS_NAME_MAX * 2 + 96];
      snprintf(tip, sizeof tip, "%s, %s: %.3g (%.3g-%.3g), p = %.2g", cs_report_arm_name(r, a),
               d->name[j], ratio, lower, upper, cs_wald_p(f->coef[j], f->se[j]));
      cs_svg_interval(&svg, (double)j + band * (a + 1), ratio, lower, upper,
                      cs_report_arm_colour(a), tip);
    }
  }
  cs_svg_end(&svg);
}

/* Each arm's notes on a fit (covariates left out, a fit that does not exist), and the
 * concordance of each Cox model in one line. */
static void fit_notes(const cs_report *r, int kind)
{
  for (int a = 0; a < r->data->n_arms; a++) {
    const cs_fit_summary *s = &r->results->arm[a].fit[kind].summary;
    if (s->note[0] != '\0')
      cs_html_note(r->out, "%s: %s", cs_report_arm_name(r, a), s->note);
  }
  if (kind == CS_FIT_LOGIT_CLEARED)
    return;
  fputs("<p class=\"note\">Concordance (Harrell's C):", r->out);
  for (int a = 0; a < r->data->n_arms; a++) {
    const cs_fit_summary *s = &r->results->arm[a].fit[kind].summary;
    cs_html_printf(r->out, "%s %s ", a > 0 ? ";" : "", cs_report_arm_name(r, a));
    if (s->converged)
      cs_html_printf(r->out, "%.3f", s->concordance);
    else
      fputs("-", r->out);
  }
  fputs("</p>\n", r->out);
}

cs_status cs_report_forest(cs_report *r, cs_error *err)
{
  const char **labels = calloc(r->data->p + 1, sizeof *labels);
  char(*text)[CS_NAME_MAX + 16] = labels != NULL ? covariate_labels(r->data, labels) : NULL;
  if (text == NULL) {
    free(labels);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  }
  cs_html_note(r->out, "All covariates in one model per arm; ratios per standard deviation of "
                       "the (log-)transformed covariate, so covariates on different scales "
                       "compare. Right of 1: a higher value raises the hazard (Cox) or the odds "
                       "of clearance (logistic). Hover over a point for its numbers and Wald p.");
  cs_report_arm_key(r);
  for (int kind = 0; kind < CS_FITS; kind++) {
    bool any_fit = false;
    for (int a = 0; a < r->data->n_arms; a++)
      any_fit = any_fit || r->results->arm[a].fit[kind].summary.converged;
    if (any_fit)
      forest_figure(r, kind, labels);
    else
      cs_html_note(r->out, "%s: no arm has a fit to draw.", cs_fit_kinds[kind].title);
    fit_notes(r, kind);
  }
  free(text);
  free(labels);
  return CS_OK;
}

/* Covariates ordered by the largest |PRCC| over the arms, NaN last: the ranking. */
typedef struct ranked {
  size_t j;
  double strength;
} ranked;

static int by_strength(const void *a, const void *b)
{
  const double x = ((const ranked *)a)->strength, y = ((const ranked *)b)->strength;
  return (x < y) - (x > y);
}

static void prcc_figure(cs_report *r, int outcome, ranked *order, const char **labels,
                        const char **sorted_labels)
{
  const cs_analysis_data *d = r->data;
  for (size_t j = 0; j < d->p; j++) {
    order[j] = (ranked){j, -1};
    for (int a = 0; a < d->n_arms; a++) {
      const double v = fabs(r->results->arm[a].prcc[outcome][j]);
      order[j].strength = isnan(v) ? order[j].strength : fmax(order[j].strength, v);
    }
  }
  qsort(order, d->p, sizeof *order, by_strength);
  for (size_t k = 0; k < d->p; k++)
    sorted_labels[k] = labels[order[k].j];
  char title[96];
  static const char *const outcome_title[CS_PRCC_OUTCOMES] = {
      [CS_PRCC_FINAL_BURDEN] = "the final burden",
      [CS_PRCC_CLEARANCE_TIME] = "the time to clearance",
      [CS_PRCC_OS_TIME] = "the overall survival time",
  };
  snprintf(title, sizeof title, "PRCC with %s", outcome_title[outcome]);
  const cs_svg_axis x = {.min = -1, .max = 1, .label = "PRCC"}, y = {.min = 0,
                                                                     .max = (double)d->p,
                                                                     .n_categories = d->p,
                                                                     .categories = sorted_labels};
  cs_svg svg = cs_svg_plot(440, 80 + (12.0 * d->n_arms + 12) * (double)d->p, x, y);
  svg.left = 150;
  cs_svg_begin(&svg, r->out, r->figures++, title);
  cs_svg_axes(&svg);
  const double band = 0.8 / d->n_arms;
  for (size_t k = 0; k < d->p; k++)
    for (int a = 0; a < d->n_arms; a++) {
      const size_t j = order[k].j;
      const double v = r->results->arm[a].prcc[outcome][j],
                   p = r->results->arm[a].prcc_p[outcome][j];
      if (isnan(v))
        continue;
      char tip[CS_NAME_MAX * 2 + 64];
      snprintf(tip, sizeof tip, "%s, %s: PRCC %.3f, p = %.2g", cs_report_arm_name(r, a), d->name[j],
               v, p);
      const double y0 = (double)k + 0.1 + band * a;
      cs_svg_rect(&svg, 0, y0, v, y0 + band * 0.9, cs_report_arm_colour(a), p < 0.05 ? 1 : 0.4,
                  tip);
    }
  cs_svg_segment(&svg, 0, 0, 0, (double)d->p, "#333", "");
  cs_svg_end(&svg);
}

cs_status cs_report_sensitivity(cs_report *r, cs_error *err)
{
  const size_t p = r->data->p;
  const char **labels = calloc(2 * p + 1, sizeof *labels);
  ranked *order = calloc(p + 1, sizeof *order);
  char(*text)[CS_NAME_MAX + 16] = labels != NULL ? covariate_labels(r->data, labels) : NULL;
  cs_status status =
      text == NULL || order == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory") : CS_OK;
  if (status == CS_OK) {
    cs_html_note(r->out, "Partial rank correlation coefficients (Marino et al. 2008) of each "
                         "covariate with three outcomes, strongest first; solid bars: p < 0.05, "
                         "pale bars: not significant. Never cleared ranks after every "
                         "clearance time.");
    cs_report_arm_key(r);
    fputs("<div class=\"figures\">\n", r->out);
    for (int outcome = 0; outcome < CS_PRCC_OUTCOMES; outcome++)
      prcc_figure(r, outcome, order, labels, labels + p);
    fputs("</div>\n", r->out);
  }
  free(text);
  free(labels);
  free(order);
  return status;
}

/* One arm's overall survival split into groups 0..n_groups-1 by group[i]. */
static cs_status group_figure(cs_report *r, int a, const int *group, int n_groups,
                              const char *const *names, const cs_subgroups *s, const char *what,
                              double *time, unsigned char *event, cs_error *err)
{
  static const char *const dashes[3] = {"", "7 4", "2 3"};
  static const char *const short_names[2][3] = {{"without", "with"},
                                                {"lowest", "middle", "highest"}};
  const cs_analysis_data *d = r->data;
  const size_t offset = (size_t)a * d->n;
  cs_km_series series[3];
  char labels[3][96];
  size_t start = 0;
  for (int g = 0; g < n_groups; g++) {
    series[g] = (cs_km_series){.time = time + start,
                               .event = event + start,
                               .colour = cs_report_arm_colour(a),
                               .dash = dashes[g]};
    for (size_t i = 0; i < d->n; i++)
      if (group[i] == g) {
        time[start + series[g].n] = d->os_time[offset + i];
        event[start + series[g].n++] = d->os_event[offset + i];
      }
    start += series[g].n;
    snprintf(labels[g], sizeof labels[g], "%s (n = %zu)", names[g], series[g].n);
    series[g].label = labels[g];
    series[g].short_label = short_names[n_groups == 3][g];
  }
  char title[CS_NAME_MAX * 2 + 96];
  snprintf(title, sizeof title, "%s by %s: log-rank p = %.2g", cs_report_arm_name(r, a), what,
           s->logrank_p);
  return cs_report_km_figure(r, title, "alive, %", (size_t)n_groups, series, false, 440, err);
}

/* Subgroups by trait j for every arm. */
static cs_status trait_figures(cs_report *r, size_t j, int *group, double *time,
                               unsigned char *event, cs_error *err)
{
  const cs_analysis_data *d = r->data;
  static const char *const names[2] = {"without", "with"};
  for (size_t i = 0; i < d->n; i++)
    group[i] = d->x[i * d->p + j] != 0;
  for (int a = 0; a < d->n_arms; a++)
    CS_CALL(group_figure(r, a, group, 2, names, &r->results->arm[a].by_trait[j], d->name[j], time,
                         event, err));
  return CS_OK;
}

static cs_status tertile_figures(cs_report *r, double *time, unsigned char *event, cs_error *err)
{
  const cs_analysis_data *d = r->data;
  const cs_analysis_results *res = r->results;
  const size_t j = (size_t)res->by;
  const double cut[2] = {d->log_scale[j] ? exp(res->tertile_cut[0]) : res->tertile_cut[0],
                         d->log_scale[j] ? exp(res->tertile_cut[1]) : res->tertile_cut[1]};
  char low[64], middle[64], high[64];
  snprintf(low, sizeof low, "%s <= %.3g", d->name[j], cut[0]);
  snprintf(middle, sizeof middle, "%.3g - %.3g", cut[0], cut[1]);
  snprintf(high, sizeof high, "> %.3g", cut[1]);
  const char *const names[3] = {low, middle, high};
  char what[CS_NAME_MAX + 32];
  snprintf(what, sizeof what, "tertiles of %s", d->name[j]);
  for (int a = 0; a < d->n_arms; a++)
    CS_CALL(group_figure(r, a, res->tertile, 3, names, &res->arm[a].by_tertile, what, time, event,
                         err));
  return CS_OK;
}

cs_status cs_report_subgroups(cs_report *r, cs_error *err)
{
  const cs_analysis_data *d = r->data;
  int *group = malloc((d->n + 1) * sizeof *group);
  double *time = malloc((d->n + 1) * sizeof *time);
  unsigned char *event = malloc(d->n + 1);
  cs_status status = group == NULL || time == NULL || event == NULL
                         ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                         : CS_OK;
  cs_html_note(r->out, "Kaplan-Meier overall survival within each arm by trait (without: "
                       "solid, with: dashed) and, with --by, by tertile of that covariate "
                       "(lowest: solid, middle: dashed, highest: dotted); k-sample log-rank "
                       "test between the groups.");
  fputs("<div class=\"figures\">\n", r->out);
  for (size_t j = 0; status == CS_OK && j < d->p; j++)
    if (d->is_trait[j])
      status = trait_figures(r, j, group, time, event, err);
  if (status == CS_OK && r->results->by >= 0)
    status = tertile_figures(r, time, event, err);
  fputs("</div>\n", r->out);
  if (status == CS_OK && r->results->by < 0)
    cs_html_note(r->out, "No --by covariate was given, so there are no tertile subgroups.");
  free(group);
  free(time);
  free(event);
  return status;
}
