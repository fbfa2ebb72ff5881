#include "cs_test_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/model.h"
#include "cohortsim/patient.h"

const char *cs_test_source_path(const char *relative)
{
  static char path[4096];
  const char *root = getenv("COHORTSIM_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/%s", root != NULL ? root : CS_TEST_SOURCE_DIR, relative);
  return path;
}

cs_cohort *cs_test_load_cohort(const char *relative, int n_sets, const char *const *sets)
{
  cs_error err = {0};
  cs_cohort *cohort = NULL;
  const cs_status status =
      cs_cohort_load_file(cs_test_source_path(relative), n_sets, sets, &cohort, &err);
  if (status != CS_OK)
    fail_msg("loading %s: %s", relative, err.message);
  return cohort;
}

cs_records *cs_test_simulate(const cs_cohort *cohort, size_t n_patients, uint64_t seed)
{
  cs_error err = {0};
  cs_model *model = NULL;
  cs_patient_sim *sim = NULL;
  cs_records *records = NULL;
  if (cs_model_create(cohort, &model, &err) != CS_OK ||
      cs_patient_sim_create(model, &sim, &err) != CS_OK ||
      cs_records_create(cohort, 0, n_patients, &records, &err) != CS_OK)
    fail_msg("setting up a simulation: %s", err.message);
  for (size_t i = 0; i < n_patients; i++)
    if (cs_patient_sim_run(sim, seed, i, records, &err) != CS_OK)
      fail_msg("simulating: %s", err.message);
  cs_patient_sim_destroy(&sim);
  cs_model_destroy(&model);
  return records;
}

void cs_test_assert_within_at(double actual, double expected, double tolerance, const char *file,
                              int line)
{
  if (!(fabs(actual - expected) <= tolerance)) {
    print_error("%.17g is not within %g of %.17g\n", actual, tolerance, expected);
    _fail(file, line);
  }
}

void cs_test_assert_relative_at(double actual, double expected, double rel, const char *file,
                                int line)
{
  cs_test_assert_within_at(actual, expected, expected == 0 ? rel : rel * fabs(expected), file,
                           line);
}

void cs_test_moments(const double *values, size_t n, double *mean, double *variance,
                     double *fourth_moment)
{
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += values[i];
  const double m = sum / (double)n;
  double m2 = 0, m4 = 0;
  for (size_t i = 0; i < n; i++) {
    const double d2 = (values[i] - m) * (values[i] - m);
    m2 += d2;
    m4 += d2 * d2;
  }
  *mean = m;
  *variance = m2 / (double)(n - 1);
  *fourth_moment = m4 / (double)n;
}

void cs_test_assert_within_sigma(const char *what, double observed, double expected,
                                 double standard_error, double limit_sigma)
{
  const double z = (observed - expected) / standard_error;
  print_message("  %-48s observed %-12.6g expected %-12.6g z = %+.2f\n", what, observed, expected,
                z);
  if (!(fabs(z) <= limit_sigma))
    fail_msg("%s: observed %.8g, expected %.8g, |z| = %.2f > %.1f", what, observed, expected,
             fabs(z), limit_sigma);
}

void cs_test_assert_moments(const char *what, const double *values, size_t n, double expected_mean,
                            double expected_variance, double limit_sigma)
{
  double mean, variance, mu4;
  char label[256];
  cs_test_moments(values, n, &mean, &variance, &mu4);
  snprintf(label, sizeof label, "%s: mean", what);
  cs_test_assert_within_sigma(label, mean, expected_mean, sqrt(expected_variance / (double)n),
                              limit_sigma);
  snprintf(label, sizeof label, "%s: variance", what);
  cs_test_assert_within_sigma(label, variance, expected_variance,
                              sqrt((mu4 - variance * variance) / (double)n), limit_sigma);
}

void cs_test_assert_proportion(const char *what, size_t successes, size_t n, double p,
                               double limit_sigma)
{
  cs_test_assert_within_sigma(what, (double)successes / (double)n, p, sqrt(p * (1 - p) / (double)n),
                              limit_sigma);
}

/* "FILE:LINE:COLUMN:" of the first occurrence of `marker` in `text`; a '^' in the
 * marker (not part of the searched text) marks the position meant, e.g. "days: ^0}". */
void cs_test_location_of(const char *file, const char *text, const char *marker, char *location,
                         size_t size)
{
  char needle[128];
  size_t offset = 0;
  size_t n = 0;
  for (const char *m = marker; *m != '\0' && n + 1 < sizeof needle; m++) {
    if (*m == '^')
      offset = n;
    else
      needle[n++] = *m;
  }
  needle[n] = '\0';
  const char *found = strstr(text, needle);
  assert_non_null(found);
  const char *at = found + offset;
  int line = 1;
  const char *line_start = text;
  for (const char *p = text; p < at; p++)
    if (*p == '\n') {
      line++;
      line_start = p + 1;
    }
  snprintf(location, size, "%s:%d:%d:", file, line, (int)(at - line_start) + 1);
}
