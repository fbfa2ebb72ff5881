/* Output files read back, never trusted: every reader (verify, summary, merge, run
 * --resume) checks a file against the schema that the file's own embedded cohort and run
 * attributes imply before it reads a value, so no dimension length, type or attribute in
 * a file can make it read past a buffer or take a wrong file for a right one.
 *
 * The expected schema is not described a second time: it is what cs_ncout_define makes
 * for that cohort and run, in an in-memory file, compared dimension by dimension,
 * variable by variable and attribute by attribute.
 */
#ifndef COHORTSIM_NCSCHEMA_H
#define COHORTSIM_NCSCHEMA_H

#include <stddef.h>

#include "cohortsim/cohort.h"
#include "cohortsim/ncout.h"
#include "cohortsim/status.h"

/* Checks that file `ncid` (named `path` in messages) has exactly the dimensions and
 * variables cs_ncout_define gives for `cohort` and `info`: each dimension's length, each
 * variable's type, dimensions and attributes, and each global attribute's type; the
 * global attributes that define the data (all but provenance: host, times, ranks, SLURM
 * ids, cohort path, git revision) also by value. Attributes that only finalize writes
 * (the run's end) are not required. A difference is CS_ERR_BAD_FILE naming the
 * dimension, variable or attribute with what was expected and what was found. */
cs_status cs_ncschema_check(int ncid, const char *path, const cs_cohort *cohort,
                            const cs_run_info *info, cs_error *err);

/* A cohortsim output file open for reading, checked against its schema. */
typedef struct cs_ncfile {
  int ncid;
  const char *path;  /* as given to cs_ncfile_open; not owned */
  cs_cohort *cohort; /* reloaded from the attributes cohort_yaml and override_list */
  cs_run_info info;  /* seed, patients, shard and chunking, from the run attributes */
  char **sets;       /* the storage of info.sets */
  size_t n_chunks;
  size_t chunks_done; /* chunks whose chunk_done flag is 1 */
} cs_ncfile;

/* Opens `path` read-only, reads the run attributes (each of its type, the shard and
 * chunking consistent with the patient count), reloads the embedded cohort, checks the
 * file with cs_ncschema_check and counts the chunks done. Errors: CS_ERR_NETCDF (cannot
 * open), CS_ERR_BAD_FILE (not a cohortsim output, a malformed attribute, an embedded
 * cohort that does not load, a schema mismatch), CS_ERR_USAGE (written by another
 * cohortsim version, whose numbers and schema may legitimately differ), CS_ERR_NOMEM.
 * Close with cs_ncfile_close. */
cs_status cs_ncfile_open(const char *path, cs_ncfile **file, cs_error *err);

/* CS_ERR_BAD_FILE, saying how many chunks are done out of how many, unless every chunk
 * is done and the run was finalized (the attribute `ended`, written last): a partial
 * file holds fill values where statistics and unfinished patients will be. */
cs_status cs_ncfile_require_complete(const cs_ncfile *file, cs_error *err);

/* Closes the file and frees everything; accepts NULL and sets *file to NULL. */
void cs_ncfile_close(cs_ncfile **file);

#endif
