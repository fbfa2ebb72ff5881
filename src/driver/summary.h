/* `cohortsim summary OUT.nc`: the per-arm table a clinician-scientist reads first. */
#ifndef COHORTSIM_SUMMARY_H
#define COHORTSIM_SUMMARY_H

#include <stdio.h>

#include "cohortsim/status.h"

/* Reads a finished output file and prints, per arm: patients, cleared % with its 95%
 * interval, median OS with its interval, OS and RFS at the end of follow-up, then the
 * log-rank p-values between arms. The file is checked first (cs_ncfile_open): one that
 * differs from its schema, or is incomplete, is CS_ERR_BAD_FILE and prints nothing. It
 * prints the statistics the file holds; `verify` recomputes them from the records. */
cs_status cs_summary_print(const char *path, FILE *out, cs_error *err);

#endif
