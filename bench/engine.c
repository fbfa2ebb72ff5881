/* The simulation engines alone, without MPI start-up or the output file: simulates
 * patients 0..N-1 of a cohort on one core and prints the CPU time, the events and the
 * time per patient. For the harness (bench/run.sh), which sets it beside the whole
 * `cohortsim run` process, and for measuring a change to an engine in isolation.
 *
 * Usage: cohortsim-bench-engine COHORT.yaml PATIENTS [SEED] [KEY=VALUE ...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cohortsim/cohort.h"
#include "cohortsim/model.h"
#include "cohortsim/patient.h"
#include "cohortsim/records.h"

static double cpu_seconds(void)
{
  struct timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s COHORT.yaml PATIENTS [SEED] [KEY=VALUE ...]\n", argv[0]);
    return 2;
  }
  const size_t n_patients = strtoull(argv[2], NULL, 10);
  const uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
  const int n_sets = argc > 4 ? argc - 4 : 0;
  cs_error err = {0};
  cs_cohort *cohort = NULL;
  cs_model *model = NULL;
  cs_patient_sim *sim = NULL;
  cs_records *records = NULL;
  if (cs_cohort_load_file(argv[1], n_sets, (const char *const *)argv + 4, &cohort, &err) != CS_OK ||
      cs_model_create(cohort, &model, &err) != CS_OK ||
      cs_patient_sim_create(model, &sim, &err) != CS_OK ||
      cs_records_create(cohort, 0, n_patients, &records, &err) != CS_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  const double start = cpu_seconds();
  for (size_t i = 0; i < n_patients; i++)
    if (cs_patient_sim_run(sim, seed, i, records, &err) != CS_OK) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
  const double seconds = cpu_seconds() - start;
  double events = 0;
  for (size_t k = 0; k < n_patients * (size_t)cohort->n_arms; k++)
    events += (double)records->events[k];
  const size_t patient_arms = n_patients * (size_t)cohort->n_arms;
  printf("patients=%zu arms=%d events=%.0f cpu_seconds=%.3f ns_per_event=%.2f "
         "ms_per_patient_arm=%.3f\n",
         n_patients, cohort->n_arms, events, seconds, 1e9 * seconds / events,
         1e3 * seconds / (double)patient_arms);
  cs_records_destroy(&records);
  cs_patient_sim_destroy(&sim);
  cs_model_destroy(&model);
  cs_cohort_destroy(&cohort);
  return 0;
}
