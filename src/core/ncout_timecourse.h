/* Private to ncout.c: the time courses of species and observables in the output file
 * (docs/user-guide.md, "Time courses"): per-patient values on the reporting grid and
 * their statistics over patients. */
#ifndef COHORTSIM_NCOUT_TIMECOURSE_H
#define COHORTSIM_NCOUT_TIMECOURSE_H

#include <stddef.h>

#include "cohortsim/cohort.h"
#include "cohortsim/records.h"
#include "cohortsim/status.h"

/* The dimension ids ncout.c defined that the time courses use. */
typedef struct cs_timecourse_dims {
  int arm, patient, time, species, quantile;
} cs_timecourse_dims;

/* Defines (file `ncid` in define mode) the dimensions observable, recorded and
 * unrecorded, their name coordinates, record_value and unrecorded_value per patient,
 * and species_mean, species_sd, species_quantiles and the same for observables. A
 * dimension that would have length 0 (NetCDF's unlimited) is left out, with the
 * variables on it. */
cs_status cs_timecourse_define(int ncid, const cs_cohort *cohort, const cs_timecourse_dims *dims,
                               cs_error *err);

/* Writes the name coordinates. */
cs_status cs_timecourse_write_coordinates(int ncid, const cs_cohort *cohort, cs_error *err);

/* Writes patients [offset, offset + count) of a block, the first of them at index
 * `file_index` of the file's patient dimension. */
cs_status cs_timecourse_write_patients(int ncid, const cs_records *records, size_t offset,
                                       size_t count, size_t file_index, cs_error *err);

/* Computes the statistics over the n_patients patients of file `records_ncid` (mean,
 * sample SD, and type 7 quantiles at `levels`, n_levels of them) of every species and
 * observable, per arm and grid time, and writes them into file `ncid`. A pure function
 * of the records: each column of patients is sorted before anything is summed. */
cs_status cs_timecourse_write_statistics(int ncid, const cs_cohort *cohort, int records_ncid,
                                         size_t n_patients, const double *levels, size_t n_levels,
                                         cs_error *err);

#endif
