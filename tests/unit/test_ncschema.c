/* Unit tests of the schema check (ncschema.c), on serial files made with cs_ncout_define
 * for tests/data/two_arms.yaml: a file as the writer makes it passes; a patient dimension
 * that its attributes contradict (a 400-patient file that says 40, what made --resume
 * write a 400-patient file and read the chunk mask past its buffer) is refused by
 * cs_ncschema_check, cs_ncout_check_same_run and cs_ncout_open, naming the dimension with
 * what was expected and found; a unit changed on one variable is refused naming it; a
 * partial file opens but is not complete, saying how many chunks are done; a NetCDF file
 * without cohort_yaml and a text file are not cohortsim outputs (CS_ERR_BAD_FILE).
 */
#include <netcdf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cohortsim/ncout.h"
#include "cohortsim/ncschema.h"
#include "cs_test_support.h"

#define NC_OK(call) assert_int_equal((call), NC_NOERR)
#define PATIENTS 40

typedef struct fixture {
  char dir[64];
  char path[128];
  cs_cohort *cohort;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  snprintf(f->dir, sizeof f->dir, "/tmp/cs_ncschema_XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->path, sizeof f->path, "%s/out.nc", f->dir);
  f->cohort = cs_test_load_cohort("tests/data/two_arms.yaml", 0, NULL);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  remove(f->path);
  rmdir(f->dir);
  cs_cohort_destroy(&f->cohort);
  free(f);
  return 0;
}

/* The run of a whole cohort of n patients, as the driver describes it. */
static cs_run_info run_of(size_t n)
{
  return (cs_run_info){.seed = 7,
                       .n_patients = n,
                       .file_patients = n,
                       .shard_count = 1,
                       .chunk_size = cs_ncout_chunk_size(n),
                       .mpi_ranks = 1,
                       .hostname = "host",
                       .slurm_job_id = "",
                       .slurm_array_job_id = "",
                       .slurm_array_task_id = "",
                       .created = "2026-01-01T00:00:00Z"};
}

/* A file as cs_ncout_define makes it for `info`, with `chunks_done` chunks marked done. */
static void write_file(const fixture *f, const cs_run_info *info, size_t chunks_done)
{
  int ncid;
  cs_ncout *out = NULL;
  cs_error err = {0};
  NC_OK(nc_create(f->path, NC_NETCDF4 | NC_CLOBBER, &ncid));
  assert_int_equal(cs_ncout_define(ncid, f->cohort, info, &out, &err), CS_OK);
  if (chunks_done > 0)
    assert_int_equal(cs_ncout_mark_done(out, 0, chunks_done, &err), CS_OK);
  cs_ncout_destroy(&out);
  NC_OK(nc_close(ncid));
}

static cs_status check_file(const fixture *f, const cs_run_info *info, cs_error *err)
{
  int ncid;
  NC_OK(nc_open(f->path, NC_NOWRITE, &ncid));
  const cs_status status = cs_ncschema_check(ncid, f->path, f->cohort, info, err);
  NC_OK(nc_close(ncid));
  return status;
}

static void test_written_file_passes(void **state)
{
  const fixture *f = *state;
  const cs_run_info info = run_of(PATIENTS);
  cs_error err = {0};
  write_file(f, &info, 0);
  assert_int_equal(check_file(f, &info, &err), CS_OK);
  /* Provenance may differ: another host and time make the same data. */
  cs_run_info elsewhere = info;
  elsewhere.hostname = "other";
  elsewhere.created = "2027-01-01T00:00:00Z";
  elsewhere.mpi_ranks = 64;
  assert_int_equal(check_file(f, &elsewhere, &err), CS_OK);
}

static void test_patient_dimension_contradicting_attributes(void **state)
{
  const fixture *f = *state;
  /* Says 40 patients (attribute n_patients), holds 400 (dimension) and 400 chunks. */
  cs_run_info crafted = run_of(PATIENTS);
  crafted.file_patients = 10 * PATIENTS;
  write_file(f, &crafted, 0);
  const cs_run_info info = run_of(PATIENTS);
  cs_error err = {0};
  assert_int_equal(check_file(f, &info, &err), CS_ERR_BAD_FILE);
  assert_non_null(strstr(err.message, "dimension patient has length 400"));
  assert_non_null(strstr(err.message, "imply 40"));
  assert_non_null(strstr(err.message, f->path));

  cs_error same_run = {0};
  assert_int_equal(cs_ncout_check_same_run(f->path, f->cohort, &info, &same_run), CS_ERR_BAD_FILE);
  assert_non_null(strstr(same_run.message, "dimension patient"));

  int ncid;
  cs_ncout *out = NULL;
  cs_error open_err = {0};
  NC_OK(nc_open(f->path, NC_WRITE, &ncid));
  assert_int_equal(cs_ncout_open(ncid, f->cohort, &info, &out, &open_err), CS_ERR_BAD_FILE);
  assert_null(out);
  NC_OK(nc_close(ncid));
}

static void test_changed_unit(void **state)
{
  const fixture *f = *state;
  const cs_run_info info = run_of(PATIENTS);
  write_file(f, &info, 0);
  int ncid, varid;
  NC_OK(nc_open(f->path, NC_WRITE, &ncid));
  NC_OK(nc_inq_varid(ncid, "os_time", &varid));
  NC_OK(nc_redef(ncid));
  NC_OK(nc_put_att_text(ncid, varid, "units", 5, "hours"));
  NC_OK(nc_close(ncid));
  cs_error err = {0};
  assert_int_equal(check_file(f, &info, &err), CS_ERR_BAD_FILE);
  assert_non_null(strstr(err.message, "attribute units of variable os_time is \"hours\""));
  assert_non_null(strstr(err.message, "\"days\""));
}

static void test_partial_file_not_complete(void **state)
{
  const fixture *f = *state;
  const cs_run_info info = run_of(PATIENTS);
  write_file(f, &info, 3);
  cs_ncfile *file = NULL;
  cs_error err = {0};
  assert_int_equal(cs_ncfile_open(f->path, &file, &err), CS_OK);
  assert_int_equal(file->info.file_patients, PATIENTS);
  assert_int_equal(file->chunks_done, 3);
  assert_int_equal(cs_ncfile_require_complete(file, &err), CS_ERR_BAD_FILE);
  assert_non_null(strstr(err.message, "incomplete: 3 of 40 chunks done"));
  cs_ncfile_close(&file);
  assert_null(file);
  cs_ncfile_close(&file); /* accepts NULL */
}

static void test_not_cohortsim_files(void **state)
{
  const fixture *f = *state;
  int ncid, dim;
  NC_OK(nc_create(f->path, NC_NETCDF4 | NC_CLOBBER, &ncid));
  NC_OK(nc_def_dim(ncid, "x", 2, &dim));
  NC_OK(nc_close(ncid));
  cs_ncfile *file = NULL;
  cs_error err = {0};
  assert_int_equal(cs_ncfile_open(f->path, &file, &err), CS_ERR_BAD_FILE);
  assert_null(file);
  assert_non_null(
      strstr(err.message, "not a cohortsim output file (no text attribute cohort_yaml)"));

  FILE *text = fopen(f->path, "w");
  assert_non_null(text);
  fputs("name: a cohort, not an output\n", text);
  fclose(text);
  cs_error text_err = {0};
  assert_int_equal(cs_ncfile_open(f->path, &file, &text_err), CS_ERR_BAD_FILE);
  assert_non_null(strstr(text_err.message, "not a NetCDF file"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_written_file_passes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_patient_dimension_contradicting_attributes, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_changed_unit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_partial_file_not_complete, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_cohortsim_files, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
