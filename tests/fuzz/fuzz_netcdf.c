/* libFuzzer harness of the output-file readers: the input is written to a temporary
 * file, which then goes through what `cohortsim summary`, `verify --sample 1` and
 * `merge` (as a single shard) read. Any status is fine; a crash or a sanitizer report
 * is a finding.
 *
 * The coverage libFuzzer sees is cohortsim's own: NetCDF and HDF5 are not instrumented,
 * so mutations that reach deeper into their parsers are not rewarded. Seeds are real
 * outputs (tests/fuzz/corpus/netcdf), so most mutations still open. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohortsim/merge.h"
#include "cohortsim/verify.h"
#include "fuzz_support.h"
#include "summary.h"

static char input_path[] = "/tmp/cohortsim-fuzz-XXXXXX";
static char merged_path[sizeof input_path + 8];

/* HDF5 keeps a few small blocks of a file it failed to open until it shuts down, which
 * LeakSanitizer reports after every such input: those are HDF5's, not findings here. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
  return "leak:libhdf5\n";
}

static void remove_input(void)
{
  unlink(input_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  /* HDF5 locks files it opens; a lock left by an input that crashed HDF5 must not fail
   * the next one. */
  setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
  const int fd = mkstemp(input_path);
  if (fd < 0) {
    perror("cohortsim fuzz_netcdf: mkstemp");
    exit(1);
  }
  close(fd);
  atexit(remove_input);
  snprintf(merged_path, sizeof merged_path, "%s.merged", input_path);
  return 0;
}

/* Writes the input over the temporary file; false if that fails. */
static int write_input(const uint8_t *data, size_t size)
{
  FILE *f = fopen(input_path, "wb");
  if (f == NULL)
    return 0;
  const int ok = fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!write_input(data, size))
    return 0;
  cs_error err = {0};
  cs_summary_print(input_path, fuzz_sink(), &err);
  err = (cs_error){0};
  cs_verify_file(input_path, 1, fuzz_sink(), &err);
  err = (cs_error){0};
  const char *shards[] = {input_path};
  cs_merge_shards(1, shards, merged_path, &err);
  unlink(merged_path);
  return 0;
}
