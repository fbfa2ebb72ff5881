#include "cohortsim/records.h"

#include <stdlib.h>

int cs_records_n_unrecorded(const cs_cohort *cohort)
{
  return cohort->time_course_statistics
             ? cohort->n_species + cohort->n_observables - cohort->n_recorded
             : 0;
}

void cs_records_quantity_columns(const cs_cohort *cohort, int *column)
{
  const int n = cohort->n_species + cohort->n_observables;
  for (int q = 0; q < n; q++)
    column[q] = CS_RECORDS_NOT_STORED;
  for (int k = 0; k < cohort->n_recorded; k++)
    column[cohort->recorded[k]] = k;
  if (!cohort->time_course_statistics)
    return;
  int n_unrecorded = 0;
  for (int q = 0; q < n; q++)
    if (column[q] == CS_RECORDS_NOT_STORED)
      column[q] = -1 - n_unrecorded++;
}

cs_status cs_records_create(const cs_cohort *cohort, size_t first_patient, size_t n_patients,
                            cs_records **records, cs_error *err)
{
  *records = NULL;
  cs_records *r = calloc(1, sizeof *r);
  if (r == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating patient records");
  r->first_patient = first_patient;
  r->n_patients = n_patients;
  r->n_arms = cohort->n_arms;
  r->n_params = cohort->n_params;
  r->n_traits = cohort->n_traits;
  r->n_reactions = cohort->n_reactions;
  r->n_species = cohort->n_species;
  r->n_grid = cs_outcome_grid_size(cohort);
  r->n_recorded = cohort->n_recorded;
  r->n_unrecorded = cs_records_n_unrecorded(cohort);
  /* calloc(0) may return NULL; one extra element keeps an empty block valid. */
  const size_t n = (size_t)cohort->n_arms * n_patients + 1;
  r->param = calloc(n_patients * (size_t)cohort->n_params + 1, sizeof *r->param);
  r->trait = calloc(n_patients * (size_t)cohort->n_traits + 1, sizeof *r->trait);
  r->start_delay = calloc(n_patients + 1, sizeof *r->start_delay);
  r->os_time = calloc(n, sizeof *r->os_time);
  r->rfs_time = calloc(n, sizeof *r->rfs_time);
  r->clearance_time = calloc(n, sizeof *r->clearance_time);
  r->mrd_negative_time = calloc(n, sizeof *r->mrd_negative_time);
  r->relapse_time = calloc(n, sizeof *r->relapse_time);
  r->final_burden = calloc(n, sizeof *r->final_burden);
  r->os_event = calloc(n, sizeof *r->os_event);
  r->rfs_event = calloc(n, sizeof *r->rfs_event);
  r->cleared = calloc(n, sizeof *r->cleared);
  r->events = calloc(n, sizeof *r->events);
  r->reaction_count = calloc(n * (size_t)cohort->n_reactions, sizeof *r->reaction_count);
  r->species_peak = calloc(n * (size_t)cohort->n_species, sizeof *r->species_peak);
  r->burden = calloc(n * r->n_grid, sizeof *r->burden);
  r->record_value = calloc(n * r->n_grid * (size_t)r->n_recorded + 1, sizeof *r->record_value);
  r->unrecorded_value =
      calloc(n * r->n_grid * (size_t)r->n_unrecorded + 1, sizeof *r->unrecorded_value);
  if (r->record_value == NULL || r->unrecorded_value == NULL || r->param == NULL ||
      r->trait == NULL || r->start_delay == NULL || r->os_time == NULL || r->rfs_time == NULL ||
      r->clearance_time == NULL || r->mrd_negative_time == NULL || r->relapse_time == NULL ||
      r->final_burden == NULL || r->os_event == NULL || r->rfs_event == NULL ||
      r->cleared == NULL || r->events == NULL || r->reaction_count == NULL ||
      r->species_peak == NULL || r->burden == NULL) {
    cs_records_destroy(&r);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating records of %zu patients",
                        n_patients);
  }
  *records = r;
  return CS_OK;
}

size_t cs_records_patient_bytes(const cs_cohort *cohort)
{
  const size_t per_arm = 6 * sizeof(double)          /* os, rfs, clearance, mrd, relapse, final */
                         + 3 * sizeof(unsigned char) /* os_event, rfs_event, cleared */
                         + sizeof(int64_t)           /* events */
                         + (size_t)cohort->n_reactions * sizeof(int64_t) +
                         (size_t)cohort->n_species * sizeof(double) +
                         cs_outcome_grid_size(cohort) * sizeof(double) *
                             (1 + (size_t)(cohort->n_recorded + cs_records_n_unrecorded(cohort)));
  return (size_t)cohort->n_params * sizeof(double) + (size_t)cohort->n_traits +
         sizeof(double) /* start delay */ + (size_t)cohort->n_arms * per_arm;
}

void cs_records_destroy(cs_records **records)
{
  if (records == NULL || *records == NULL)
    return;
  cs_records *r = *records;
  free(r->param);
  free(r->trait);
  free(r->start_delay);
  free(r->os_time);
  free(r->rfs_time);
  free(r->clearance_time);
  free(r->mrd_negative_time);
  free(r->relapse_time);
  free(r->final_burden);
  free(r->os_event);
  free(r->rfs_event);
  free(r->cleared);
  free(r->events);
  free(r->reaction_count);
  free(r->species_peak);
  free(r->burden);
  free(r->record_value);
  free(r->unrecorded_value);
  free(r);
  *records = NULL;
}

cs_record cs_records_row(const cs_records *records, int arm, size_t i)
{
  const size_t row = (size_t)arm * records->n_patients + i;
  return (cs_record){
      .reaction_count = &records->reaction_count[row * (size_t)records->n_reactions],
      .species_peak = &records->species_peak[row * (size_t)records->n_species],
      .burden = &records->burden[row * records->n_grid],
      .record_value = &records->record_value[row * records->n_grid * (size_t)records->n_recorded],
      .unrecorded_value =
          &records->unrecorded_value[row * records->n_grid * (size_t)records->n_unrecorded],
  };
}

double *cs_records_param_row(const cs_records *records, size_t i)
{
  return &records->param[i * (size_t)records->n_params];
}

unsigned char *cs_records_trait_row(const cs_records *records, size_t i)
{
  return &records->trait[i * (size_t)records->n_traits];
}

void cs_records_store(cs_records *records, int arm, size_t i, const cs_record *record)
{
  const size_t row = (size_t)arm * records->n_patients + i;
  records->os_time[row] = record->os_time;
  records->rfs_time[row] = record->rfs_time;
  records->clearance_time[row] = record->clearance_time;
  records->mrd_negative_time[row] = record->mrd_negative_time;
  records->relapse_time[row] = record->relapse_time;
  records->final_burden[row] = record->final_burden;
  records->os_event[row] = record->os_event;
  records->rfs_event[row] = record->rfs_event;
  records->cleared[row] = record->cleared;
  records->events[row] = record->events;
}
