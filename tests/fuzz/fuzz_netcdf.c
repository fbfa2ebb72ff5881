/* libFuzzer harness of the output-file readers: what `cohortsim summary`, `verify
 * --sample 1`, `merge` (as a single shard), `analyze` and `run --resume` read.
 *
 * The input is not the file's bytes but a list of edits to a real output (one of
 * tests/fuzz/seeds), made through the NetCDF API: resized dimensions, variables
 * deleted, retyped or reshaped, attributes deleted or given other values and types,
 * data tampered with. Raw bytes would mostly test HDF5's own parser, which crashes on
 * some malformed files by itself (tests/fuzz/crashes/netcdf-hdf5-*), and which no reader
 * of ours can guard against; the edits reach what our readers must not trust.
 *
 * Input: byte 0 picks the seed; then edits, each an operation byte and its operands
 * (bytes taken as they come; a missing byte reads as 0). Any status is fine; a crash or
 * a sanitizer report is a finding. */
#include <dirent.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohortsim/analysis.h"
#include "cohortsim/cohort.h"
#include "cohortsim/merge.h"
#include "cohortsim/ncout.h"
#include "cohortsim/verify.h"
#include "fuzz_support.h"
#include "summary.h"

#define MAX_EDITS 16

/* A seed output and the run that wrote it (what a --resume repeats). */
typedef struct seed {
  const char *file;   /* in tests/fuzz/seeds */
  const char *cohort; /* in tests/data */
  const char *set;    /* one --set argument, or NULL */
  unsigned long long rng_seed;
  size_t n_patients;
  int shard_index, shard_count;
} seed;

/* Written by the commands in tests/fuzz/seeds/README.md. */
static const seed seeds[] = {
    {"two_arms_n3.nc", "two_arms.yaml", NULL, 1, 3, 0, 1},
    {"variability_n2_set.nc", "variability.yaml", "parameters.kd=1.5", 7, 2, 0, 1},
    {"two_arms_shard1of2.nc", "two_arms.yaml", NULL, 1, 4, 0, 2},
};
#define N_SEEDS (sizeof seeds / sizeof seeds[0])

static unsigned char *seed_bytes[N_SEEDS];
static size_t seed_size[N_SEEDS];
static cs_cohort *seed_cohort[N_SEEDS];

/* In memory (tmpfs) where there is one: the readers close and reopen the file. */
static char work_dir[] = "/dev/shm/cohortsim-fuzz-XXXXXX";
static const char fallback_dir[] = "/tmp/cohortsim-fuzz-XXXXXX";
static char input_path[sizeof work_dir + 32], merged_path[sizeof work_dir + 16];
static unsigned long n_inputs;

/* ---- the input as a stream of operands ----------------------------------------------- */

typedef struct input {
  const uint8_t *p;
  size_t left;
} input;

static unsigned take(input *in)
{
  if (in->left == 0)
    return 0;
  in->left--;
  return *in->p++;
}

/* An index below n (n > 0). */
static int take_index(input *in, int n)
{
  return (int)(take(in) % (unsigned)n);
}

/* A length byte, then up to that many bytes (fewer at the end of the input). */
static size_t take_bytes(input *in, const uint8_t **bytes)
{
  size_t n = take(in);
  if (n > in->left)
    n = in->left;
  *bytes = in->p;
  in->p += n;
  in->left -= n;
  return n;
}

/* ---- edits --------------------------------------------------------------------------- */

static const nc_type types[] = {NC_BYTE,  NC_UBYTE,  NC_CHAR,  NC_SHORT,  NC_INT,
                                NC_INT64, NC_UINT64, NC_FLOAT, NC_DOUBLE, NC_STRING};
#define N_TYPES (int)(sizeof types / sizeof types[0])

/* A variable id, or NC_GLOBAL (the file's attributes) for one choice in n + 1. */
static int take_target(input *in, int n_vars)
{
  const int v = take_index(in, n_vars + 1);
  return v == n_vars ? NC_GLOBAL : v;
}

/* The name of attribute number `take` of target; false if it has none. */
static int take_att(int ncid, input *in, int target, char *name)
{
  int n = 0;
  if (target == NC_GLOBAL ? nc_inq_natts(ncid, &n) : nc_inq_varnatts(ncid, target, &n))
    return 0;
  return n > 0 && nc_inq_attname(ncid, target, take_index(in, n), name) == NC_NOERR;
}

/* Whether variable v may be renamed: renaming a coordinate variable (one named like a
 * dimension) after other edits crashes NetCDF-C 4.9.0 itself (a null pointer inside
 * nc_rename_var), which is not what this harness tests. */
static int renamable(int ncid, int v, char *name)
{
  int dim;
  return nc_inq_varname(ncid, v, name) == NC_NOERR && nc_inq_dimid(ncid, name, &dim) != NC_NOERR;
}

/* Replaces variable v by one of type `type` on dimensions dims (fill values only). */
static void replace_var(int ncid, int v, nc_type type, int n_dims, const int *dims)
{
  char name[NC_MAX_NAME + 1], old[NC_MAX_NAME + 1];
  int id;
  if (!renamable(ncid, v, name))
    return;
  snprintf(old, sizeof old, "%s_old", name);
  if (nc_rename_var(ncid, v, old) == NC_NOERR)
    nc_def_var(ncid, name, type, n_dims, dims, &id);
}

/* Gives dimension d a new length: a new dimension takes its name, and the first
 * variable on it (not a coordinate variable) is replaced by one on the new dimension;
 * later edits may resize others. (Replacing several in one edit crashes NetCDF-C 4.9.0
 * inside nc_rename_var.) */
static void resize_dim(int ncid, input *in, int n_dims, int n_vars)
{
  char name[NC_MAX_NAME + 1], old[NC_MAX_NAME + 1];
  const int d = take_index(in, n_dims);
  const size_t length = take(in) | take(in) << 8;
  int resized;
  if (nc_inq_dimname(ncid, d, name) || nc_def_dim(ncid, "fuzz_resized", length, &resized))
    return;
  snprintf(old, sizeof old, "%s_old", name);
  if (nc_rename_dim(ncid, d, old) || nc_rename_dim(ncid, resized, name))
    return;
  for (int v = 0; v < n_vars; v++) {
    int dims[NC_MAX_VAR_DIMS], n = 0, uses = 0;
    nc_type type;
    if (nc_inq_var(ncid, v, NULL, &type, &n, dims, NULL))
      continue;
    for (int k = 0; k < n; k++)
      if (dims[k] == d) {
        dims[k] = resized;
        uses = 1;
      }
    if (uses) {
      replace_var(ncid, v, type, n, dims);
      return;
    }
  }
}

/* Replaces variable v by one of another type and, maybe, other dimensions. */
static void redefine_var(int ncid, input *in, int v, int n_dims)
{
  int dims[NC_MAX_VAR_DIMS], n = 0;
  if (nc_inq_var(ncid, v, NULL, NULL, &n, dims, NULL))
    return;
  const nc_type type = types[take_index(in, N_TYPES)];
  if (take(in) & 1)
    for (int k = 0; k < n; k++)
      dims[k] = take_index(in, n_dims);
  replace_var(ncid, v, type, n, dims);
}

/* Writes bytes of the input over one element of variable v. */
static void tamper_value(int ncid, input *in, int v)
{
  int dims[NC_MAX_VAR_DIMS], n = 0;
  nc_type type;
  if (nc_inq_var(ncid, v, NULL, &type, &n, dims, NULL))
    return;
  size_t index[NC_MAX_VAR_DIMS];
  for (int k = 0; k < n; k++) {
    size_t length = 0;
    nc_inq_dimlen(ncid, dims[k], &length);
    index[k] = length > 0 ? take(in) % length : 0;
  }
  const uint8_t *bytes;
  const size_t size = take_bytes(in, &bytes);
  if (type == NC_STRING) {
    char *text = fuzz_string(bytes, size);
    const char *value[] = {text};
    if (text != NULL)
      nc_put_var1_string(ncid, v, index, value);
    free(text);
  } else {
    unsigned char value[8] = {0};
    memcpy(value, bytes, size < sizeof value ? size : sizeof value);
    nc_put_var1(ncid, v, index, value);
  }
}

/* Sets an existing attribute (or "fuzz") of target to text or to 0-3 numbers of any
 * type, taken from the input. */
static void put_att(int ncid, input *in, int target)
{
  char name[NC_MAX_NAME + 1] = "fuzz";
  take_att(ncid, in, target, name);
  const uint8_t *bytes;
  const size_t size = take_bytes(in, &bytes);
  const nc_type type = types[take_index(in, N_TYPES - 1)]; /* no NC_STRING */
  if (type == NC_CHAR) {
    nc_put_att_text(ncid, target, name, size, (const char *)bytes);
    return;
  }
  unsigned char values[3 * 8] = {0};
  memcpy(values, bytes, size < sizeof values ? size : sizeof values);
  nc_put_att(ncid, target, name, type, take(in) % 4, values);
}

static void apply_edit(int ncid, input *in)
{
  int n_vars = 0, n_dims = 0;
  nc_inq(ncid, &n_dims, &n_vars, NULL, NULL);
  if (n_vars == 0 || n_dims == 0)
    return;
  char name[NC_MAX_NAME + 1], other[NC_MAX_NAME + 1];
  switch (take(in) % 6) {
  case 0: /* delete a variable (renamed away: NetCDF-4 cannot delete) */
  {
    const int v = take_index(in, n_vars);
    if (renamable(ncid, v, name)) {
      snprintf(other, sizeof other, "%s_deleted", name);
      nc_rename_var(ncid, v, other);
    }
    break;
  }
  case 1: /* delete an attribute */
  {
    const int target = take_target(in, n_vars);
    if (take_att(ncid, in, target, name))
      nc_del_att(ncid, target, name);
    break;
  }
  case 2:
    put_att(ncid, in, take_target(in, n_vars));
    break;
  case 3:
    resize_dim(ncid, in, n_dims, n_vars);
    break;
  case 4:
    redefine_var(ncid, in, take_index(in, n_vars), n_dims);
    break;
  default:
    tamper_value(ncid, in, take_index(in, n_vars));
    break;
  }
}

/* Writes the chosen seed, edited by the input, to a new input_path; false if not
 * possible. Each input gets a file of its own: when closing an edited file fails,
 * NetCDF-C 4.9.0 leaves it open in HDF5, which would serve a later open of the same
 * file from that stale state (and crash in nc_rename_var). */
static int write_edited_seed(const uint8_t *data, size_t size)
{
  input in = {data, size};
  const size_t s = take(&in) % N_SEEDS;
  unlink(input_path);
  snprintf(input_path, sizeof input_path, "%s/input-%lu.nc", work_dir, ++n_inputs);
  FILE *f = fopen(input_path, "wb");
  if (f == NULL)
    return 0;
  const int written = fwrite(seed_bytes[s], 1, seed_size[s], f) == seed_size[s];
  if (fclose(f) != 0 || !written)
    return 0;
  int ncid;
  if (nc_open(input_path, NC_WRITE, &ncid) != NC_NOERR)
    return 0;
  for (int e = 0; e < MAX_EDITS && in.left > 0; e++)
    apply_edit(ncid, &in);
  return nc_close(ncid) == NC_NOERR;
}

/* ---- the readers --------------------------------------------------------------------- */

/* What `run --resume` reads of a partial file of seed s's run. */
static void resume(const seed *s, const cs_cohort *cohort)
{
  const char *sets[] = {s->set};
  const size_t chunk_size = cs_ncout_chunk_size(s->n_patients);
  const cs_run_info info = {.seed = s->rng_seed,
                            .n_patients = s->n_patients,
                            .file_patients = s->n_patients,
                            .shard_index = s->shard_index,
                            .shard_count = s->shard_count,
                            .chunk_size = chunk_size,
                            .hostname = "",
                            .slurm_job_id = "",
                            .slurm_array_job_id = "",
                            .slurm_array_task_id = "",
                            .created = "",
                            .n_sets = s->set != NULL,
                            .sets = sets};
  cs_error err = {0};
  int ncid;
  if (cs_ncout_check_same_run(input_path, cohort, &info, &err) != CS_OK ||
      nc_open(input_path, NC_NOWRITE, &ncid) != NC_NOERR)
    return;
  cs_ncout *out = NULL;
  unsigned char *done = malloc(cs_ncout_chunk_count(s->n_patients, chunk_size));
  if (done != NULL && cs_ncout_open(ncid, cohort, &info, &out, &err) == CS_OK)
    cs_ncout_read_done(out, done, &err);
  cs_ncout_destroy(&out);
  free(done);
  nc_close(ncid);
}

/* The number of file descriptors open in this process. */
static int open_files(void)
{
  DIR *dir = opendir("/proc/self/fd");
  int n = 0;
  if (dir == NULL)
    return 0;
  while (readdir(dir) != NULL)
    n++;
  closedir(dir);
  return n;
}

/* Runs every reader on input_path, a file of seed s's run. */
static void run_readers(size_t s)
{
  cs_error err = {0};
  cs_summary_print(input_path, fuzz_sink(), &err);
  err = (cs_error){0};
  cs_verify_file(input_path, 1, fuzz_sink(), &err);
  err = (cs_error){0};
  const char *shards[] = {input_path};
  cs_merge_shards(1, shards, merged_path, &err);
  unlink(merged_path);
  err = (cs_error){0};
  const cs_analysis_request analysis = {.path = input_path};
  cs_analysis_run(&analysis, fuzz_sink(), &err);
  if (seeds[s].shard_count == 1)
    resume(&seeds[s], seed_cohort[s]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!write_edited_seed(data, size))
    return 0;
  const int files_before = open_files();
  run_readers(size > 0 ? data[0] % N_SEEDS : 0);
  /* A reader that leaves its file open on some path leaks a handle per run. */
  if (open_files() > files_before) {
    fprintf(stderr, "fuzz_netcdf: a reader left a file open\n");
    abort();
  }
  return 0;
}

/* ---- set-up -------------------------------------------------------------------------- */

/* HDF5 keeps a few small blocks of a file it failed to open until it shuts down, which
 * LeakSanitizer reports after every such input: those are HDF5's, not findings here. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
  return "leak:libhdf5\n";
}

static void fail_setup(const char *what, const char *detail)
{
  fprintf(stderr, "cohortsim fuzz_netcdf: %s: %s\n", what, detail);
  exit(1);
}

static void remove_files(void)
{
  unlink(input_path);
  unlink(merged_path);
  rmdir(work_dir);
}

/* The last exit handler to be registered, so the first to run when libFuzzer ends a
 * session normally (exit(0); its findings end the process with _Exit, which runs no
 * handler): it removes the work files and ends the process before HDF5's own exit
 * handler. That handler (H5_term_library, Debian 12's HDF5 1.10.8) crashed in
 * H5F__close_cb at the end of some fuzzing sessions of minutes although no input had
 * left an HDF5 file open (H5Fget_obj_count before and after every input showed none):
 * docs/reliability.md lists it among the findings not yet understood. */
static void end_session(void)
{
  remove_files();
  _exit(0);
}

static void load_seeds(void)
{
  for (size_t s = 0; s < N_SEEDS; s++) {
    char path[4096];
    cs_error err = {0};
    snprintf(path, sizeof path, "%s/tests/fuzz/seeds/%s", CS_FUZZ_SOURCE_DIR, seeds[s].file);
    seed_bytes[s] = fuzz_read_file(path, &seed_size[s]);
    if (seed_bytes[s] == NULL)
      fail_setup("cannot read", path);
    const char *sets[] = {seeds[s].set};
    snprintf(path, sizeof path, "%s/tests/data/%s", CS_FUZZ_SOURCE_DIR, seeds[s].cohort);
    if (cs_cohort_load_file(path, seeds[s].set != NULL, sets, &seed_cohort[s], &err) != CS_OK)
      fail_setup("loading a seed's cohort", err.message);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  /* HDF5 locks files it opens; a lock left by an input that crashed HDF5 must not fail
   * the next one. */
  setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
  if (mkdtemp(work_dir) == NULL) {
    memcpy(work_dir, fallback_dir, sizeof fallback_dir);
    if (mkdtemp(work_dir) == NULL)
      fail_setup("mkdtemp", work_dir);
  }
  snprintf(merged_path, sizeof merged_path, "%s/merged.nc", work_dir);
  load_seeds();
  /* Once on an unedited seed, so that what the libraries open for good on first use
   * (and the sink) is open before LLVMFuzzerTestOneInput counts open files. */
  const uint8_t first_seed = 0;
  if (!write_edited_seed(&first_seed, 1))
    fail_setup("cannot write", input_path);
  run_readers(0);
  atexit(end_session); /* after HDF5 registered its handler on first use */
  return 0;
}
