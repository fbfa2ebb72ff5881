/* `cohortsim summary OUT.nc`: the per-arm table a clinician-scientist reads first. */
#ifndef COHORTSIM_SUMMARY_H
#define COHORTSIM_SUMMARY_H

#include <stdio.h>

#include "cohortsim/status.h"

/* Reads a finished output file and prints, per arm: patients, cleared % with its 95%
 * interval, median OS with its interval, OS and RFS at the end of follow-up, then the
 * log-rank p-values between arms. */
cs_status cs_summary_print(const char *path, FILE *out, cs_error *err);

#endif
