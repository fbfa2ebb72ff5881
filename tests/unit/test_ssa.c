/* Unit tests of the exact engine's equivalences: its specialised loops give the same
 * results to the bit as the general one. (The linear loop selects reactions by integer
 * thresholds; it could part from the general loop only where a uniform falls within a
 * few units of rounding of a boundary, which these patients never meet: a real
 * difference in any step shows.) (Its statistics against exact answers are in
 * tests/stat; that stops cost no random numbers is checked end to end in
 * tests/e2e/overrides.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/records.h"
#include "cs_test_support.h"

/* Birth-death-kill of one population: the linear one-species case. The idle variant
 * adds a species Y with no copies and a reaction on it, which is never possible but
 * sends the engine through its general dependency-list loop. */
static const char linear_cohort[] = "name: linear\n"
                                    "followup_days: 20\n"
                                    "parameters: {b: 1.0, d: 0.8, k: 0.2}\n"
                                    "species:\n"
                                    "  N: {initial: 60}\n"
                                    "%s"
                                    "reactions:\n"
                                    "  birth: {change: {N: +1}, rate: b, factors: [{species: N}]}\n"
                                    "  death: {change: {N: -1}, rate: d, factors: [{species: N}]}\n"
                                    "  kill:  {change: {N: -1}, rate: k, factors: [{species: N}]}\n"
                                    "%s"
                                    "arms:\n"
                                    "  only: %s\n"
                                    ""
                                    "outcomes: {tumour: [N], reference_cells: 1000,\n"
                                    "           mrd_negative_below: 0.03, relapse_at: 0.06,\n"
                                    "           lethal_cells: 150}\n";

static cs_records *simulate(const char *species, const char *reaction, const char *arm, size_t n)
{
  char text[2048];
  snprintf(text, sizeof text, linear_cohort, species, reaction, arm);
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, "linear.yaml", 0, NULL, &cohort, &err) != CS_OK)
    fail_msg("%s", err.message);
  cs_records *records = cs_test_simulate(cohort, n, 77);
  cs_cohort_destroy(&cohort);
  return records;
}

static void assert_same_records(const cs_records *a, const cs_records *b)
{
  const size_t n = a->n_patients;
  assert_memory_equal(a->os_time, b->os_time, n * sizeof *a->os_time);
  assert_memory_equal(a->rfs_time, b->rfs_time, n * sizeof *a->rfs_time);
  assert_memory_equal(a->clearance_time, b->clearance_time, n * sizeof *a->clearance_time);
  assert_memory_equal(a->mrd_negative_time, b->mrd_negative_time, n * sizeof(double));
  assert_memory_equal(a->relapse_time, b->relapse_time, n * sizeof(double));
  assert_memory_equal(a->final_burden, b->final_burden, n * sizeof(double));
  assert_memory_equal(a->events, b->events, n * sizeof *a->events);
  assert_memory_equal(a->burden, b->burden, n * a->n_grid * sizeof *a->burden);
  for (size_t i = 0; i < n; i++) {
    /* Compare the reactions both networks share (the first three) and species N. */
    assert_memory_equal(&a->reaction_count[i * (size_t)a->n_reactions],
                        &b->reaction_count[i * (size_t)b->n_reactions], 3 * sizeof(int64_t));
    assert_memory_equal(&a->species_peak[i * (size_t)a->n_species],
                        &b->species_peak[i * (size_t)b->n_species], sizeof(double));
  }
}

static void test_linear_loop_matches_general_loop(void **state)
{
  (void)state;
  cs_records *linear = simulate("", "", "{}", 200);
  cs_records *general =
      simulate("  Y: {initial: 0}\n",
               "  idle: {change: {Y: -1}, rate: b, factors: [{species: Y}]}\n", "{}", 200);
  size_t deaths = 0, cleared = 0, relapses = 0;
  for (size_t i = 0; i < linear->n_patients; i++) {
    deaths += linear->os_event[i];
    cleared += linear->cleared[i];
    relapses += linear->relapse_time[i] == linear->relapse_time[i];
  }
  /* The comparison covers every outcome path. */
  print_message("  %zu deaths, %zu cleared, %zu relapses of %zu\n", deaths, cleared, relapses,
                linear->n_patients);
  assert_true(deaths > 0 && cleared > 0 && relapses > 0);
  assert_same_records(linear, general);
  cs_records_destroy(&linear);
  cs_records_destroy(&general);
}

/* A reaction whose rate is below 1e-16 of the total must (almost) never fire: its share
 * of the 64-bit selection rounds away, and once made every event fire it (the
 * population then only died). Births only, 1 day from 60 cells: about 60 (e - 1) = 103
 * births, and no death. */
static void test_negligible_reaction_never_fires(void **state)
{
  (void)state;
  static const char text[] = "name: negligible\n"
                             "followup_days: 1\n"
                             "parameters: {b: 1.0, d: 1.0e-17}\n"
                             "species:\n"
                             "  N: {initial: 60}\n"
                             "reactions:\n"
                             "  birth: {change: {N: +1}, rate: b, factors: [{species: N}]}\n"
                             "  death: {change: {N: -1}, rate: d, factors: [{species: N}]}\n"
                             "arms:\n"
                             "  only: {}\n"
                             "outcomes: {tumour: [N]}\n";
  cs_cohort *cohort = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, "negligible.yaml", 0, NULL, &cohort, &err) != CS_OK)
    fail_msg("%s", err.message);
  cs_records *records = cs_test_simulate(cohort, 50, 5);
  int64_t births = 0, deaths = 0;
  for (size_t i = 0; i < records->n_patients; i++) {
    births += records->reaction_count[i * (size_t)records->n_reactions];
    deaths += records->reaction_count[i * (size_t)records->n_reactions + 1];
  }
  print_message("  %lld births, %lld deaths in %zu patients\n", (long long)births,
                (long long)deaths, records->n_patients);
  assert_int_equal(deaths, 0);
  assert_true(births > 0);
  cs_records_destroy(&records);
  cs_cohort_destroy(&cohort);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear_loop_matches_general_loop),
      cmocka_unit_test(test_negligible_reaction_never_fires),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
