/* Unit tests of the output schema, on a serial NetCDF-4 file in a temporary directory:
 * define, write two blocks of hand-made records at their patient offsets, close,
 * finalize (coordinates and cohort statistics computed from the file), then reopen and
 * check the dimensions, units and long_name on every variable, the global attributes
 * (the cohort text verbatim, the 64-bit seed, the patient count), values read back bit for
 * bit (NaN where a time is "never", with a NaN _FillValue), the coordinates, and a few
 * statistics worked out by hand; the per-patient trait flags (trait_<name>, ubyte) and
 * start delay (days) beside the parameters. Error paths: finalizing a missing file, a text file and
 * a NetCDF file of another schema; defining in a read-only file and twice in one file; writing a
 * block beyond the patient dimension.
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
#include <unistd.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/ncout.h"
#include "cohortsim/outcome.h"
#include "cohortsim/records.h"

static const char cohort_yaml[] = "name: ncout_test\n"
                                  "description: Two arms, three patients, written by hand.\n"
                                  "followup_days: 4\n"
                                  "report_every_days: 1\n"
                                  "parameters: {b: 0.5, n0: 20}\n"
                                  "species: {N: {initial: n0}, E: {initial: 0}}\n"
                                  "reactions:\n"
                                  "  birth: {change: {N: +1}, rate: b, factors: [{species: N}]}\n"
                                  "  death: {change: {N: -1}, rate: 1, factors: [{species: N}]}\n"
                                  "arms: {control: {}, treated: {set: {b: 0.1}}}\n"
                                  "traits: {slow: {probability: 0.3, set: {b: 0.2}}, "
                                  "marked: {probability: 0.5}}\n"
                                  "timing: {start_delay_days: {uniform: [0, 2]}}\n"
                                  "outcomes: {tumour: [N], lethal_cells: 100}\n";

#define N_PATIENTS 3
#define ARMS 2
#define N_GRID 5 /* 0, 1, 2, 3, 4 days */
#define REACTIONS 2
#define SPECIES 2
#define SEED UINT64_C(987654321012)      /* more than 32 bits */
#define ROWS ((size_t)ARMS * N_PATIENTS) /* (arm, patient) pairs */

#define NC_OK(call) assert_int_equal((call), NC_NOERR)

typedef struct fixture {
  char dir[64];
  char path[128];
  cs_cohort *cohort;
} fixture;

/* The hand-made outcome of global patient p in arm a: everyone censored at 4 except
 * patient 0 of the control arm (death at 1.5) and patient 2 of the treated arm (death at
 * 3); patient 0 of the treated arm cleared at 2.25. */
static double os_time_of(int a, size_t p)
{
  if (a == 0 && p == 0)
    return 1.5;
  if (a == 1 && p == 2)
    return 3.0;
  return 4.0;
}

static int cleared_of(int a, size_t p)
{
  return a == 1 && p == 0;
}

static double burden_of(int a, size_t p, size_t k)
{
  return (double)(100 * a) + (double)(10 * p + k);
}

/* Fills a block of patients first .. first + n - 1 by hand. */
static cs_records *make_block(const cs_cohort *c, size_t first, size_t n)
{
  cs_records *r = NULL;
  cs_error err = {0};
  assert_int_equal(cs_records_create(c, first, n, &r, &err), CS_OK);
  for (size_t i = 0; i < n; i++) {
    const size_t p = first + i;
    r->param[i * 2 + 0] = 0.5;
    r->param[i * 2 + 1] = 20.0 + (double)p;
    r->trait[i * 2 + 0] = (unsigned char)(p == 1);
    r->trait[i * 2 + 1] = (unsigned char)(p != 1);
    r->start_delay[i] = 0.5 + (double)p;
    for (int a = 0; a < ARMS; a++) {
      cs_record rec = cs_records_row(r, a, i);
      rec.os_time = rec.rfs_time = os_time_of(a, p);
      rec.os_event = rec.rfs_event = os_time_of(a, p) < 4.0;
      rec.cleared = (unsigned char)cleared_of(a, p);
      rec.clearance_time = cleared_of(a, p) ? 2.25 : NAN;
      rec.mrd_negative_time = NAN;
      rec.relapse_time = NAN;
      rec.final_burden = (double)(10 * p) + a;
      rec.events = INT64_C(1000) * a + (int64_t)p;
      for (int k = 0; k < REACTIONS; k++)
        rec.reaction_count[k] = INT64_C(100) * a + 10 * (int64_t)p + k;
      for (int k = 0; k < SPECIES; k++)
        rec.species_peak[k] = (double)(a + (int)p) + 0.5 * k;
      for (size_t k = 0; k < N_GRID; k++)
        rec.burden[k] = burden_of(a, p, k);
      cs_records_store(r, a, i, &rec);
    }
  }
  return r;
}

static const cs_run_info run_info = {.seed = SEED,
                                     .n_patients = N_PATIENTS,
                                     .file_patients = N_PATIENTS,
                                     .shard_count = 1,
                                     .chunk_size = 1,
                                     .mpi_ranks = 1,
                                     .hostname = "testhost",
                                     .slurm_job_id = "",
                                     .slurm_array_job_id = "",
                                     .slurm_array_task_id = "",
                                     .created = "2024-01-01T00:00:00Z"};

/* Two ranks, one busier: load imbalance 12/9. */
static const double busy_seconds[2] = {12.0, 6.0};
static const cs_run_end run_end = {.wall_seconds = 12.5,
                                   .ended = "2024-01-01T00:01:00Z",
                                   .busy_seconds = busy_seconds,
                                   .n_ranks = 2};

/* Writes the whole file as the driver does, but serially: define, two blocks (the later
 * patients first, as another rank might), close, finalize. */
static void write_file(const fixture *f)
{
  int ncid;
  cs_ncout *out = NULL;
  cs_error err = {0};
  NC_OK(nc_create(f->path, NC_NETCDF4 | NC_CLOBBER, &ncid));
  assert_int_equal(cs_ncout_define(ncid, f->cohort, &run_info, &out, &err), CS_OK);
  cs_records *late = make_block(f->cohort, 2, 1), *early = make_block(f->cohort, 0, 2);
  assert_int_equal(cs_ncout_write_records(out, late, &err), CS_OK);
  assert_int_equal(cs_ncout_write_records(out, early, &err), CS_OK);
  cs_records_destroy(&late);
  cs_records_destroy(&early);
  cs_ncout_destroy(&out);
  assert_null(out);
  NC_OK(nc_close(ncid));
  if (cs_ncout_finalize(f->path, f->cohort, &run_end, &err) != CS_OK)
    fail_msg("finalize: %s", err.message);
}

static int setup(void **state)
{
  static fixture f;
  cs_error err = {0};
  memset(&f, 0, sizeof f);
  snprintf(f.dir, sizeof f.dir, "/tmp/cs_test_ncout_XXXXXX");
  if (mkdtemp(f.dir) == NULL)
    return -1;
  snprintf(f.path, sizeof f.path, "%s/out.nc", f.dir);
  if (cs_cohort_load_string(cohort_yaml, "ncout_test.yaml", 0, NULL, &f.cohort, &err) != CS_OK) {
    print_error("cohort: %s\n", err.message);
    return -1;
  }
  *state = &f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  cs_cohort_destroy(&f->cohort);
  remove(f->path);
  char other[160];
  snprintf(other, sizeof other, "%s/other.nc", f->dir);
  remove(other);
  snprintf(other, sizeof other, "%s/text.nc", f->dir);
  remove(other);
  return rmdir(f->dir) == 0 ? 0 : -1;
}

static int open_output(const fixture *f)
{
  int ncid;
  NC_OK(nc_open(f->path, NC_NOWRITE, &ncid));
  return ncid;
}

static size_t dim_length(int ncid, const char *name)
{
  int dimid;
  size_t length;
  NC_OK(nc_inq_dimid(ncid, name, &dimid));
  NC_OK(nc_inq_dimlen(ncid, dimid, &length));
  return length;
}

static int varid_of(int ncid, const char *name)
{
  int varid;
  if (nc_inq_varid(ncid, name, &varid) != NC_NOERR)
    fail_msg("no variable %s", name);
  return varid;
}

/* A text attribute as a string the caller frees. */
static char *text_att(int ncid, int varid, const char *name)
{
  nc_type type;
  size_t length;
  if (nc_inq_att(ncid, varid, name, &type, &length) != NC_NOERR)
    fail_msg("no attribute %s on variable %d", name, varid);
  assert_int_equal(type, NC_CHAR);
  char *text = calloc(length + 1, 1);
  assert_non_null(text);
  NC_OK(nc_get_att_text(ncid, varid, name, text));
  return text;
}

static void assert_same_doubles(const double *a, const double *b, size_t n)
{
  assert_memory_equal(a, b, n * sizeof *a);
}

static void test_dimensions(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  assert_int_equal(dim_length(ncid, "patient"), N_PATIENTS);
  assert_int_equal(dim_length(ncid, "arm"), ARMS);
  assert_int_equal(dim_length(ncid, "time"), N_GRID);
  assert_int_equal(dim_length(ncid, "reaction"), REACTIONS);
  assert_int_equal(dim_length(ncid, "species"), SPECIES);
  int format;
  NC_OK(nc_inq_format(ncid, &format));
  assert_int_equal(format, NC_FORMAT_NETCDF4);
  NC_OK(nc_close(ncid));
}

/* Every variable carries non-empty units and long_name (CF style), and the variables of
 * the output contract are all there. */
static void test_every_variable_described(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  int n_vars;
  NC_OK(nc_inq_nvars(ncid, &n_vars));
  for (int v = 0; v < n_vars; v++) {
    char name[NC_MAX_NAME + 1];
    NC_OK(nc_inq_varname(ncid, v, name));
    static const char *const required[] = {"units", "long_name"};
    for (int k = 0; k < 2; k++) {
      nc_type type;
      size_t length;
      if (nc_inq_att(ncid, v, required[k], &type, &length) != NC_NOERR)
        fail_msg("variable %s has no %s", name, required[k]);
      if (type != NC_CHAR || length == 0)
        fail_msg("variable %s: %s is not a non-empty text", name, required[k]);
    }
  }
  static const char *const contract[] = {
      "time",         "arm_name",        "reaction_name",      "species_name",    "param_b",
      "param_n0",     "os_time",         "os_event",           "rfs_time",        "rfs_event",
      "cleared",      "clearance_time",  "mrd_negative_time",  "relapse_time",    "final_burden",
      "events",       "reaction_count",  "species_peak",       "burden",          "os_survival",
      "os_lower",     "os_upper",        "os_at_risk",         "rfs_survival",    "rfs_lower",
      "rfs_upper",    "rfs_at_risk",     "clearance_fraction", "clearance_lower", "clearance_upper",
      "median_os",    "median_os_lower", "median_os_upper",    "logrank_p",       "trait_slow",
      "trait_marked", "start_delay"};
  for (size_t i = 0; i < sizeof contract / sizeof contract[0]; i++)
    (void)varid_of(ncid, contract[i]);
  char *units = text_att(ncid, varid_of(ncid, "os_time"), "units");
  assert_string_equal(units, "days");
  free(units);
  NC_OK(nc_close(ncid));
}

static void test_global_attributes(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  char *yaml = text_att(ncid, NC_GLOBAL, "cohort_yaml");
  assert_string_equal(yaml, cohort_yaml);
  free(yaml);
  char *conventions = text_att(ncid, NC_GLOBAL, "Conventions");
  assert_string_equal(conventions, "CF-1.8");
  free(conventions);
  char *title = text_att(ncid, NC_GLOBAL, "title");
  assert_non_null(strstr(title, "ncout_test"));
  free(title);
  char *overrides = text_att(ncid, NC_GLOBAL, "overrides");
  assert_string_equal(overrides, "");
  free(overrides);
  char *host = text_att(ncid, NC_GLOBAL, "hostname");
  assert_string_equal(host, "testhost");
  free(host);
  static const char *const present[] = {"software_version", "git_revision", "created",
                                        "slurm_job_id", "cohort_path"};
  for (size_t i = 0; i < sizeof present / sizeof present[0]; i++) {
    nc_type type;
    size_t length;
    if (nc_inq_att(ncid, NC_GLOBAL, present[i], &type, &length) != NC_NOERR)
      fail_msg("no global attribute %s", present[i]);
  }

  nc_type type;
  size_t length;
  unsigned long long value;
  NC_OK(nc_inq_att(ncid, NC_GLOBAL, "seed", &type, &length));
  assert_int_equal(type, NC_UINT64);
  assert_int_equal(length, 1);
  NC_OK(nc_get_att_ulonglong(ncid, NC_GLOBAL, "seed", &value));
  assert_true(value == SEED);
  NC_OK(nc_get_att_ulonglong(ncid, NC_GLOBAL, "n_patients", &value));
  assert_true(value == N_PATIENTS);
  int ranks;
  NC_OK(nc_get_att_int(ncid, NC_GLOBAL, "mpi_ranks", &ranks));
  assert_int_equal(ranks, 1);
  double wall;
  NC_OK(nc_get_att_double(ncid, NC_GLOBAL, "wall_time_seconds", &wall));
  assert_true(wall == 12.5);
  NC_OK(nc_close(ncid));
}

/* What was written comes back bit for bit, from both blocks, at the right patients. */
static void test_records_read_back(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  double got[ARMS * N_PATIENTS * N_GRID], want[ARMS * N_PATIENTS * N_GRID];
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "os_time"), got));
  for (int a = 0; a < ARMS; a++)
    for (size_t p = 0; p < N_PATIENTS; p++)
      want[(size_t)a * N_PATIENTS + p] = os_time_of(a, p);
  assert_same_doubles(got, want, ROWS);

  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "clearance_time"), got));
  for (int a = 0; a < ARMS; a++)
    for (size_t p = 0; p < N_PATIENTS; p++)
      want[(size_t)a * N_PATIENTS + p] = cleared_of(a, p) ? 2.25 : NAN;
  assert_same_doubles(got, want, ROWS);

  unsigned char flags[ARMS * N_PATIENTS];
  NC_OK(nc_get_var_uchar(ncid, varid_of(ncid, "os_event"), flags));
  for (int a = 0; a < ARMS; a++)
    for (size_t p = 0; p < N_PATIENTS; p++)
      assert_int_equal(flags[(size_t)a * N_PATIENTS + p], os_time_of(a, p) < 4.0);
  NC_OK(nc_get_var_uchar(ncid, varid_of(ncid, "cleared"), flags));
  for (int a = 0; a < ARMS; a++)
    for (size_t p = 0; p < N_PATIENTS; p++)
      assert_int_equal(flags[(size_t)a * N_PATIENTS + p], cleared_of(a, p));

  long long counts[ARMS * N_PATIENTS * REACTIONS];
  NC_OK(nc_get_var_longlong(ncid, varid_of(ncid, "events"), counts));
  for (int a = 0; a < ARMS; a++)
    for (size_t p = 0; p < N_PATIENTS; p++)
      assert_int_equal(counts[(size_t)a * N_PATIENTS + p], 1000 * a + (int)p);
  NC_OK(nc_get_var_longlong(ncid, varid_of(ncid, "reaction_count"), counts));
  for (int a = 0; a < ARMS; a++)
    for (size_t p = 0; p < N_PATIENTS; p++)
      for (int k = 0; k < REACTIONS; k++)
        assert_int_equal(counts[((size_t)a * N_PATIENTS + p) * REACTIONS + (size_t)k],
                         100 * a + 10 * (int)p + k);

  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "burden"), got));
  for (int a = 0; a < ARMS; a++)
    for (size_t p = 0; p < N_PATIENTS; p++)
      for (size_t k = 0; k < N_GRID; k++)
        want[((size_t)a * N_PATIENTS + p) * N_GRID + k] = burden_of(a, p, k);
  assert_same_doubles(got, want, ROWS * N_GRID);

  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "species_peak"), got));
  assert_true(got[(1 * N_PATIENTS + 2) * SPECIES + 1] == 3.5);

  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "param_n0"), got));
  assert_true(got[0] == 20 && got[1] == 21 && got[2] == 22);
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "param_b"), got));
  assert_true(got[0] == 0.5 && got[1] == 0.5 && got[2] == 0.5);
  NC_OK(nc_close(ncid));
}

/* Traits are per-patient ubyte flags with units "1", the start delay per-patient days;
 * both come back as written, from both blocks. */
static void test_traits_and_start_delay(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  static const char *const traits[] = {"trait_slow", "trait_marked"};
  for (int t = 0; t < 2; t++) {
    const int varid = varid_of(ncid, traits[t]);
    nc_type type;
    int n_dims, dimid;
    NC_OK(nc_inq_vartype(ncid, varid, &type));
    assert_int_equal(type, NC_UBYTE);
    NC_OK(nc_inq_varndims(ncid, varid, &n_dims));
    assert_int_equal(n_dims, 1);
    NC_OK(nc_inq_vardimid(ncid, varid, &dimid));
    int patient_dim;
    NC_OK(nc_inq_dimid(ncid, "patient", &patient_dim));
    assert_int_equal(dimid, patient_dim);
    char *units = text_att(ncid, varid, "units");
    assert_string_equal(units, "1");
    free(units);
    char *long_name = text_att(ncid, varid, "long_name");
    assert_non_null(strstr(long_name, traits[t] + strlen("trait_")));
    free(long_name);
    unsigned char flags[N_PATIENTS];
    NC_OK(nc_get_var_uchar(ncid, varid, flags));
    for (size_t p = 0; p < N_PATIENTS; p++)
      assert_int_equal(flags[p], t == 0 ? p == 1 : p != 1);
  }
  const int varid = varid_of(ncid, "start_delay");
  char *units = text_att(ncid, varid, "units");
  assert_string_equal(units, "days");
  free(units);
  double delay[N_PATIENTS];
  NC_OK(nc_get_var_double(ncid, varid, delay));
  for (size_t p = 0; p < N_PATIENTS; p++)
    assert_true(delay[p] == 0.5 + (double)p);
  char *time_units = text_att(ncid, varid_of(ncid, "time"), "units");
  assert_string_equal(time_units, "days");
  free(time_units);
  NC_OK(nc_close(ncid));
}

/* "Never" is NaN, and so is the declared fill value of the times that can be never. */
static void test_nan_fill(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  static const char *const never[] = {"clearance_time", "mrd_negative_time", "relapse_time",
                                      "median_os"};
  for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
    double fill = 0;
    NC_OK(nc_get_att_double(ncid, varid_of(ncid, never[i]), "_FillValue", &fill));
    if (!isnan(fill))
      fail_msg("%s: _FillValue is %g, not NaN", never[i], fill);
  }
  double times[ARMS * N_PATIENTS];
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "mrd_negative_time"), times));
  for (size_t i = 0; i < ROWS; i++)
    assert_true(isnan(times[i]));
  NC_OK(nc_close(ncid));
}

static void assert_string_var(int ncid, const char *var, size_t n, const char *const *want)
{
  const int varid = varid_of(ncid, var);
  for (size_t i = 0; i < n; i++) {
    char *value = NULL;
    NC_OK(nc_get_var1_string(ncid, varid, &i, &value));
    assert_string_equal(value, want[i]);
    NC_OK(nc_free_string(1, &value));
  }
}

static void test_coordinates(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  double time[N_GRID];
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "time"), time));
  for (int k = 0; k < N_GRID; k++)
    assert_true(time[k] == (double)k);
  static const char *const arms[] = {"control", "treated"};
  static const char *const reactions[] = {"birth", "death"};
  static const char *const species[] = {"N", "E"};
  assert_string_var(ncid, "arm_name", ARMS, arms);
  assert_string_var(ncid, "reaction_name", REACTIONS, reactions);
  assert_string_var(ncid, "species_name", SPECIES, species);
  NC_OK(nc_close(ncid));
}

/* The statistics finalize computed from the file: one death among 3 in each arm (at 1.5
 * and at 3), one clearance among 3 in the treated arm only. */
static void test_statistics_from_file(void **state)
{
  const fixture *f = *state;
  write_file(f);
  const int ncid = open_output(f);
  double s[ARMS * N_GRID];
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "os_survival"), s));
  const double third = 2.0 / 3.0;
  const double want[ARMS * N_GRID] = {1, 1, third, third, third, 1, 1, 1, third, third};
  for (size_t i = 0; i < (size_t)ARMS * N_GRID; i++)
    if (fabs(s[i] - want[i]) > 1e-15)
      fail_msg("os_survival[%zu] = %.17g, expected %.17g", i, s[i], want[i]);
  long long at_risk[ARMS * N_GRID];
  NC_OK(nc_get_var_longlong(ncid, varid_of(ncid, "os_at_risk"), at_risk));
  const long long risk_want[ARMS * N_GRID] = {3, 3, 2, 2, 2, 3, 3, 3, 3, 2};
  assert_memory_equal(at_risk, risk_want, sizeof at_risk);
  double fraction[ARMS];
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "clearance_fraction"), fraction));
  assert_true(fraction[0] == 0.0);
  assert_true(fraction[1] == 1.0 / 3.0);
  double p[ARMS * ARMS];
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "logrank_p"), p));
  assert_true(p[0] == 1.0 && p[3] == 1.0);
  assert_memory_equal(&p[1], &p[2], sizeof p[1]);
  assert_true(p[1] > 0.0 && p[1] <= 1.0);
  double median[ARMS];
  NC_OK(nc_get_var_double(ncid, varid_of(ncid, "median_os"), median));
  assert_true(isnan(median[0]) && isnan(median[1]));
  NC_OK(nc_close(ncid));
}

/* Finalizing `path` fails with a NetCDF or I/O error whose message contains `needle`. */
static void expect_finalize_error(const fixture *f, const char *path, const char *needle)
{
  cs_error err = {0};
  const cs_status status = cs_ncout_finalize(path, f->cohort, &run_end, &err);
  if (status != CS_ERR_NETCDF && status != CS_ERR_IO)
    fail_msg("finalizing %s gave status %d (%s)", path, status, err.message);
  assert_int_equal(err.status, status);
  if (strstr(err.message, needle) == NULL)
    fail_msg("message '%s' does not name '%s'", err.message, needle);
}

/* A missing file and a file that is not NetCDF fail naming the path; a NetCDF file of
 * another schema fails naming what is missing. */
static void test_finalize_errors(void **state)
{
  const fixture *f = *state;
  char path[160];
  snprintf(path, sizeof path, "%s/missing.nc", f->dir);
  expect_finalize_error(f, path, path);

  snprintf(path, sizeof path, "%s/text.nc", f->dir);
  FILE *text = fopen(path, "w");
  assert_non_null(text);
  fputs("not a NetCDF file\n", text);
  fclose(text);
  expect_finalize_error(f, path, path);

  snprintf(path, sizeof path, "%s/other.nc", f->dir);
  int ncid, dimid;
  NC_OK(nc_create(path, NC_NETCDF4 | NC_CLOBBER, &ncid));
  NC_OK(nc_def_dim(ncid, "station", 4, &dimid));
  NC_OK(nc_close(ncid));
  expect_finalize_error(f, path, "patient");
}

/* Defining fails, returning nothing and naming NetCDF, in a file opened read-only and in
 * a file that already holds the schema. */
static void test_define_errors(void **state)
{
  const fixture *f = *state;
  int ncid;
  cs_error err = {0};
  NC_OK(nc_create(f->path, NC_NETCDF4 | NC_CLOBBER, &ncid));
  NC_OK(nc_close(ncid));
  NC_OK(nc_open(f->path, NC_NOWRITE, &ncid));
  cs_ncout *out = (cs_ncout *)(void *)&ncid; /* any pointer: must become NULL */
  assert_int_equal(cs_ncout_define(ncid, f->cohort, &run_info, &out, &err), CS_ERR_NETCDF);
  assert_null(out);
  assert_int_equal(err.status, CS_ERR_NETCDF);
  assert_non_null(strstr(err.message, "NetCDF"));
  NC_OK(nc_close(ncid));

  cs_error_clear(&err);
  NC_OK(nc_create(f->path, NC_NETCDF4 | NC_CLOBBER, &ncid));
  assert_int_equal(cs_ncout_define(ncid, f->cohort, &run_info, &out, &err), CS_OK);
  cs_ncout_destroy(&out);
  NC_OK(nc_redef(ncid));
  out = (cs_ncout *)(void *)&ncid;
  assert_int_equal(cs_ncout_define(ncid, f->cohort, &run_info, &out, &err), CS_ERR_NETCDF);
  assert_null(out);
  assert_non_null(strstr(err.message, "patient"));
  NC_OK(nc_close(ncid));
}

/* A block that reaches past the patient dimension is refused by NetCDF. */
static void test_block_beyond_patients(void **state)
{
  const fixture *f = *state;
  int ncid;
  cs_ncout *out = NULL;
  cs_error err = {0};
  NC_OK(nc_create(f->path, NC_NETCDF4 | NC_CLOBBER, &ncid));
  assert_int_equal(cs_ncout_define(ncid, f->cohort, &run_info, &out, &err), CS_OK);
  cs_records *block = make_block(f->cohort, 2, 2); /* patients 2 and 3 of 3 */
  assert_int_equal(cs_ncout_write_records(out, block, &err), CS_ERR_NETCDF);
  assert_int_equal(err.status, CS_ERR_NETCDF);
  assert_non_null(strstr(err.message, "NetCDF"));
  cs_records_destroy(&block);
  cs_ncout_destroy(&out);
  cs_ncout_destroy(&out);
  cs_ncout_destroy(NULL);
  NC_OK(nc_close(ncid));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dimensions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_every_variable_described, setup, teardown),
      cmocka_unit_test_setup_teardown(test_global_attributes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_records_read_back, setup, teardown),
      cmocka_unit_test_setup_teardown(test_traits_and_start_delay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nan_fill, setup, teardown),
      cmocka_unit_test_setup_teardown(test_coordinates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_statistics_from_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_finalize_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_define_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_block_beyond_patients, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
