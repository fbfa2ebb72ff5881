/* `cohortsim report`: one self-contained HTML page describing a finished run, made from
 * the output file alone (docs/report.md): provenance, the per-arm table, Kaplan-Meier
 * curves with numbers at risk, burden fans, species time courses, the regressions' forest
 * plots, the sensitivity ranking, subgroup curves and the sweep heat map. The statistics
 * are the analysis layer's (cohortsim/analysis.h); figures are inline SVG, so the page
 * needs no network and no other file. */
#ifndef COHORTSIM_REPORT_H
#define COHORTSIM_REPORT_H

#include "cohortsim/status.h"

typedef struct cs_report_request {
  const char *path;        /* a finished output file (OUT.nc) */
  const char *by;          /* covariate whose tertiles form subgroups; NULL: none */
  const char *output_path; /* the page; NULL: path with .nc replaced by .html */
} cs_report_request;

/* Reads and checks the file (cs_ncfile_open, cs_ncfile_require_complete), analyses every
 * arm and writes the page to output_path.partial, renamed into place when complete, so a
 * failure leaves no half page under the name. Errors: CS_ERR_BAD_FILE for a malformed or
 * partial file; CS_ERR_USAGE for a shard, an unknown `by` covariate or one without
 * variation; CS_ERR_IO for a page that cannot be written; CS_ERR_NETCDF, CS_ERR_NOMEM.
 * Deterministic: the same file gives the same page. */
cs_status cs_report_write(const cs_report_request *request, cs_error *err);

#endif
