/* Unit tests of the outcome watcher, driven by hand the way the engine drives it
 * (cs_outcome_advance(t), then cs_outcome_observe(t, burden), and cs_outcome_end once):
 * MRD negativity and relapse, death, clearance (final only when absorbing), censoring at
 * the end of follow-up, thresholds at their exact boundaries, the burden on the
 * reporting grid as a right-continuous step function held after a final outcome, and the
 * engines' fast path (cs_outcome_update) giving the same records as the full check.
 *
 * The cohort is built by hand: the watcher reads only the follow-up, the reporting
 * interval and the outcome thresholds. Thresholds are chosen exact in binary so that the
 * boundary tests (strictly below the MRD level; at or above the relapse and lethal levels)
 * test the comparison and not rounding.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/outcome.h"

#define N_GRID 11 /* 0, 1, ..., 10 days */
#define N_REACTIONS 2
#define N_SPECIES 3

/* reference 400 cells: MRD negative below 0.25 * 400 = 100, relapse at 0.5 * 400 = 200;
 * death at 5000. */
static cs_cohort make_cohort(void)
{
  cs_cohort c = {0};
  c.followup_days = 10;
  c.report_every_days = 1;
  c.n_reactions = N_REACTIONS;
  c.n_species = N_SPECIES;
  c.outcomes.n_tumour = 1;
  c.outcomes.reference_cells = 400;
  c.outcomes.mrd_negative_below = 0.25;
  c.outcomes.relapse_at = 0.5;
  c.outcomes.lethal_cells = 5000;
  return c;
}

typedef struct fixture {
  cs_cohort cohort;
  double grid[N_GRID];
  int64_t reaction_count[N_REACTIONS];
  double species_peak[N_SPECIES];
  double burden[N_GRID];
  cs_record record;
  cs_outcome_watch watch;
} fixture;

static int setup(void **state)
{
  static fixture f;
  memset(&f, 0, sizeof f);
  f.cohort = make_cohort();
  cs_outcome_grid(&f.cohort, f.grid);
  /* Junk that cs_outcome_begin must reset. */
  for (int r = 0; r < N_REACTIONS; r++)
    f.reaction_count[r] = 77;
  for (int s = 0; s < N_SPECIES; s++)
    f.species_peak[s] = 77;
  for (int k = 0; k < N_GRID; k++)
    f.burden[k] = -1;
  f.record = (cs_record){.os_time = -1,
                         .rfs_time = -1,
                         .clearance_time = -1,
                         .mrd_negative_time = -1,
                         .relapse_time = -1,
                         .events = 77,
                         .os_event = 7,
                         .rfs_event = 7,
                         .cleared = 7,
                         .reaction_count = f.reaction_count,
                         .species_peak = f.species_peak,
                         .burden = f.burden};
  *state = &f;
  return 0;
}

static bool begin(fixture *f, bool absorbing, int64_t burden0)
{
  return cs_outcome_begin(&f->watch, &f->cohort, f->grid, N_GRID, absorbing, burden0, N_REACTIONS,
                          N_SPECIES, &f->record);
}

/* What the engine does when the burden changes at t. */
static bool change(fixture *f, double t, int64_t burden)
{
  cs_outcome_advance(&f->watch, t);
  return cs_outcome_observe(&f->watch, t, burden);
}

/* Follow-up reached: time passes to the end, then the watcher closes the record. */
static void finish(fixture *f)
{
  cs_outcome_advance(&f->watch, f->cohort.followup_days);
  cs_outcome_end(&f->watch);
}

static void assert_burden_grid(const fixture *f, const double *expected)
{
  for (int k = 0; k < N_GRID; k++)
    if (f->burden[k] != expected[k])
      fail_msg("burden at grid point %d (t = %g) is %g, expected %g", k, f->grid[k], f->burden[k],
               expected[k]);
}

static void test_grid(void **state)
{
  (void)state;
  cs_cohort c = make_cohort();
  double grid[64];
  assert_int_equal(cs_outcome_grid_size(&c), N_GRID);
  cs_outcome_grid(&c, grid);
  for (int k = 0; k < N_GRID; k++)
    assert_true(grid[k] == (double)k);

  /* Follow-up not a multiple of the interval: the grid stops before it. */
  c.report_every_days = 3;
  assert_int_equal(cs_outcome_grid_size(&c), 4);
  cs_outcome_grid(&c, grid);
  assert_true(grid[0] == 0 && grid[1] == 3 && grid[2] == 6 && grid[3] == 9);

  /* 3 / 0.1 is not 30 in binary, but follow-up is still the last grid point, exactly. */
  c.followup_days = 3;
  c.report_every_days = 0.1;
  assert_int_equal(cs_outcome_grid_size(&c), 31);
  cs_outcome_grid(&c, grid);
  assert_true(grid[30] == 3.0);
  assert_true(grid[0] == 0.0);
  for (int k = 1; k < 31; k++)
    assert_true(grid[k] > grid[k - 1]);

  /* Follow-up shorter than one interval: time 0 only. */
  c.followup_days = 0.5;
  c.report_every_days = 1;
  assert_int_equal(cs_outcome_grid_size(&c), 1);
}

/* Nothing happens: everything is censored at follow-up and the record is reset. */
static void test_censored_at_followup(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, true, 1000));
  assert_int_equal(f->record.events, 0);
  for (int r = 0; r < N_REACTIONS; r++)
    assert_int_equal(f->reaction_count[r], 0);
  for (int s = 0; s < N_SPECIES; s++)
    assert_true(f->species_peak[s] == 0.0);
  assert_false(change(f, 4.5, 1500));
  finish(f);
  const cs_record *r = &f->record;
  assert_true(r->os_time == 10.0);
  assert_true(r->rfs_time == 10.0);
  assert_int_equal(r->os_event, 0);
  assert_int_equal(r->rfs_event, 0);
  assert_int_equal(r->cleared, 0);
  assert_true(isnan(r->clearance_time));
  assert_true(isnan(r->mrd_negative_time));
  assert_true(isnan(r->relapse_time));
  assert_true(r->final_burden == 1500.0);
  const double expected[N_GRID] = {1000, 1000, 1000, 1000, 1000, 1500,
                                   1500, 1500, 1500, 1500, 1500};
  assert_burden_grid(f, expected);
}

/* MRD negativity (strictly below 100), relapse (at or above 200 afterwards), a second
 * MRD negativity and relapse that leave the first times alone; grid samples right-
 * continuous: the value at a grid point is the one after the events at that time. */
static void test_mrd_then_relapse(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, true, 1000));
  assert_false(change(f, 0.5, 100)); /* at the MRD level: not below it */
  assert_true(isnan(f->record.mrd_negative_time));
  assert_false(change(f, 1.5, 99));
  assert_true(f->record.mrd_negative_time == 1.5);
  assert_false(change(f, 2.0, 199)); /* below the relapse level */
  assert_true(isnan(f->record.relapse_time));
  assert_int_equal(f->record.rfs_event, 0);
  assert_false(change(f, 3.0, 200)); /* relapse: not final */
  assert_true(f->record.relapse_time == 3.0);
  assert_true(f->record.rfs_time == 3.0);
  assert_int_equal(f->record.rfs_event, 1);
  assert_false(change(f, 4.0, 50));  /* MRD negative again */
  assert_false(change(f, 5.0, 300)); /* relapse again */
  finish(f);
  const cs_record *r = &f->record;
  assert_true(r->mrd_negative_time == 1.5);
  assert_true(r->relapse_time == 3.0);
  assert_true(r->rfs_time == 3.0);
  assert_int_equal(r->rfs_event, 1);
  assert_true(r->os_time == 10.0);
  assert_int_equal(r->os_event, 0);
  assert_int_equal(r->cleared, 0);
  assert_true(r->final_burden == 300.0);
  const double expected[N_GRID] = {1000, 100, 199, 200, 50, 300, 300, 300, 300, 300, 300};
  assert_burden_grid(f, expected);
}

/* A rise above the relapse level without MRD negativity first is not a relapse. */
static void test_no_relapse_without_mrd(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, true, 150));
  assert_false(change(f, 1.0, 400));
  finish(f);
  assert_true(isnan(f->record.relapse_time));
  assert_true(isnan(f->record.mrd_negative_time));
  assert_int_equal(f->record.rfs_event, 0);
  assert_true(f->record.rfs_time == 10.0);
}

/* Death at the lethal level (4999 is not, 5000 is): final, sets OS and RFS, and the lethal
 * burden is held on the rest of the grid. */
static void test_death_is_final(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, true, 1000));
  assert_false(change(f, 1.25, 4999));
  assert_true(change(f, 2.5, 5000));
  cs_outcome_end(&f->watch); /* the engine stops at once */
  const cs_record *r = &f->record;
  assert_true(r->os_time == 2.5);
  assert_int_equal(r->os_event, 1);
  assert_true(r->rfs_time == 2.5);
  assert_int_equal(r->rfs_event, 1);
  assert_int_equal(r->cleared, 0);
  assert_true(r->final_burden == 5000.0);
  const double expected[N_GRID] = {1000, 1000, 4999, 5000, 5000, 5000,
                                   5000, 5000, 5000, 5000, 5000};
  assert_burden_grid(f, expected);
}

/* Death after a relapse: RFS keeps the relapse time, OS gets the death time. */
static void test_death_after_relapse(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, true, 1000));
  assert_false(change(f, 1.0, 10));
  assert_false(change(f, 2.0, 250));
  assert_true(change(f, 6.0, 6000));
  cs_outcome_end(&f->watch);
  const cs_record *r = &f->record;
  assert_true(r->rfs_time == 2.0);
  assert_int_equal(r->rfs_event, 1);
  assert_true(r->os_time == 6.0);
  assert_int_equal(r->os_event, 1);
  assert_true(r->relapse_time == 2.0);
  assert_true(r->mrd_negative_time == 1.0);
}

/* Clearance in a model where it is absorbing: final at once, held at 0 on the grid. */
static void test_clearance_absorbing_is_final(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, true, 300));
  assert_false(change(f, 0.75, 3));
  assert_true(change(f, 1.25, 0));
  cs_outcome_end(&f->watch);
  const cs_record *r = &f->record;
  assert_int_equal(r->cleared, 1);
  assert_true(r->clearance_time == 1.25);
  assert_true(r->mrd_negative_time == 0.75);
  assert_true(r->os_time == 10.0);
  assert_int_equal(r->os_event, 0);
  assert_true(r->rfs_time == 10.0);
  assert_int_equal(r->rfs_event, 0);
  assert_true(r->final_burden == 0.0);
  const double expected[N_GRID] = {300, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  assert_burden_grid(f, expected);
}

/* When tumour can come back from nothing, reaching 0 is recorded (first time only) but
 * never final. */
static void test_clearance_not_absorbing(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, false, 2));
  assert_false(change(f, 1.5, 0));
  assert_int_equal(f->record.cleared, 1);
  assert_true(f->record.clearance_time == 1.5);
  assert_false(change(f, 2.5, 1));
  assert_false(change(f, 3.5, 0));
  finish(f);
  assert_true(f->record.clearance_time == 1.5);
  assert_int_equal(f->record.cleared, 1);
  assert_true(f->record.final_burden == 0.0);
  const double expected[N_GRID] = {2, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  assert_burden_grid(f, expected);
}

/* Outcomes already decided at time 0. */
static void test_final_at_time_zero(void **state)
{
  fixture *f = *state;
  assert_true(begin(f, true, 0));
  assert_int_equal(f->record.cleared, 1);
  assert_true(f->record.clearance_time == 0.0);
  assert_true(f->record.mrd_negative_time == 0.0);
  cs_outcome_end(&f->watch);
  for (int k = 0; k < N_GRID; k++)
    assert_true(f->burden[k] == 0.0);

  assert_false(begin(f, false, 0)); /* not absorbing: recorded but not final */
  assert_int_equal(f->record.cleared, 1);

  assert_true(begin(f, true, 5000));
  assert_true(f->record.os_time == 0.0);
  assert_int_equal(f->record.os_event, 1);
  assert_int_equal(f->record.rfs_event, 1);
}

/* A second patient on the same watch and record starts clean. */
static void test_begin_resets_previous_patient(void **state)
{
  fixture *f = *state;
  assert_false(begin(f, true, 1000));
  assert_false(change(f, 1.0, 10));
  assert_false(change(f, 2.0, 250));
  assert_true(change(f, 3.0, 0));
  cs_outcome_end(&f->watch);
  assert_false(begin(f, true, 1000));
  finish(f);
  const cs_record *r = &f->record;
  assert_int_equal(r->cleared, 0);
  assert_int_equal(r->rfs_event, 0);
  assert_true(isnan(r->clearance_time));
  assert_true(isnan(r->mrd_negative_time));
  assert_true(isnan(r->relapse_time));
  for (int k = 0; k < N_GRID; k++)
    assert_true(f->burden[k] == 1000.0);
}

/* Thresholds at 0 switch outcomes off: no MRD, no relapse, no death, however low or high
 * the burden goes. */
static void test_untracked_outcomes(void **state)
{
  fixture *f = *state;
  f->cohort.outcomes.mrd_negative_below = 0;
  f->cohort.outcomes.relapse_at = 0;
  f->cohort.outcomes.lethal_cells = 0;
  assert_false(begin(f, true, 1000));
  assert_false(change(f, 1.0, 1));
  assert_false(change(f, 2.0, INT64_C(1) << 40));
  finish(f);
  const cs_record *r = &f->record;
  assert_true(isnan(r->mrd_negative_time));
  assert_true(isnan(r->relapse_time));
  assert_int_equal(r->os_event, 0);
  assert_int_equal(r->rfs_event, 0);
  assert_true(r->os_time == 10.0);
  assert_true(r->final_burden == 0x1.0p40);
}

/* Drives a watch through `n` burden changes, one a quarter-day apart, with
 * cs_outcome_observe or with the engines' fast path cs_outcome_update, then ends it. */
static void drive(fixture *f, bool fast, const int64_t *burden, size_t n)
{
  assert_false(begin(f, false, burden[0]));
  for (size_t i = 1; i < n; i++) {
    const double t = 0.25 * (double)i;
    cs_outcome_advance(&f->watch, t);
    const bool final = fast ? cs_outcome_update(&f->watch, t, burden[i])
                            : cs_outcome_observe(&f->watch, t, burden[i]);
    if (final)
      break;
  }
  cs_outcome_end(&f->watch);
}

/* The fast path skips the full check only where it cannot matter: a walk that steps to
 * one below, onto and one above every threshold (thresholds that are not whole counts,
 * so rounding the band the wrong way shows), through MRD, relapse, clearance without
 * absorption, a second MRD episode and relapse, and death, gives the same record. */
static void test_update_matches_observe(void **state)
{
  fixture *f = *state;
  /* reference 401: MRD below 100.25, relapse at 200.5, death at 4999.5. */
  f->cohort.outcomes.reference_cells = 401;
  f->cohort.outcomes.lethal_cells = 4999.5;
  static const int64_t walk[] = {1000, 101, 100, 101, 199, 200, 201, 200, 101, 100,  50,   1,    0,
                                 1,    100, 101, 200, 201, 150, 100, 99,  250, 4998, 4999, 5000, 7};
  const size_t n = sizeof walk / sizeof walk[0];
  drive(f, false, walk, n);
  const cs_record slow = f->record;
  double slow_burden[N_GRID];
  memcpy(slow_burden, f->burden, sizeof slow_burden);
  /* The walk does what it is meant to: MRD at 100 (t = 0.5), relapse at 201 (t = 1.5),
   * clearance at t = 3, death at 5000 (t = 6). */
  assert_true(slow.mrd_negative_time == 0.5);
  assert_true(slow.relapse_time == 1.5);
  assert_true(slow.clearance_time == 3.0);
  assert_true(slow.os_time == 6.0);
  assert_int_equal(slow.os_event, 1);

  drive(f, true, walk, n);
  const cs_record *fast = &f->record;
  const double slow_times[] = {slow.os_time,           slow.rfs_time,     slow.clearance_time,
                               slow.mrd_negative_time, slow.relapse_time, slow.final_burden};
  const double fast_times[] = {fast->os_time,           fast->rfs_time,     fast->clearance_time,
                               fast->mrd_negative_time, fast->relapse_time, fast->final_burden};
  assert_memory_equal(fast_times, slow_times, sizeof slow_times);
  assert_int_equal(fast->os_event, slow.os_event);
  assert_int_equal(fast->rfs_event, slow.rfs_event);
  assert_int_equal(fast->cleared, slow.cleared);
  assert_memory_equal(f->burden, slow_burden, sizeof slow_burden);
}

/* The second MRD episode and relapse after a non-absorbing clearance are seen by the
 * fast path too: the state they change (not the first times) decides later relapses. */
static void test_update_sees_second_relapse_after_clearance(void **state)
{
  fixture *f = *state;
  static const int64_t walk[] = {1000, 99, 0, 1, 250, 120, 50, 300, 4999, 5000};
  for (int fast = 0; fast < 2; fast++) {
    drive(f, fast, walk, sizeof walk / sizeof walk[0]);
    assert_true(f->record.mrd_negative_time == 0.25);
    assert_true(f->record.clearance_time == 0.5);
    assert_true(f->record.relapse_time == 1.0);
    assert_true(f->record.os_time == 2.25);
    assert_true(f->record.rfs_time == 1.0);
    assert_true(f->watch.mrd_negative == false);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grid),
      cmocka_unit_test_setup(test_censored_at_followup, setup),
      cmocka_unit_test_setup(test_mrd_then_relapse, setup),
      cmocka_unit_test_setup(test_no_relapse_without_mrd, setup),
      cmocka_unit_test_setup(test_death_is_final, setup),
      cmocka_unit_test_setup(test_death_after_relapse, setup),
      cmocka_unit_test_setup(test_clearance_absorbing_is_final, setup),
      cmocka_unit_test_setup(test_clearance_not_absorbing, setup),
      cmocka_unit_test_setup(test_final_at_time_zero, setup),
      cmocka_unit_test_setup(test_begin_resets_previous_patient, setup),
      cmocka_unit_test_setup(test_untracked_outcomes, setup),
      cmocka_unit_test_setup(test_update_matches_observe, setup),
      cmocka_unit_test_setup(test_update_sees_second_relapse_after_clearance, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
