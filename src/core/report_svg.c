/* Inline SVG figures: axes, ticks and marks, in pixels computed from data values. */
#include "report_svg.h"

#include <math.h>
#include <string.h>

#include "report_html.h"

static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};

const char *cs_svg_colour(size_t index)
{
  return palette[index % (sizeof palette / sizeof palette[0])];
}

static const char *const ink = "#333", *const grid_colour = "#e6e6e6";

cs_svg cs_svg_plot(double width, double height, cs_svg_axis x, cs_svg_axis y)
{
  return (cs_svg){.width = width,
                  .height = height,
                  .left = 70,
                  .right = 16,
                  .top = 34,
                  .bottom = 50,
                  .x = x,
                  .y = y};
}

/* Where a value lies along an axis, 0 at min and 1 at max; a non-positive value on a log
 * axis lies far below it (and is clipped). */
static double fraction(const cs_svg_axis *axis, double value)
{
  if (axis->log_scale) {
    const double v = value > 0 ? value : axis->min * 1e-3;
    return (log10(v) - log10(axis->min)) / (log10(axis->max) - log10(axis->min));
  }
  return (value - axis->min) / (axis->max - axis->min);
}

double cs_svg_px(const cs_svg *svg, double x)
{
  return svg->left + fraction(&svg->x, x) * (svg->width - svg->left - svg->right);
}

/* Numbers grow upwards; categories are listed downwards, the first at the top. */
double cs_svg_py(const cs_svg *svg, double y)
{
  const double height = svg->height - svg->top - svg->bottom;
  const double f = fraction(&svg->y, y);
  return svg->y.n_categories > 0 ? svg->top + f * height : svg->top + (1 - f) * height;
}

static size_t linear_ticks(const cs_svg_axis *axis, double *ticks, size_t most)
{
  const double raw = (axis->max - axis->min) / 5, magnitude = pow(10, floor(log10(raw)));
  static const double steps[] = {1, 2, 2.5, 5, 10};
  double step = 10 * magnitude;
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (steps[i] * magnitude >= raw) {
      step = steps[i] * magnitude;
      break;
    }
  size_t n = 0;
  for (double k = ceil(axis->min / step - 1e-9);
       k * step <= axis->max * (1 + 1e-12) + 1e-12 && n < most; k++)
    ticks[n++] = fabs(k * step) < step * 1e-9 ? 0 : k * step;
  return n;
}

/* Decades, with 2 and 5 between them when the axis spans three decades or fewer. */
static size_t log_ticks(const cs_svg_axis *axis, double *ticks, size_t most)
{
  const double first = floor(log10(axis->min)), last = ceil(log10(axis->max));
  const bool fine = last - first <= 3;
  const int stride = last - first > 8 ? 2 : 1;
  static const double multiples[] = {1, 2, 5};
  size_t n = 0;
  for (double e = first; e <= last; e += stride)
    for (size_t m = 0; m < (fine ? 3 : 1); m++) {
      const double value = multiples[m] * pow(10, e);
      if (value >= axis->min * (1 - 1e-9) && value <= axis->max * (1 + 1e-9) && n < most)
        ticks[n++] = value;
    }
  return n;
}

size_t cs_svg_ticks(const cs_svg_axis *axis, double *ticks, size_t most)
{
  if (axis->n_categories > 0) {
    size_t n = 0;
    for (; n < axis->n_categories && n < most; n++)
      ticks[n] = (double)n + 0.5;
    return n;
  }
  return axis->log_scale ? log_ticks(axis, ticks, most) : linear_ticks(axis, ticks, most);
}

/* A tick label: the category, 10 with a superscript exponent for large and small powers
 * of ten, or the shortest decimal. */
static void tick_label(const cs_svg *svg, const cs_svg_axis *axis, size_t index, double value,
                       double px, double py, const char *anchor)
{
  if (axis->n_categories > 0) {
    cs_svg_text(svg, px, py, anchor, 12, NULL, axis->categories[index]);
    return;
  }
  const double exponent = log10(value);
  if (axis->log_scale && fabs(exponent - round(exponent)) < 1e-9 && fabs(exponent) >= 4) {
    fprintf(svg->out,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\" fill=\"%s\">10"
            "<tspan dy=\"-5\" font-size=\"9\">%d</tspan></text>\n",
            px, py, anchor, ink, (int)round(exponent));
    return;
  }
  char text[32];
  snprintf(text, sizeof text, "%g", value);
  cs_svg_text(svg, px, py, anchor, 12, NULL, text);
}

void cs_svg_axes(const cs_svg *svg)
{
  const double x0 = svg->left, x1 = svg->width - svg->right, y0 = svg->top,
               y1 = svg->height - svg->bottom;
  double ticks[64];
  const size_t nx = cs_svg_ticks(&svg->x, ticks, 64);
  for (size_t i = 0; i < nx; i++) {
    const double px = cs_svg_px(svg, ticks[i]);
    if (svg->x.n_categories == 0)
      fprintf(svg->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", px,
              y0, px, y1, grid_colour);
    fprintf(svg->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", px,
            y1, px, y1 + 5, ink);
    tick_label(svg, &svg->x, i, ticks[i], px, y1 + 18, "middle");
  }
  const size_t ny = cs_svg_ticks(&svg->y, ticks, 64);
  for (size_t i = 0; i < ny; i++) {
    const double py = cs_svg_py(svg, ticks[i]);
    if (svg->y.n_categories == 0)
      fprintf(svg->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x0,
              py, x1, py, grid_colour);
    fprintf(svg->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
            x0 - 5, py, x0, py, ink);
    tick_label(svg, &svg->y, i, ticks[i], x0 - 8, py + 4, "end");
  }
  fprintf(svg->out,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
          "stroke=\"%s\"/>\n",
          x0, y0, x1 - x0, y1 - y0, ink);
  if (svg->x.label != NULL)
    cs_svg_text(svg, (x0 + x1) / 2, y1 + 38, "middle", 13, NULL, svg->x.label);
  if (svg->y.label != NULL) {
    fprintf(svg->out, "<g transform=\"translate(%.1f %.1f) rotate(-90)\">", 16.0, (y0 + y1) / 2);
    cs_svg_text(svg, 0, 0, "middle", 13, NULL, svg->y.label);
    fputs("</g>\n", svg->out);
  }
}

void cs_svg_begin(cs_svg *svg, FILE *out, int id, const char *title)
{
  svg->out = out;
  svg->id = id;
  fprintf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>",
          svg->width, svg->height, svg->width, svg->height);
  cs_html_escape(out, title);
  fprintf(out,
          "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
          "<clipPath id=\"plot%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
          "height=\"%.1f\"/></clipPath>\n",
          id, svg->left, svg->top, svg->width - svg->left - svg->right,
          svg->height - svg->top - svg->bottom);
  fprintf(out, "<text x=\"8\" y=\"20\" font-size=\"14\" font-weight=\"600\" fill=\"%s\">", ink);
  cs_html_escape(out, title);
  fputs("</text>\n", out);
}

void cs_svg_end(const cs_svg *svg)
{
  fputs("</svg>\n", svg->out);
}

void cs_svg_text(const cs_svg *svg, double px, double py, const char *anchor, double size,
                 const char *colour, const char *text)
{
  fprintf(svg->out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%g\" fill=\"%s\">",
          px, py, anchor, size, colour != NULL ? colour : ink);
  cs_html_escape(svg->out, text);
  fputs("</text>\n", svg->out);
}

/* Opens a clipped path element; the caller writes its d attribute's commands. */
static void path_begin(const cs_svg *svg, const char *fill, double opacity, const char *stroke,
                       const char *dash, double stroke_width)
{
  fprintf(svg->out,
          "<path clip-path=\"url(#plot%d)\" fill=\"%s\" fill-opacity=\"%g\" stroke=\"%s\" "
          "stroke-width=\"%g\" stroke-dasharray=\"%s\" stroke-linejoin=\"round\" d=\"",
          svg->id, fill, opacity, stroke, stroke_width, dash);
}

static void path_end(const cs_svg *svg)
{
  fputs("\"/>\n", svg->out);
}

/* Appends a point, moving (M) after a gap or at the start, drawing (L) otherwise. */
static void path_point(const cs_svg *svg, double x, double y, bool *drawing)
{
  if (isnan(x) || isnan(y)) {
    *drawing = false;
    return;
  }
  fprintf(svg->out, "%c%.1f %.1f ", *drawing ? 'L' : 'M', cs_svg_px(svg, x), cs_svg_py(svg, y));
  *drawing = true;
}

void cs_svg_line(const cs_svg *svg, size_t n, const double *x, const double *y, const char *colour,
                 const char *dash, double stroke_width)
{
  bool drawing = false;
  path_begin(svg, "none", 0, colour, dash, stroke_width);
  for (size_t i = 0; i < n; i++)
    path_point(svg, x[i], y[i], &drawing);
  path_end(svg);
}

/* The corners of a step function from left to right (forward) or back (for the lower
 * edge of a band). */
static void step_points(const cs_svg *svg, size_t n, const double *x, const double *y, double x_end,
                        bool forward, bool *drawing)
{
  for (size_t k = 0; k < n; k++) {
    const size_t i = forward ? k : n - 1 - k;
    const double next = i + 1 < n ? x[i + 1] : x_end;
    if (forward) {
      path_point(svg, x[i], y[i], drawing);
      path_point(svg, next, y[i], drawing);
    } else {
      path_point(svg, next, y[i], drawing);
      path_point(svg, x[i], y[i], drawing);
    }
  }
}

void cs_svg_steps(const cs_svg *svg, size_t n, const double *x, const double *y, double x_end,
                  const char *colour, const char *dash, double stroke_width)
{
  bool drawing = false;
  path_begin(svg, "none", 0, colour, dash, stroke_width);
  step_points(svg, n, x, y, x_end, true, &drawing);
  path_end(svg);
}

void cs_svg_band(const cs_svg *svg, size_t n, const double *x, const double *lower,
                 const double *upper, bool steps, double x_end, const char *colour, double opacity)
{
  bool drawing = false;
  path_begin(svg, colour, opacity, "none", "", 0);
  if (steps) {
    step_points(svg, n, x, upper, x_end, true, &drawing);
    step_points(svg, n, x, lower, x_end, false, &drawing);
  } else {
    for (size_t i = 0; i < n; i++)
      path_point(svg, x[i], upper[i], &drawing);
    for (size_t i = n; i-- > 0;)
      path_point(svg, x[i], lower[i], &drawing);
  }
  fputs("Z", svg->out);
  path_end(svg);
}

static void tooltip(const cs_svg *svg, const char *text)
{
  if (text == NULL)
    return;
  fputs("<title>", svg->out);
  cs_html_escape(svg->out, text);
  fputs("</title>", svg->out);
}

void cs_svg_rect(const cs_svg *svg, double x0, double y0, double x1, double y1, const char *colour,
                 double opacity, const char *text)
{
  const double px0 = cs_svg_px(svg, x0), px1 = cs_svg_px(svg, x1), py0 = cs_svg_py(svg, y0),
               py1 = cs_svg_py(svg, y1);
  fprintf(svg->out,
          "<rect clip-path=\"url(#plot%d)\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
          "fill=\"%s\" fill-opacity=\"%g\">",
          svg->id, fmin(px0, px1), fmin(py0, py1), fabs(px1 - px0), fabs(py1 - py0), colour,
          opacity);
  tooltip(svg, text);
  fputs("</rect>\n", svg->out);
}

void cs_svg_interval(const cs_svg *svg, double y, double x, double lo, double hi,
                     const char *colour, const char *text)
{
  const double py = cs_svg_py(svg, y);
  fprintf(svg->out, "<g clip-path=\"url(#plot%d)\">", svg->id);
  tooltip(svg, text);
  fprintf(svg->out,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
          "stroke-width=\"1.8\"/><rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" "
          "fill=\"%s\"/></g>\n",
          cs_svg_px(svg, lo), py, cs_svg_px(svg, hi), py, colour, cs_svg_px(svg, x) - 4, py - 4,
          colour);
}

void cs_svg_segment(const cs_svg *svg, double x0, double y0, double x1, double y1,
                    const char *colour, const char *dash)
{
  fprintf(svg->out,
          "<line clip-path=\"url(#plot%d)\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
          "stroke=\"%s\" stroke-dasharray=\"%s\"/>\n",
          svg->id, cs_svg_px(svg, x0), cs_svg_py(svg, y0), cs_svg_px(svg, x1), cs_svg_py(svg, y1),
          colour, dash);
}

/* Where legend entry i goes: entries left to right from the plot's left edge, a new row
 * when the next would pass the right edge. Returns the number of rows so far. */
static size_t legend_place(const cs_svg *svg, size_t i, const char *const *labels, double *x)
{
  size_t rows = 1;
  *x = svg->left;
  for (size_t k = 0; k < i; k++) {
    *x += 44 + 7.0 * (double)strlen(labels[k]);
    const double next = 44 + 7.0 * (double)strlen(labels[k + 1]);
    if (*x + next > svg->width - svg->right && *x > svg->left) {
      *x = svg->left;
      rows++;
    }
  }
  return rows;
}

double cs_svg_legend_height(const cs_svg *svg, size_t n, const char *const *labels)
{
  double x;
  return n == 0 ? 0 : 18.0 * (double)legend_place(svg, n - 1, labels, &x);
}

void cs_svg_legend(const cs_svg *svg, size_t n, const char *const *labels,
                   const char *const *colours, const char *const *dashes)
{
  for (size_t i = 0; i < n; i++) {
    double x;
    const double py = 24 + 18.0 * (double)legend_place(svg, i, labels, &x);
    fprintf(svg->out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2.5\" stroke-dasharray=\"%s\"/>\n",
            x, py - 4, x + 24, py - 4, colours[i], dashes[i]);
    cs_svg_text(svg, x + 30, py, "start", 12, NULL, labels[i]);
  }
}
