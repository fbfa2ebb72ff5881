/* Unit tests of the per-patient record blocks: sizes, zeroed storage, the documented
 * layout of rows ([(arm * n_patients + i) * width + k]), scalars ([arm * n_patients +
 * i]) and per-patient rows (parameters [i * n_params + p], traits [i * n_traits + t],
 * start delay [i]), rows that never overlap, a record filled by the outcome watcher
 * landing in its row, and an empty block.
 *
 * The cohort is built by hand: a block reads only the counts of arms, parameters,
 * traits, reactions and species, and the reporting grid.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/outcome.h"
#include "cohortsim/records.h"

#define ARMS 3
#define PARAMS 2
#define TRAITS 3
#define REACTIONS 4
#define SPECIES 2
#define N_GRID 5 /* 0, 0.5, ..., 2 days */
#define PATIENTS 6
#define ROWS ((size_t)ARMS * PATIENTS) /* (arm, patient) rows of a block */

static cs_cohort make_cohort(void)
{
  cs_cohort c = {0};
  c.n_arms = ARMS;
  c.n_params = PARAMS;
  c.n_traits = TRAITS;
  c.n_reactions = REACTIONS;
  c.n_species = SPECIES;
  c.followup_days = 2;
  c.report_every_days = 0.5;
  c.outcomes.n_tumour = 1;
  c.outcomes.reference_cells = 1;
  c.outcomes.lethal_cells = 1000;
  return c;
}

static int setup(void **state)
{
  cs_cohort c = make_cohort();
  cs_records *r = NULL;
  cs_error err = {0};
  if (cs_records_create(&c, 100, PATIENTS, &r, &err) != CS_OK)
    return -1;
  *state = r;
  return 0;
}

static int teardown(void **state)
{
  cs_records *r = *state;
  cs_records_destroy(&r);
  return 0;
}

static void test_sizes_and_zeroes(void **state)
{
  const cs_records *r = *state;
  assert_int_equal(r->first_patient, 100);
  assert_int_equal(r->n_patients, PATIENTS);
  assert_int_equal(r->n_arms, ARMS);
  assert_int_equal(r->n_params, PARAMS);
  assert_int_equal(r->n_traits, TRAITS);
  assert_int_equal(r->n_reactions, REACTIONS);
  assert_int_equal(r->n_species, SPECIES);
  assert_int_equal(r->n_grid, N_GRID);
  for (size_t i = 0; i < ROWS; i++) {
    assert_true(r->os_time[i] == 0.0 && r->clearance_time[i] == 0.0);
    assert_int_equal(r->events[i], 0);
    assert_int_equal(r->cleared[i], 0);
  }
  for (size_t i = 0; i < ROWS * N_GRID; i++)
    assert_true(r->burden[i] == 0.0);
  for (size_t i = 0; i < (size_t)PATIENTS * PARAMS; i++)
    assert_true(r->param[i] == 0.0);
  for (size_t i = 0; i < (size_t)PATIENTS * TRAITS; i++)
    assert_int_equal(r->trait[i], 0);
  for (size_t i = 0; i < PATIENTS; i++)
    assert_true(r->start_delay[i] == 0.0);
}

/* The per-patient rows sit at [i * width], and writing each through its row leaves every
 * value where the layout says. */
static void test_patient_rows_follow_layout(void **state)
{
  cs_records *r = *state;
  for (size_t i = 0; i < PATIENTS; i++) {
    double *param = cs_records_param_row(r, i);
    unsigned char *trait = cs_records_trait_row(r, i);
    assert_ptr_equal(param, &r->param[i * PARAMS]);
    assert_ptr_equal(trait, &r->trait[i * TRAITS]);
    for (size_t p = 0; p < PARAMS; p++)
      param[p] = (double)(10 * i + p) + 0.5;
    for (size_t t = 0; t < TRAITS; t++)
      trait[t] = (unsigned char)((i + t) % 2);
    r->start_delay[i] = 0.25 * (double)i;
  }
  for (size_t i = 0; i < PATIENTS; i++) {
    for (size_t p = 0; p < PARAMS; p++)
      assert_true(r->param[i * PARAMS + p] == (double)(10 * i + p) + 0.5);
    for (size_t t = 0; t < TRAITS; t++)
      assert_int_equal(r->trait[i * TRAITS + t], (i + t) % 2);
    assert_true(r->start_delay[i] == 0.25 * (double)i);
  }
}

/* Each row points at its documented place, and writing every row through its record
 * with a value unique to (arm, patient, k) leaves each value where the layout says. */
static void test_rows_follow_layout(void **state)
{
  cs_records *r = *state;
  for (int a = 0; a < ARMS; a++)
    for (size_t i = 0; i < PATIENTS; i++) {
      const size_t row = (size_t)a * PATIENTS + i;
      const cs_record rec = cs_records_row(r, a, i);
      assert_ptr_equal(rec.reaction_count, &r->reaction_count[row * REACTIONS]);
      assert_ptr_equal(rec.species_peak, &r->species_peak[row * SPECIES]);
      assert_ptr_equal(rec.burden, &r->burden[row * N_GRID]);
      for (int k = 0; k < REACTIONS; k++)
        rec.reaction_count[k] = (int64_t)(1000 * row + (size_t)k);
      for (int k = 0; k < SPECIES; k++)
        rec.species_peak[k] = (double)(1000 * row + (size_t)k) + 0.5;
      for (int k = 0; k < N_GRID; k++)
        rec.burden[k] = (double)(1000 * row + (size_t)k) + 0.25;
    }
  for (size_t row = 0; row < ROWS; row++) {
    for (size_t k = 0; k < REACTIONS; k++)
      assert_int_equal(r->reaction_count[row * REACTIONS + k], 1000 * row + k);
    for (size_t k = 0; k < SPECIES; k++)
      assert_true(r->species_peak[row * SPECIES + k] == (double)(1000 * row + k) + 0.5);
    for (size_t k = 0; k < N_GRID; k++)
      assert_true(r->burden[row * N_GRID + k] == (double)(1000 * row + k) + 0.25);
  }
}

/* Storing copies every scalar to [arm * n_patients + i] and touches nothing else. */
static void test_store_scalars(void **state)
{
  cs_records *r = *state;
  cs_record rec = cs_records_row(r, 2, 4);
  rec.os_time = 1.5;
  rec.rfs_time = 1.25;
  rec.clearance_time = NAN;
  rec.mrd_negative_time = 0.75;
  rec.relapse_time = 1.0;
  rec.final_burden = 42;
  rec.events = INT64_C(123456789012);
  rec.os_event = 1;
  rec.rfs_event = 1;
  rec.cleared = 0;
  cs_records_store(r, 2, 4, &rec);
  const size_t at = 2 * PATIENTS + 4;
  assert_true(r->os_time[at] == 1.5);
  assert_true(r->rfs_time[at] == 1.25);
  assert_true(isnan(r->clearance_time[at]));
  assert_true(r->mrd_negative_time[at] == 0.75);
  assert_true(r->relapse_time[at] == 1.0);
  assert_true(r->final_burden[at] == 42.0);
  assert_int_equal(r->events[at], INT64_C(123456789012));
  assert_int_equal(r->os_event[at], 1);
  assert_int_equal(r->rfs_event[at], 1);
  for (size_t i = 0; i < ROWS; i++) {
    if (i == at)
      continue;
    assert_true(r->os_time[i] == 0.0 && r->clearance_time[i] == 0.0);
    assert_int_equal(r->events[i], 0);
    assert_int_equal(r->os_event[i], 0);
  }
}

/* The way the engine uses a block: the watcher fills a row's arrays in place, then the
 * scalars are stored. */
static void test_watched_record_lands_in_row(void **state)
{
  cs_records *r = *state;
  const cs_cohort c = make_cohort();
  double grid[N_GRID];
  cs_outcome_grid(&c, grid);
  cs_record rec = cs_records_row(r, 1, 3);
  cs_outcome_watch watch;
  assert_false(cs_outcome_begin(&watch, &c, grid, N_GRID, true, 10, REACTIONS, SPECIES, &rec));
  cs_outcome_advance(&watch, 0.75);
  assert_true(cs_outcome_observe(&watch, 0.75, 1000));
  cs_outcome_end(&watch);
  cs_records_store(r, 1, 3, &rec);
  const size_t at = 1 * PATIENTS + 3;
  assert_true(r->os_time[at] == 0.75);
  assert_int_equal(r->os_event[at], 1);
  assert_true(r->final_burden[at] == 1000.0);
  const double expected[N_GRID] = {10, 10, 1000, 1000, 1000};
  assert_memory_equal(&r->burden[at * N_GRID], expected, sizeof expected);
  /* The neighbouring rows are untouched. */
  for (size_t k = 0; k < N_GRID; k++) {
    assert_true(r->burden[(at - 1) * N_GRID + k] == 0.0);
    assert_true(r->burden[(at + 1) * N_GRID + k] == 0.0);
  }
}

static void test_empty_block(void **state)
{
  (void)state;
  const cs_cohort c = make_cohort();
  cs_records *r = NULL;
  cs_error err = {0};
  assert_int_equal(cs_records_create(&c, 7, 0, &r, &err), CS_OK);
  assert_non_null(r);
  assert_int_equal(r->n_patients, 0);
  assert_non_null(r->os_time);
  assert_non_null(r->burden);
  assert_non_null(r->trait);
  assert_non_null(r->start_delay);
  cs_records_destroy(&r);
  assert_null(r);
  cs_records_destroy(&r);
  cs_records_destroy(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sizes_and_zeroes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rows_follow_layout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_patient_rows_follow_layout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_store_scalars, setup, teardown),
      cmocka_unit_test_setup_teardown(test_watched_record_lands_in_row, setup, teardown),
      cmocka_unit_test(test_empty_block),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
