/* Inline SVG figures for `cohortsim report` (private to src/core/report*.c): a plot area
 * with linear, logarithmic or categorical axes, and the marks the report draws on it
 * (lines, right-continuous step curves, bands, bars, intervals, cells, legends). Marks
 * are clipped to the plot area; every text is escaped. Drawing writes to the plot's
 * stream; the caller checks the stream's error state once, at the end. */
#ifndef COHORTSIM_REPORT_SVG_H
#define COHORTSIM_REPORT_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The Okabe-Ito palette (Okabe and Ito 2008), distinguishable with every common colour
 * vision deficiency; colour i of an arm is the same in every figure and table. */
const char *cs_svg_colour(size_t index);

typedef struct cs_svg_axis {
  double min, max;
  bool log_scale;                /* ticks at 1, 2, 5 times powers of ten */
  const char *label;             /* with its unit, e.g. "days since enrolment" */
  size_t n_categories;           /* > 0: categorical; category i spans [i, i + 1] */
  const char *const *categories; /* their labels */
} cs_svg_axis;

typedef struct cs_svg {
  FILE *out;
  int id;                          /* unique in the page: names the clip path */
  double width, height;            /* pixels */
  double left, right, top, bottom; /* margins around the plot area, pixels */
  cs_svg_axis x, y;
} cs_svg;

/* Opens the figure: the <svg> element with its accessible title (escaped), a white
 * background, the title drawn above the plot area and the clip path of the area. Set
 * every field but out and id first (cs_svg_plot gives defaults). */
void cs_svg_begin(cs_svg *svg, FILE *out, int id, const char *title);
void cs_svg_end(const cs_svg *svg);

/* A plot of width x height pixels with room for tick labels and axis labels. */
cs_svg cs_svg_plot(double width, double height, cs_svg_axis x, cs_svg_axis y);

/* Pixel coordinates of a data value on an axis. */
double cs_svg_px(const cs_svg *svg, double x);
double cs_svg_py(const cs_svg *svg, double y);

/* Tick values of a numeric axis (at most `most`), returned count. */
size_t cs_svg_ticks(const cs_svg_axis *axis, double *ticks, size_t most);

/* The frame, grid lines (numeric axes only: on a categorical one they would cross the
 * cells), ticks with their labels and both axis labels. */
void cs_svg_axes(const cs_svg *svg);

/* Text at pixel (px, py), anchor "start", "middle" or "end", escaped; size in pixels,
 * colour NULL for the default. */
void cs_svg_text(const cs_svg *svg, double px, double py, const char *anchor, double size,
                 const char *colour, const char *text);

/* A polyline through n points (NaN points break it); dash "" for solid, e.g. "6 3". */
void cs_svg_line(const cs_svg *svg, size_t n, const double *x, const double *y, const char *colour,
                 const char *dash, double stroke_width);

/* A right-continuous step function: y[i] holds on [x[i], x[i + 1]); the last step ends
 * at x_end. */
void cs_svg_steps(const cs_svg *svg, size_t n, const double *x, const double *y, double x_end,
                  const char *colour, const char *dash, double stroke_width);

/* The area between lower and upper, as steps (right-continuous, to x_end) or joined
 * straight, filled with colour at the given opacity. */
void cs_svg_band(const cs_svg *svg, size_t n, const double *x, const double *lower,
                 const double *upper, bool steps, double x_end, const char *colour, double opacity);

/* A filled rectangle between data corners (x0, y0) and (x1, y1), with a tooltip
 * (escaped; NULL for none). */
void cs_svg_rect(const cs_svg *svg, double x0, double y0, double x1, double y1, const char *colour,
                 double opacity, const char *tooltip);

/* A horizontal interval [lo, hi] at height y with a point at x and a tooltip. */
void cs_svg_interval(const cs_svg *svg, double y, double x, double lo, double hi,
                     const char *colour, const char *tooltip);

/* A straight segment between data points (a reference line). */
void cs_svg_segment(const cs_svg *svg, double x0, double y0, double x1, double y1,
                    const char *colour, const char *dash);

/* A legend between the title and the plot area: a line sample (dash "" solid) and the
 * label of each entry, left to right, wrapping into rows. Make room for it first: add
 * cs_svg_legend_height to the top margin before cs_svg_begin. */
double cs_svg_legend_height(const cs_svg *svg, size_t n, const char *const *labels);
void cs_svg_legend(const cs_svg *svg, size_t n, const char *const *labels,
                   const char *const *colours, const char *const *dashes);

#endif
