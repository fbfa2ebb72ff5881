/* Per-patient results of a block of consecutive patients, in every arm, stored as one
 * array per output variable (the layout of the NetCDF file, so a block is written with
 * one call per variable).
 *
 * Per-arm arrays are indexed [arm * n_patients + i], rows of per-arm vectors
 * [(arm * n_patients + i) * width + k], parameters [i * n_params + p], traits
 * [i * n_traits + t], the start delay [i], where i is the patient's index within the
 * block.
 */
#ifndef COHORTSIM_RECORDS_H
#define COHORTSIM_RECORDS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/cohort.h"
#include "cohortsim/outcome.h"
#include "cohortsim/status.h"

typedef struct cs_records {
  size_t first_patient;
  size_t n_patients;
  int n_arms, n_params, n_traits, n_reactions, n_species;
  int n_recorded, n_unrecorded; /* species and observables, in `record` or not */
  size_t n_grid;
  double *param;
  unsigned char *trait; /* 1 = the patient has the trait (same in every arm) */
  double *start_delay;  /* days from enrolment to the start of treatment (every arm) */
  double *os_time, *rfs_time, *clearance_time, *mrd_negative_time, *relapse_time;
  double *final_burden;
  unsigned char *os_event, *rfs_event, *cleared;
  int64_t *events;
  int64_t *reaction_count;
  double *species_peak;
  double *burden;
  /* Rows [grid * n_recorded] and [grid * n_unrecorded]: the recorded quantities in
   * `record` order, the others in quantity order (cs_records_quantity_columns). */
  double *record_value;
  double *unrecorded_value;
} cs_records;

/* The quantities whose time courses are kept in unrecorded_value: those not in
 * `record`, unless the cohort has no time-course statistics (then none). */
int cs_records_n_unrecorded(const cs_cohort *cohort);

/* column[q] of a quantity whose time course is not kept at all. */
#define CS_RECORDS_NOT_STORED INT_MIN

/* Where each quantity's time course is kept (quantities as in cs_cohort.recorded):
 * column[q] >= 0 is its column of record_value, CS_RECORDS_NOT_STORED nowhere, and any
 * other column[q] < 0 is column -1 - column[q] of unrecorded_value. `column` has
 * n_species + n_observables entries. */
void cs_records_quantity_columns(const cs_cohort *cohort, int *column);

/* Allocates a zeroed block of records for patients first_patient ..
 * first_patient + n_patients - 1 (n_patients may be 0). CS_ERR_NOMEM leaves *records
 * NULL. The caller owns the block (cs_records_destroy). */
cs_status cs_records_create(const cs_cohort *cohort, size_t first_patient, size_t n_patients,
                            cs_records **records, cs_error *err);

/* Frees; accepts NULL and sets *records to NULL. */
void cs_records_destroy(cs_records **records);

/* The memory the records of one patient take in a block. */
size_t cs_records_patient_bytes(const cs_cohort *cohort);

/* A record whose arrays are the rows of patient i (within the block) in `arm`. */
cs_record cs_records_row(const cs_records *records, int arm, size_t i);

/* The per-patient (not per-arm) rows of patient i within the block: its parameter
 * values [n_params] and trait flags [n_traits]. */
double *cs_records_param_row(const cs_records *records, size_t i);
unsigned char *cs_records_trait_row(const cs_records *records, size_t i);

/* Copies a finished record's scalars into the block (its arrays are already rows). */
void cs_records_store(cs_records *records, int arm, size_t i, const cs_record *record);

#endif
