#include "output_path.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

bool cs_output_path_exists(const char *path)
{
  struct stat st;
  return lstat(path, &st) == 0;
}

/* The directory part of path ("." for a bare name). */
static void directory_of(const char *path, char directory[PATH_MAX])
{
  char copy[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", path);
  snprintf(directory, PATH_MAX, "%s", dirname(copy));
}

static cs_status check_directory(const char *output, const char *directory, cs_error *err)
{
  struct stat st;
  CS_CHECK(stat(directory, &st) == 0, err, CS_ERR_IO,
           "cannot create '%s': directory '%s' does not exist", output, directory);
  CS_CHECK(S_ISDIR(st.st_mode), err, CS_ERR_IO, "cannot create '%s': '%s' is not a directory",
           output, directory);
  CS_CHECK(access(directory, W_OK | X_OK) == 0, err, CS_ERR_IO,
           "cannot create '%s': no permission to write in directory '%s'", output, directory);
  return CS_OK;
}

/* The longest name derived from the output's must fit the file system's limit on one
 * name (NAME_MAX, 255 bytes almost everywhere): a name that fits while its derived
 * names do not would fail only after the run, at the final rename or never. */
static cs_status check_name_length(const char *output, const char *directory, cs_error *err)
{
  char copy[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", output);
  const size_t length = strlen(basename(copy)), suffix = strlen(CS_CREATING_SUFFIX);
  long name_max = pathconf(directory, _PC_NAME_MAX);
  if (name_max <= 0)
    name_max = NAME_MAX;
  CS_CHECK(length + suffix <= (size_t)name_max, err, CS_ERR_IO,
           "output name too long: '%s' has %zu characters, and the name of its checkpoint "
           "file (NAME%s) must fit in the file system's %ld: use at most %zu characters",
           output, length, CS_CREATING_SUFFIX, name_max, (size_t)name_max - suffix);
  return CS_OK;
}

/* What may be at one of the output's names: nothing, or a writable regular file. */
static cs_status check_existing(const char *path, cs_error *err)
{
  struct stat st;
  if (lstat(path, &st) != 0) {
    CS_CHECK(errno == ENOENT, err, CS_ERR_IO, "cannot examine '%s': %s", path, strerror(errno));
    return CS_OK;
  }
  CS_CHECK(!S_ISLNK(st.st_mode), err, CS_ERR_IO,
           "'%s' is a symbolic link: give the path of the file it points to (the output is "
           "renamed into place, which would replace the link, not its target)",
           path);
  CS_CHECK(!S_ISDIR(st.st_mode), err, CS_ERR_IO,
           "'%s' is a directory, where cohortsim must write a file", path);
  CS_CHECK(S_ISREG(st.st_mode), err, CS_ERR_IO,
           "'%s' is not a regular file (a device, FIFO or socket): cohortsim writes regular "
           "files only",
           path);
  /* access() grants root everything, so the mode bits decide as well. */
  CS_CHECK((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) != 0 && access(path, W_OK) == 0, err,
           CS_ERR_IO, "'%s' is read-only: make it writable or choose another -o", path);
  return CS_OK;
}

/* The output must not be one of the inputs (by device and inode, so also through
 * another name or a hard link). */
static cs_status check_not_input(const char *output, int n_inputs, const char *const *inputs,
                                 cs_error *err)
{
  struct stat out, in;
  if (stat(output, &out) != 0)
    return CS_OK;
  for (int i = 0; i < n_inputs; i++)
    CS_CHECK(stat(inputs[i], &in) != 0 || in.st_dev != out.st_dev || in.st_ino != out.st_ino, err,
             CS_ERR_IO, "'%s' is the input file '%s' itself: choose another -o", output, inputs[i]);
  return CS_OK;
}

cs_status cs_output_path_check(const char *output, int n_inputs, const char *const *inputs,
                               cs_error *err)
{
  const size_t length = strlen(output);
  CS_CHECK(length > 0, err, CS_ERR_USAGE, "-o expects a file name, got ''");
  CS_CHECK(output[length - 1] != '/', err, CS_ERR_IO,
           "'%s' names a directory: -o needs a file name", output);
  char directory[PATH_MAX];
  directory_of(output, directory);
  CS_CALL(check_directory(output, directory, err));
  CS_CALL(check_name_length(output, directory, err));
  static const char *const suffixes[] = {"", CS_PARTIAL_SUFFIX, CS_CREATING_SUFFIX, CS_LOCK_SUFFIX};
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s", output, suffixes[i]);
    CS_CALL(check_existing(path, err));
  }
  return check_not_input(output, n_inputs, inputs, err);
}

bool cs_output_disk_full(const char *path, int cause)
{
  if (cause == ENOSPC || cause == EDQUOT || cause == EFBIG)
    return true;
  char directory[PATH_MAX];
  directory_of(path, directory);
  struct statvfs fs;
  return statvfs(directory, &fs) == 0 &&
         (uint64_t)fs.f_bavail * (uint64_t)fs.f_frsize < CS_DISK_FULL_BYTES;
}

/* bytes in decimal units with three significant digits or so: "24.0 GB". */
static void format_bytes(uint64_t bytes, char text[32])
{
  static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
  double value = (double)bytes;
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < sizeof units / sizeof units[0]) {
    value /= 1000;
    unit++;
  }
  snprintf(text, 32, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
}

cs_status cs_output_space_check(const char *path, uint64_t bytes_needed, char *warning,
                                size_t warning_size, cs_error *err)
{
  char directory[PATH_MAX];
  directory_of(path, directory);
  struct statvfs fs;
  warning[0] = '\0';
  /* The estimate is advice: a file system that cannot tell its free space is not
   * refused (a full disk later is still reported as such). */
  if (statvfs(directory, &fs) != 0)
    return CS_OK;
  const uint64_t free_bytes = (uint64_t)fs.f_bavail * (uint64_t)fs.f_frsize;
  char needed_text[32], free_text[32];
  format_bytes(bytes_needed, needed_text);
  format_bytes(free_bytes, free_text);
  CS_CHECK(bytes_needed <= free_bytes, err, CS_ERR_IO,
           "not enough space for '%s': the run needs about %s, its file system has %s free", path,
           needed_text, free_text);
  if (bytes_needed > free_bytes - free_bytes / 10)
    snprintf(warning, warning_size,
             "'%s' needs about %s and its file system has %s free: the run may not fit", path,
             needed_text, free_text);
  return CS_OK;
}
