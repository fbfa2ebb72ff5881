/* Checks of the output path of `cohortsim run` (made by rank 0 before the cohort is
 * loaded or anything simulated, so a path that cannot work fails in seconds) and of
 * `cohortsim merge`.
 *
 * The output is written as OUT.nc.partial (created as OUT.nc.partial.creating and
 * renamed), then renamed to OUT.nc; OUT.nc.lock holds the run's lock. Renaming replaces
 * whatever name it lands on, so only a regular file (or nothing) may be at any of these
 * names: a device, FIFO, socket or directory is refused, and so is a symbolic link,
 * because the rename would replace the link itself, not the file it points to. */
#ifndef COHORTSIM_OUTPUT_PATH_H
#define COHORTSIM_OUTPUT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/status.h"

/* The suffixes of the names derived from OUT.nc. */
#define CS_PARTIAL_SUFFIX ".partial"
#define CS_CREATING_SUFFIX ".partial.creating"
#define CS_LOCK_SUFFIX ".lock"

/* Checks that `output` can be written: a file name (not empty, not ending in '/') in an
 * existing, writable directory; at it and at its derived names nothing or a writable
 * regular file that is not a symbolic link; not one of the command's input files (the
 * cohort, or merge's shards); every derived
 * name within the file system's name length limit. CS_ERR_USAGE for an empty name,
 * CS_ERR_IO naming the path for everything else. The caller has checked that every
 * derived path fits in PATH_MAX. */
cs_status cs_output_path_check(const char *output, int n_inputs, const char *const *inputs,
                               cs_error *err);

/* True if something (even a dangling symbolic link) is at path. */
bool cs_output_path_exists(const char *path);

/* Compares the bytes a run still has to write with the free space of the file system
 * that holds `path`: CS_ERR_IO showing both figures when they cannot fit; when they fit
 * with less than a tenth of the free space to spare, a warning in `warning` (else ""). */
cs_status cs_output_space_check(const char *path, uint64_t bytes_needed, char *warning,
                                size_t warning_size, cs_error *err);

/* Less free space than this (1 MiB) counts as a full disk. */
#define CS_DISK_FULL_BYTES (1u << 20)

/* True if a write to path failed for want of space: errno `cause` says so (ENOSPC,
 * EDQUOT, EFBIG), or the file system has less than CS_DISK_FULL_BYTES free (the errno of
 * a write inside HDF5 and MPI-IO may not survive their error handling). */
bool cs_output_disk_full(const char *path, int cause);

#endif
