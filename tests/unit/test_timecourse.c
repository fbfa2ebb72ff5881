/* Unit tests of the time courses in the output file (ncout_timecourse.c, through
 * ncout.h), on an in-memory NetCDF file: hand-made records of 4 patients with two
 * species and two observables, one of each recorded; the dimensions and name
 * coordinates; record_value and unrecorded_value read back; species_mean, species_sd
 * (n - 1) and type 7 quantiles worked out by hand; an observable that is NaN for one
 * patient makes its statistics NaN at that time only; the same records written in
 * another block order give the same statistics bit for bit. And the trajectory: a
 * patient who dies keeps its counts and observables on the rest of the grid.
 */
#include <math.h>
#include <netcdf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/ncout.h"
#include "cohortsim/outcome.h"
#include "cohortsim/records.h"
#include "cs_test_support.h"

static const char cohort_yaml[] = "name: timecourse_test\n"
                                  "followup_days: 2\n"
                                  "report_every_days: 1\n"
                                  "parameters: {b: 0.5}\n"
                                  "species: {A: {initial: 1}, B: {initial: 0}}\n"
                                  "reactions:\n"
                                  "  birth: {change: {A: +1}, rate: b, factors: [{species: A}]}\n"
                                  "arms: {only: {}}\n"
                                  "observables: {total: A + B, odd: A / B}\n"
                                  "record: [odd, B]\n";

#define N_PATIENTS 4
#define N_GRID 3
#define NC_OK(call) assert_int_equal((call), NC_NOERR)
#define assert_near(actual, expected, tolerance)                                                   \
  assert_true(fabs((actual) - (expected)) <= (tolerance))

/* Patient p at grid point k: A = (p + 1)(k + 1), B = 10 - p, and the observables of
 * these; odd = A/B is made NaN for patient 2 at k = 2. */
static double value_a(size_t p, size_t k)
{
  return (double)((p + 1) * (k + 1));
}

static double value_b(size_t p)
{
  return (double)(10 - p);
}

static cs_records *make_block(const cs_cohort *c, size_t first, size_t n)
{
  cs_records *r = NULL;
  cs_error err = {0};
  assert_int_equal(cs_records_create(c, first, n, &r, &err), CS_OK);
  assert_int_equal(r->n_recorded, 2);
  assert_int_equal(r->n_unrecorded, 2);
  for (size_t i = 0; i < n; i++) {
    const size_t p = first + i;
    cs_record rec = cs_records_row(r, 0, i);
    for (size_t k = 0; k < N_GRID; k++) {
      /* recorded: odd, B; unrecorded in quantity order: A, total. */
      rec.record_value[k * 2 + 0] = p == 2 && k == 2 ? NAN : value_a(p, k) / value_b(p);
      rec.record_value[k * 2 + 1] = value_b(p);
      rec.unrecorded_value[k * 2 + 0] = value_a(p, k);
      rec.unrecorded_value[k * 2 + 1] = value_a(p, k) + value_b(p);
      rec.burden[k] = 0;
    }
    rec.os_time = rec.rfs_time = 2;
    rec.clearance_time = rec.mrd_negative_time = rec.relapse_time = NAN;
    cs_records_store(r, 0, i, &rec);
  }
  return r;
}

/* An in-memory file with the records written in blocks of `split` and the cohort
 * results computed from it. */
static int write_file(const cs_cohort *c, size_t split)
{
  const cs_run_info info = {.seed = 1,
                            .n_patients = N_PATIENTS,
                            .file_patients = N_PATIENTS,
                            .shard_count = 1,
                            .chunk_size = 1,
                            .mpi_ranks = 1,
                            .hostname = "h",
                            .slurm_job_id = "",
                            .slurm_array_job_id = "",
                            .slurm_array_task_id = "",
                            .created = "2024-01-01T00:00:00Z"};
  int ncid;
  cs_ncout *o = NULL;
  cs_error err = {0};
  char name[32];
  snprintf(name, sizeof name, "timecourse_%zu", split); /* two may be open at once */
  NC_OK(nc_create(name, NC_NETCDF4 | NC_DISKLESS, &ncid));
  assert_int_equal(cs_ncout_define(ncid, c, &info, &o, &err), CS_OK);
  for (size_t first = N_PATIENTS; first > 0;) {
    const size_t n = first >= split ? split : first;
    first -= n;
    cs_records *r = make_block(c, first, n);
    assert_int_equal(cs_ncout_write_records(o, r, &err), CS_OK);
    cs_records_destroy(&r);
  }
  if (cs_ncout_write_cohort_results(o, ncid, N_PATIENTS, &err) != CS_OK)
    fail_msg("%s", err.message);
  cs_ncout_destroy(&o);
  return ncid;
}

/* The cohort of `text`, read as the file `origin` (which error messages name). */
static cs_cohort *load_text(const char *text, const char *origin)
{
  cs_cohort *c = NULL;
  cs_error err = {0};
  if (cs_cohort_load_string(text, origin, 0, NULL, &c, &err) != CS_OK)
    fail_msg("%s", err.message);
  return c;
}

static cs_cohort *load(void)
{
  return load_text(cohort_yaml, "tc.yaml");
}

static void get(int ncid, const char *name, double *values)
{
  int varid;
  NC_OK(nc_inq_varid(ncid, name, &varid));
  NC_OK(nc_get_var_double(ncid, varid, values));
}

static void assert_name(int ncid, const char *variable, size_t index, const char *expected)
{
  int varid;
  char *name = NULL;
  NC_OK(nc_inq_varid(ncid, variable, &varid));
  NC_OK(nc_get_var1_string(ncid, varid, &index, &name));
  assert_string_equal(name, expected);
  nc_free_string(1, &name);
}

static void test_schema_and_values(void **state)
{
  (void)state;
  cs_cohort *c = load();
  const int ncid = write_file(c, 3);
  const char *dims[] = {"observable", "recorded", "unrecorded"};
  for (int d = 0; d < 3; d++) {
    int dim;
    size_t length;
    NC_OK(nc_inq_dimid(ncid, dims[d], &dim));
    NC_OK(nc_inq_dimlen(ncid, dim, &length));
    assert_int_equal(length, 2);
  }
  assert_name(ncid, "observable_name", 0, "total");
  assert_name(ncid, "observable_name", 1, "odd");
  assert_name(ncid, "recorded_name", 0, "odd");
  assert_name(ncid, "recorded_name", 1, "B");
  assert_name(ncid, "unrecorded_name", 0, "A");
  assert_name(ncid, "unrecorded_name", 1, "total");
  double rv[N_PATIENTS * N_GRID * 2], uv[N_PATIENTS * N_GRID * 2];
  get(ncid, "record_value", rv);
  get(ncid, "unrecorded_value", uv);
  for (size_t p = 0; p < N_PATIENTS; p++)
    for (size_t k = 0; k < N_GRID; k++) {
      assert_true(rv[(p * N_GRID + k) * 2 + 1] == value_b(p));
      assert_true(uv[(p * N_GRID + k) * 2 + 0] == value_a(p, k));
    }
  nc_close(ncid);
  cs_cohort_destroy(&c);
}

static void test_statistics(void **state)
{
  (void)state;
  cs_cohort *c = load();
  const int ncid = write_file(c, 3);
  double mean[N_GRID * 2], sd[N_GRID * 2], q[N_GRID * 2 * 5];
  get(ncid, "species_mean", mean);
  get(ncid, "species_sd", sd);
  get(ncid, "species_quantiles", q);
  const double levels[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
  for (size_t k = 0; k < N_GRID; k++) {
    const double scale = (double)(k + 1); /* A = scale * {1, 2, 3, 4} */
    assert_near(mean[k * 2 + 0], 2.5 * scale, 1e-14);
    assert_near(sd[k * 2 + 0], scale * sqrt(5.0 / 3.0), 1e-14);
    assert_near(mean[k * 2 + 1], 8.5, 1e-14); /* B = {10, 9, 8, 7} */
    assert_near(sd[k * 2 + 1], sqrt(5.0 / 3.0), 1e-14);
    for (int l = 0; l < 5; l++) {
      /* Type 7: position 1 + 3p among the sorted 1, 2, 3, 4. */
      assert_near(q[(k * 2 + 0) * 5 + (size_t)l], scale * (1 + 3 * levels[l]), 1e-14);
      assert_near(q[(k * 2 + 1) * 5 + (size_t)l], 7 + 3 * levels[l], 1e-14);
    }
  }
  get(ncid, "observable_mean", mean);
  get(ncid, "observable_sd", sd);
  for (size_t k = 0; k < N_GRID; k++) {
    double sum = 0;
    for (size_t p = 0; p < N_PATIENTS; p++)
      sum += value_a(p, k) + value_b(p);
    assert_near(mean[k * 2 + 0], sum / N_PATIENTS, 1e-13);
    /* odd is NaN for one patient at k = 2 only. */
    assert_true(isnan(mean[k * 2 + 1]) == (k == 2));
    assert_true(isnan(sd[k * 2 + 1]) == (k == 2));
  }
  /* Another block order: the same statistics, bit for bit. */
  const int other = write_file(c, 1);
  double again[N_GRID * 2 * 5];
  get(other, "species_quantiles", again);
  assert_memory_equal(q, again, sizeof q);
  get(other, "observable_mean", again);
  assert_memory_equal(mean, again, sizeof mean);
  nc_close(other);
  nc_close(ncid);
  cs_cohort_destroy(&c);
}

/* Pure birth from 5 cells, death at 8: every patient dies before day 20 (its chance
 * to survive is nil at b = 1), and from then on the grid holds its last state. */
static void test_state_held_after_death(void **state)
{
  (void)state;
  static const char text[] = "name: held\n"
                             "followup_days: 20\n"
                             "report_every_days: 0.5\n"
                             "parameters: {b: 1}\n"
                             "species: {A: {initial: 5}}\n"
                             "reactions:\n"
                             "  birth: {change: {A: +1}, rate: b, factors: [{species: A}]}\n"
                             "arms: {only: {}}\n"
                             "observables: {double_A: 2 * A}\n"
                             "outcomes: {tumour: [A], lethal_cells: 8}\n";
  cs_cohort *c = load_text(text, "held.yaml");
  assert_int_equal(c->n_recorded, 2);
  cs_records *r = cs_test_simulate(c, 5, 42);
  const size_t n_grid = r->n_grid;
  for (size_t p = 0; p < 5; p++) {
    const cs_record rec = cs_records_row(r, 0, p);
    assert_int_equal(r->os_event[p], 1);
    assert_true(rec.record_value[0] == 5 && rec.record_value[1] == 10);
    for (size_t k = 0; k < n_grid; k++) {
      const double t = 0.5 * (double)k;
      if (t >= r->os_time[p]) {
        assert_true(rec.record_value[k * 2] == 8);
        assert_true(rec.record_value[k * 2 + 1] == 16);
      }
      assert_true(rec.record_value[k * 2] == rec.burden[k]);
    }
  }
  cs_records_destroy(&r);
  cs_cohort_destroy(&c);
}

/* One dose of 8 EC50 units at day 0, half-life 1 day: the observable `level: x` is
 * 8 * 2^-t at the grid times 0, 1, 2, 3 (time 0 after the dose due then). */
static void test_observable_reads_drug_level(void **state)
{
  (void)state;
  static const char text[] = "name: level\n"
                             "method: exact\n"
                             "followup_days: 3\n"
                             "parameters: {b: 0.01}\n"
                             "species: {A: {initial: 5}}\n"
                             "drugs: {x: {half_life_days: 1}}\n"
                             "reactions:\n"
                             "  birth: {change: {A: +1}, rate: b, factors: [{species: A}]}\n"
                             "arms: {dosed: {doses: {x: {amount: 8, start_day: 0, count: 1}}}}\n"
                             "observables: {level: x}\n"
                             "record: [level]\n";
  cs_cohort *c = load_text(text, "level.yaml");
  cs_records *r = cs_test_simulate(c, 1, 3);
  assert_int_equal(r->n_grid, 4);
  for (size_t k = 0; k < 4; k++)
    assert_near(r->record_value[k], 8 * pow(2, -(double)k), 1e-13);
  cs_records_destroy(&r);
  cs_cohort_destroy(&c);
}

/* Runs patient 0 of `text` (one arm) and returns its block. */
static cs_records *run_one(const char *text)
{
  cs_cohort *c = load_text(text, "clear.yaml");
  cs_records *r = cs_test_simulate(c, 1, 9);
  cs_cohort_destroy(&c);
  return r;
}

static void test_no_clearance_without_outcomes(void **state)
{
  (void)state;
  static const char plain[] = "name: plain\n"
                              "followup_days: 4\n"
                              "species: {X: {initial: 0}, Y: {initial: 50}}\n"
                              "reactions:\n"
                              "  decay: {change: {X: -1}, rate: 1, factors: [{species: X}]}\n"
                              "  loss: {change: {Y: -1}, rate: 1, factors: [{species: Y}]}\n"
                              "arms: {only: {}}\n";
  cs_records *r = run_one(plain);
  assert_int_equal(r->cleared[0], 0);
  assert_true(isnan(r->clearance_time[0]));
  assert_true(r->os_time[0] == 4 && r->os_event[0] == 0);
  assert_true(r->final_burden[0] == 0);
  /* The run went on: Y decayed (50 e^{-4} ~ 1 is expected left; at least one loss). */
  assert_true(r->events[0] > 0);
  assert_true(r->record_value[4 * 2 + 1] < 50);
  cs_records_destroy(&r);

  char with_outcomes[sizeof plain + 64];
  snprintf(with_outcomes, sizeof with_outcomes, "%soutcomes: {tumour: [X]}\n", plain);
  r = run_one(with_outcomes);
  assert_int_equal(r->cleared[0], 1);
  assert_true(r->clearance_time[0] == 0);
  assert_int_equal(r->events[0], 0); /* cleared for good at time 0: nothing simulated */
  cs_records_destroy(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_schema_and_values),
      cmocka_unit_test(test_statistics),
      cmocka_unit_test(test_state_held_after_death),
      cmocka_unit_test(test_observable_reads_drug_level),
      cmocka_unit_test(test_no_clearance_without_outcomes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
