#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* A terminal is redrawn every second; a log file gets a line every 30 seconds, so a
 * day-long job leaves a few thousand lines, not millions. */
#define CS_PROGRESS_TERMINAL_SECONDS 1.0
#define CS_PROGRESS_LOG_SECONDS 30.0

static double now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void format_duration(double seconds, char *out, size_t size)
{
  const long s = (long)(seconds + 0.5);
  if (s >= 3600)
    snprintf(out, size, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    snprintf(out, size, "%ldm%02lds", s / 60, s % 60);
  else
    snprintf(out, size, "%lds", s);
}

static void print_line(const cs_progress *p, size_t done, const char *end)
{
  const double elapsed = now_seconds() - p->t_start;
  const double rate = elapsed > 0 ? (double)done / elapsed : 0;
  char eta[32] = "?", spent[32];
  if (rate > 0)
    format_duration((double)(p->total - done) / rate, eta, sizeof eta);
  format_duration(elapsed, spent, sizeof spent);
  fprintf(stderr, "%s%s: %zu/%zu patients (%.0f%%), %.1f patients/s, elapsed %s, ETA %s%s",
          p->terminal ? "\r" : "", p->label, done, p->total,
          p->total > 0 ? 100.0 * (double)done / (double)p->total : 100.0, rate, spent, eta, end);
  fflush(stderr);
}

void cs_progress_begin(cs_progress *p, const char *label, size_t total, bool enabled)
{
  *p = (cs_progress){.enabled = enabled,
                     .terminal = isatty(STDERR_FILENO) == 1,
                     .total = total,
                     .t_start = now_seconds(),
                     .label = label};
  p->t_last = p->t_start;
}

void cs_progress_update(cs_progress *p, size_t done)
{
  if (!p->enabled)
    return;
  /* Counted in whole chunks, done can pass the total by part of the last one. */
  done = done < p->total ? done : p->total;
  const double t = now_seconds();
  const double every = p->terminal ? CS_PROGRESS_TERMINAL_SECONDS : CS_PROGRESS_LOG_SECONDS;
  if (t - p->t_last < every)
    return;
  p->t_last = t;
  print_line(p, done, p->terminal ? "" : "\n");
}

void cs_progress_end(cs_progress *p, size_t done)
{
  if (p->enabled)
    print_line(p, done, "\n");
}
