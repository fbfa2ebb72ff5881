/* Helpers shared by the test programs: locating the source tree and simulating a
 * validation cohort in-process (no MPI). */
#ifndef CS_TEST_SUPPORT_H
#define CS_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/records.h"

/* The path of a file in the source tree (COHORTSIM_SOURCE_DIR, set by ctest). The
 * returned string is static: copy it before the next call. */
const char *cs_test_source_path(const char *relative);

/* Loads a cohort file from the source tree with --set overrides; fails the test on error. */
cs_cohort *cs_test_load_cohort(const char *relative, int n_sets, const char *const *sets);

/* Simulates patients 0..n-1 of the cohort with the given seed; fails the test on error. */
cs_records *cs_test_simulate(const cs_cohort *cohort, size_t n_patients, uint64_t seed);

/* cmocka 1.1.5 (Debian 12) has no assert_double_equal. assert_within fails the test
 * unless |actual - expected| <= tolerance; assert_relative with a tolerance relative to
 * the expected value (absolute when it is 0). A NaN is never close. */
#define assert_within(actual, expected, tolerance)                                                 \
  cs_test_assert_within_at((actual), (expected), (tolerance), __FILE__, __LINE__)
#define assert_relative(actual, expected, rel)                                                     \
  cs_test_assert_relative_at((actual), (expected), (rel), __FILE__, __LINE__)
void cs_test_assert_within_at(double actual, double expected, double tolerance, const char *file,
                              int line);
void cs_test_assert_relative_at(double actual, double expected, double rel, const char *file,
                                int line);

/* Sample mean, variance (n - 1) and fourth central moment of n values. */
void cs_test_moments(const double *values, size_t n, double *mean, double *variance,
                     double *fourth_moment);

/* Fails the test unless |observed - expected| <= limit_sigma * standard_error, printing
 * the z-score either way so logs show how close each check came. */
void cs_test_assert_within_sigma(const char *what, double observed, double expected,
                                 double standard_error, double limit_sigma);

/* Checks the sample mean and variance of `values` against a distribution's exact mean
 * and variance: the mean with standard error sqrt(variance/n), the sample variance with
 * the large-sample standard error sqrt((mu4 - s^4)/n). */
void cs_test_assert_moments(const char *what, const double *values, size_t n, double expected_mean,
                            double expected_variance, double limit_sigma);

/* Fails the test unless the proportion successes/n matches p within limit_sigma binomial
 * standard errors. */
void cs_test_assert_proportion(const char *what, size_t successes, size_t n, double p,
                               double limit_sigma);

/* "FILE:LINE:COLUMN:" (as error messages give it) of the first occurrence of `marker` in
 * `text`; a '^' in the marker (not part of the searched text) marks the position meant,
 * e.g. "days: ^0}". Fails the test if the marker is not in the text. */
void cs_test_location_of(const char *file, const char *text, const char *marker, char *location,
                         size_t size);

#endif
