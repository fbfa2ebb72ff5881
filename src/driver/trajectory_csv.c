#include "trajectory_csv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
#include "cohortsim/model.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"

typedef struct csv_context {
  FILE *out;
  int n_species, n_drugs;
} csv_context;

static void emit_row(void *context, double t, const int64_t *counts, const double *conc)
{
  const csv_context *csv = context;
  fprintf(csv->out, "%.10g", t);
  for (int s = 0; s < csv->n_species; s++)
    fprintf(csv->out, ",%" PRId64, counts[s]);
  for (int d = 0; d < csv->n_drugs; d++)
    fprintf(csv->out, ",%.10g", conc[d]);
  fputc('\n', csv->out);
}

static void write_header(FILE *out, const cs_cohort *cohort)
{
  fputs("time_days", out);
  for (int s = 0; s < cohort->n_species; s++)
    fprintf(out, ",%s", cohort->species[s].name);
  for (int d = 0; d < cohort->n_drugs; d++)
    fprintf(out, ",%s_ec50", cohort->drug[d].name);
  fputc('\n', out);
}

static cs_status trace(const cs_cohort *cohort, const cs_trajectory_request *request, int arm,
                       FILE *out, cs_error *err)
{
  cs_model *model = NULL;
  cs_patient_sim *sim = NULL;
  cs_records *records = NULL;
  double *concentrations = calloc((size_t)cohort->n_drugs + 1, sizeof *concentrations);
  cs_status status = concentrations == NULL ? cs_error_set(err, CS_ERR_NOMEM, "out of memory")
                                            : cs_model_create(cohort, &model, err);
  if (status == CS_OK)
    status = cs_patient_sim_create(model, &sim, err);
  if (status == CS_OK)
    status = cs_records_create(cohort, request->patient, 1, &records, err);
  if (status == CS_OK) {
    csv_context csv = {.out = out, .n_species = cohort->n_species, .n_drugs = cohort->n_drugs};
    cs_trajectory_sampler sampler = {.every_days = request->every_days > 0
                                                       ? request->every_days
                                                       : cohort->report_every_days / 10,
                                     .emit = emit_row,
                                     .context = &csv,
                                     .concentrations = concentrations};
    write_header(out, cohort);
    status =
        cs_patient_sim_trace(sim, request->seed, request->patient, arm, &sampler, records, err);
  }
  cs_records_destroy(&records);
  cs_patient_sim_destroy(&sim);
  cs_model_destroy(&model);
  free(concentrations);
  return status;
}

cs_status cs_trajectory_csv_write(const cs_trajectory_request *request, cs_error *err)
{
  cs_cohort *cohort = NULL;
  CS_CALL(cs_cohort_load_file(request->cohort_path, request->n_sets, request->sets, &cohort, err));
  const int arm = cs_cohort_find_arm(cohort, request->arm);
  cs_status status = CS_OK;
  if (arm < 0) {
    char names[1024] = "";
    for (int a = 0; a < cohort->n_arms; a++) {
      strncat(names, a > 0 ? ", " : "", sizeof names - strlen(names) - 1);
      strncat(names, cohort->arm[a].name, sizeof names - strlen(names) - 1);
    }
    status = cs_error_set(err, CS_ERR_USAGE, "no arm '%s' in %s (arms: %s)", request->arm,
                          request->cohort_path, names);
  }
  FILE *out = stdout;
  if (status == CS_OK && request->output_path != NULL &&
      (out = fopen(request->output_path, "w")) == NULL)
    status = cs_error_set(err, CS_ERR_IO, "cannot write '%s': %s", request->output_path,
                          strerror(errno));
  if (status == CS_OK) {
    status = trace(cohort, request, arm, out, err);
    if (out != stdout && fclose(out) != 0 && status == CS_OK)
      status = cs_error_set(err, CS_ERR_IO, "cannot write '%s': %s", request->output_path,
                            strerror(errno));
  }
  cs_cohort_destroy(&cohort);
  return status;
}
