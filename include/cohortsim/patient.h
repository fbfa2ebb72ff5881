/* One virtual patient, start to finish: parameters and traits drawn from the patient's
 * own stream, then, in every arm, the arm's settings, the dose schedule with the
 * patient's timing (start delay, jitter, missed doses: schedule.h) and one simulation
 * on the patient's dynamics stream (the same in every arm: common random numbers, so
 * arm differences are not sampling noise). Time 0 is enrolment.
 *
 * This is the data flow of docs/architecture.md: a patient's record is a pure function of
 * (cohort, seed, patient index), whoever computes it.
 */
#ifndef COHORTSIM_PATIENT_H
#define COHORTSIM_PATIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cohortsim/model.h"
#include "cohortsim/records.h"
#include "cohortsim/status.h"
#include "cohortsim/trajectory.h"

/* A per-rank workspace (generator, buffers, engine), reused across patients. */
typedef struct cs_patient_sim cs_patient_sim;

cs_status cs_patient_sim_create(const cs_model *model, cs_patient_sim **sim, cs_error *err);

/* Frees; accepts NULL and sets *sim to NULL. */
void cs_patient_sim_destroy(cs_patient_sim **sim);

/* A flag (a signal handler's, owned by the caller) that, once non-zero, makes the
 * patient in progress fail with CS_ERR_INTERRUPTED within milliseconds; its record is
 * then incomplete and the patient must be simulated again. NULL (the default): none. */
void cs_patient_sim_set_stop_flag(cs_patient_sim *sim, const volatile sig_atomic_t *stop);

/* Simulates patient `patient` (its index in the whole cohort, which must lie in the
 * block) in every arm and stores its parameters, traits, start delay and records in the
 * block. On failure err names the patient and arm. */
cs_status cs_patient_sim_run(cs_patient_sim *sim, uint64_t seed, size_t patient,
                             cs_records *records, cs_error *err);

/* The same patient in one arm only, with its path sent to `sampler` (which needs
 * concentrations[] for every drug): exactly the path cs_patient_sim_run simulates for
 * that arm. For `cohortsim trajectory`. */
cs_status cs_patient_sim_trace(cs_patient_sim *sim, uint64_t seed, size_t patient, int arm,
                               cs_trajectory_sampler *sampler, cs_records *records, cs_error *err);

#endif
