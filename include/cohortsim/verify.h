/* `cohortsim verify`: re-simulate patients from an output file alone and compare. */
#ifndef COHORTSIM_VERIFY_H
#define COHORTSIM_VERIFY_H

#include <stddef.h>
#include <stdio.h>

#include "cohortsim/status.h"

/* Opens the file checked against the schema its embedded cohort implies
 * (cs_ncfile_open; a malformed file is CS_ERR_BAD_FILE, one of another cohortsim version
 * CS_ERR_USAGE) and refuses a partial one (CS_ERR_BAD_FILE, with the chunks done). Then
 * re-simulates `sample` patients spread evenly over the file (0: all of them), writes
 * each through the same schema into an in-memory file and compares every per-patient
 * variable bit for bit; and recomputes the coordinates, cohort statistics and burden
 * quantiles from all the file's records into that in-memory file and compares each
 * variable whole, bit for bit (so a NaN equals only the writer's NaN). Prints the
 * verdict to `report`. A difference is CS_ERR_MISMATCH naming the first differing
 * variable, with the patient and arm, or the arm. */
cs_status cs_verify_file(const char *path, size_t sample, FILE *report, cs_error *err);

#endif
