/* The sections of `cohortsim report` (private to src/core/report*.c): what every section
 * reads, and the figures more than one section draws. */
#ifndef COHORTSIM_REPORT_SECTIONS_H
#define COHORTSIM_REPORT_SECTIONS_H

#include <stdio.h>

#include "analysis_run.h"
#include "cohortsim/ncschema.h"

typedef struct cs_report {
  FILE *out;
  const cs_ncfile *file;
  const cs_analysis_data *data; /* every arm, in the file's order */
  const cs_analysis_results *results;
  int figures; /* figures written so far: each gets its own clip path id */
} cs_report;

/* The name and colour of arm a, the same in every figure and table. */
const char *cs_report_arm_name(const cs_report *r, int a);
const char *cs_report_arm_colour(int a);

/* The arms' key as a line of colour swatches, for figures that draw every arm. */
void cs_report_arm_key(const cs_report *r);

/* One Kaplan-Meier curve of a figure: n patients' times and events, drawn in colour with
 * dash ("" solid), named label in the legend and short_label in its row of numbers at
 * risk. */
typedef struct cs_km_series {
  size_t n;
  const double *time;
  const unsigned char *event;
  const char *label, *short_label, *colour, *dash;
} cs_km_series;

/* A Kaplan-Meier figure (survival in %, days on x to the follow-up), step curves with
 * their 95% bands (Greenwood, log scale) when bands is true, censoring marks, a legend,
 * and the numbers at risk at each day tick under the plot. */
cs_status cs_report_km_figure(cs_report *r, const char *title, const char *y_label, size_t n,
                              const cs_km_series *series, bool bands, double width, cs_error *err);

/* The sections drawn from the analysis results (report_analysis.c). */
cs_status cs_report_forest(cs_report *r, cs_error *err);
cs_status cs_report_sensitivity(cs_report *r, cs_error *err);
cs_status cs_report_subgroups(cs_report *r, cs_error *err);

#endif
