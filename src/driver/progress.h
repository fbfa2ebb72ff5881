/* Progress lines on stderr for long runs: patients done, rate and ETA. On a terminal
 * one line is redrawn; otherwise (a SLURM log) a full line is printed now and then. */
#ifndef COHORTSIM_PROGRESS_H
#define COHORTSIM_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cs_progress {
  bool enabled;
  bool terminal;
  size_t total;
  double t_start;
  double t_last;
  const char *label;
} cs_progress;

void cs_progress_begin(cs_progress *progress, const char *label, size_t total, bool enabled);
void cs_progress_update(cs_progress *progress, size_t done);
void cs_progress_end(cs_progress *progress, size_t done);

#endif
