/* The five model checks of shared/model.md on the default cohort (the findings of the
 * study the cohort encodes), as statistical statements at 95% confidence on 2000
 * patients with a fixed seed:
 *   untreated: no clearance, median OS between 5 and 15 days (its 95% CI inside);
 *   triple: clearance >= 80% (Wilson lower limit);
 *   apoptosis: clearance <= 20% (Wilson upper limit), most patients relapse or die;
 *   triple_immunodeficient: clearance <= 20% (Wilson upper limit);
 *   necroptosis recruits the immune system: median peak effectors in triple >= 10 times
 *   those in apoptosis.
 * With 2000 patients the Wilson interval is about +-1.7 points at 85%, so a cohort that
 * truly clears 80% or less fails the triple check. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "cohortsim/records.h"
#include "cohortsim/survival.h"
#include "cs_test_support.h"

#define N_PATIENTS 2000
#define SEED 2025
#define Z95 1.959963984540054

typedef struct fixture {
  cs_cohort *cohort;
  cs_records *records;
} fixture;

static int setup(void **state)
{
  gsl_set_error_handler_off();
  fixture *f = calloc(1, sizeof *f);
  if (f == NULL)
    return -1;
  f->cohort = cs_test_load_cohort("cohorts/necroptosis_triple.yaml", 0, NULL);
  f->records = cs_test_simulate(f->cohort, N_PATIENTS, SEED);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  cs_records_destroy(&f->records);
  cs_cohort_destroy(&f->cohort);
  free(f);
  return 0;
}

static int arm_index(const fixture *f, const char *name)
{
  const int arm = cs_cohort_find_arm(f->cohort, name);
  if (arm < 0)
    fail_msg("the default cohort has no arm '%s'", name);
  return arm;
}

static size_t count(const unsigned char *flags, size_t n)
{
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += flags[i] != 0;
  return total;
}

static void clearance(const fixture *f, const char *arm_name, double *fraction, double *lower,
                      double *upper)
{
  const size_t n = f->records->n_patients;
  const size_t cleared = count(&f->records->cleared[(size_t)arm_index(f, arm_name) * n], n);
  *fraction = (double)cleared / (double)n;
  cs_wilson_interval(cleared, n, Z95, lower, upper);
  print_message("  %-24s cleared %5.1f%% (95%% CI %.1f-%.1f)\n", arm_name, 100 * *fraction,
                100 * *lower, 100 * *upper);
}

static void test_untreated(void **state)
{
  const fixture *f = *state;
  const size_t n = f->records->n_patients, first = (size_t)arm_index(f, "untreated") * n;
  double fraction, lower, upper;
  clearance(f, "untreated", &fraction, &lower, &upper);
  assert_int_equal(count(&f->records->cleared[first], n), 0);
  cs_error err = {0};
  cs_km *km = NULL;
  assert_int_equal(
      cs_km_fit(n, &f->records->os_time[first], &f->records->os_event[first], &km, &err), CS_OK);
  double median, median_lower, median_upper;
  cs_km_median(km, &median, &median_lower, &median_upper);
  cs_km_destroy(&km);
  print_message("  untreated median OS %.1f days (95%% CI %.1f-%.1f)\n", median, median_lower,
                median_upper);
  assert_true(median_lower >= 5 && median_upper <= 15);
}

static void test_triple_clears(void **state)
{
  double fraction, lower, upper;
  clearance(*state, "triple", &fraction, &lower, &upper);
  assert_true(lower >= 0.80);
}

static void test_apoptosis_does_not(void **state)
{
  const fixture *f = *state;
  double fraction, lower, upper;
  clearance(f, "apoptosis", &fraction, &lower, &upper);
  assert_true(upper <= 0.20);
  const size_t n = f->records->n_patients, first = (size_t)arm_index(f, "apoptosis") * n;
  size_t relapse_or_death = 0;
  for (size_t i = 0; i < n; i++)
    relapse_or_death += f->records->rfs_event[first + i] != 0;
  double event_lower, event_upper;
  cs_wilson_interval(relapse_or_death, n, Z95, &event_lower, &event_upper);
  print_message("  apoptosis: relapse or death in %.1f%% (95%% CI %.1f-%.1f)\n",
                100.0 * (double)relapse_or_death / (double)n, 100 * event_lower, 100 * event_upper);
  assert_true(event_lower > 0.5);
}

static void test_immunodeficient_does_not(void **state)
{
  double fraction, lower, upper;
  clearance(*state, "triple_immunodeficient", &fraction, &lower, &upper);
  assert_true(upper <= 0.20);
}

static double median_peak(const fixture *f, const char *arm_name, int species)
{
  const cs_records *r = f->records;
  const size_t n = r->n_patients, first = (size_t)arm_index(f, arm_name) * n;
  double *peaks = malloc(n * sizeof *peaks);
  assert_non_null(peaks);
  for (size_t i = 0; i < n; i++)
    peaks[i] = r->species_peak[(first + i) * (size_t)r->n_species + (size_t)species];
  gsl_sort(peaks, 1, n);
  const double median = gsl_stats_median_from_sorted_data(peaks, 1, n);
  free(peaks);
  return median;
}

static void test_necroptosis_recruits_immunity(void **state)
{
  const fixture *f = *state;
  const int effectors = cs_cohort_find_species(f->cohort, "E");
  assert_true(effectors >= 0);
  const double triple = median_peak(f, "triple", effectors);
  const double apoptosis = median_peak(f, "apoptosis", effectors);
  print_message("  median peak effectors: triple %.3g, apoptosis %.3g, ratio %.1f\n", triple,
                apoptosis, triple / apoptosis);
  assert_true(triple >= 10 * apoptosis);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_untreated),
      cmocka_unit_test(test_triple_clears),
      cmocka_unit_test(test_apoptosis_does_not),
      cmocka_unit_test(test_immunodeficient_does_not),
      cmocka_unit_test(test_necroptosis_recruits_immunity),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
