/* `cohortsim verify`: re-simulate patients from an output file alone and compare. */
#ifndef COHORTSIM_VERIFY_H
#define COHORTSIM_VERIFY_H

#include <stddef.h>
#include <stdio.h>

#include "cohortsim/status.h"

/* Reloads the cohort from the file (the embedded cohort text and its --set arguments,
 * seed, patient count), re-simulates `sample` patients spread evenly over the file (0:
 * all of them), writes each through the same schema into an in-memory file and compares
 * every per-patient variable bit for bit. Prints progress and the verdict to `report`.
 * A difference is CS_ERR_MISMATCH naming the first differing patient, arm and variable;
 * a file from another cohortsim version is CS_ERR_USAGE (its numbers may legitimately
 * differ). */
cs_status cs_verify_file(const char *path, size_t sample, FILE *report, cs_error *err);

#endif
