#include "cohortsim/patient.h"

#include <stdlib.h>
#include <string.h>

#include "cohortsim/events.h"
#include "cohortsim/leap.h"
#include "cohortsim/population.h"
#include "cohortsim/rng.h"
#include "cohortsim/schedule.h"
#include "cohortsim/ssa.h"
#include "cohortsim/trajectory.h"

struct cs_patient_sim {
  const cs_model *model;
  gsl_rng *rng;
  double *arm_param; /* the patient's parameters with the arm's settings applied */
  cs_kinetics *kinetics;
  cs_schedule *schedule;
  cs_trajectory *trajectory;
  cs_ssa *ssa;
  cs_leap *leap; /* NULL for the exact method */
};

cs_status cs_patient_sim_create(const cs_model *model, cs_patient_sim **sim, cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(model);
  *sim = NULL;
  cs_patient_sim *s = calloc(1, sizeof *s);
  if (s == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating a patient workspace");
  s->model = model;
  s->rng = gsl_rng_alloc(cs_rng_philox);
  s->arm_param = calloc((size_t)cohort->n_params + 1, sizeof *s->arm_param);
  if (s->rng == NULL || s->arm_param == NULL) {
    cs_patient_sim_destroy(&s);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating a patient workspace");
  }
  cs_status status = cs_kinetics_create(model, &s->kinetics, err);
  if (status == CS_OK)
    status = cs_schedule_create(cohort, &s->schedule, err);
  if (status == CS_OK)
    status = cs_trajectory_create(model, &s->trajectory, err);
  if (status == CS_OK)
    status = cs_ssa_create(model, &s->ssa, err);
  if (status == CS_OK && cohort->method == CS_METHOD_HYBRID)
    status = cs_leap_create(model, s->ssa, &s->leap, err);
  if (status != CS_OK) {
    cs_patient_sim_destroy(&s);
    return status;
  }
  *sim = s;
  return CS_OK;
}

void cs_patient_sim_set_stop_flag(cs_patient_sim *sim, const volatile sig_atomic_t *stop)
{
  cs_ssa_set_stop_flag(sim->ssa, stop);
}

void cs_patient_sim_destroy(cs_patient_sim **sim)
{
  if (sim == NULL || *sim == NULL)
    return;
  cs_patient_sim *s = *sim;
  if (s->rng != NULL)
    gsl_rng_free(s->rng);
  free(s->arm_param);
  cs_kinetics_destroy(&s->kinetics);
  cs_schedule_destroy(&s->schedule);
  cs_leap_destroy(&s->leap);
  cs_ssa_destroy(&s->ssa);
  cs_trajectory_destroy(&s->trajectory);
  free(s);
  *sim = NULL;
}

static cs_status run_arm(cs_patient_sim *s, uint64_t seed, size_t patient, int arm,
                         const double *param, cs_records *records, cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(s->model);
  const size_t i = patient - records->first_patient;
  memcpy(s->arm_param, param, (size_t)cohort->n_params * sizeof *param);
  cs_population_apply_arm(cohort, arm, s->arm_param);
  CS_CALL(cs_model_bind(s->model, s->arm_param, s->kinetics, err));
  CS_CALL(cs_schedule_plan(cohort, arm, s->arm_param, s->rng, seed, patient, s->schedule, err));
  /* The delay comes from a stream of its own, the same in every arm. */
  records->start_delay[i] = s->schedule->start_delay_days;
  cs_rng_select_stream(s->rng, seed, patient, CS_STREAM_DYNAMICS, 0);
  cs_record record = cs_records_row(records, arm, i);
  cs_trajectory_begin(s->trajectory, s->kinetics, s->schedule, &record);
  CS_CALL(cs_events_begin(s->trajectory, arm, err));
  CS_CALL(s->leap != NULL ? cs_leap_simulate(s->leap, s->trajectory, s->rng, err)
                          : cs_ssa_simulate(s->ssa, s->trajectory, s->rng, err));
  cs_trajectory_end(s->trajectory);
  cs_records_store(records, arm, i, &record);
  return CS_OK;
}

/* The patient's parameters and traits, the same in every arm. */
static cs_status sample_patient(cs_patient_sim *s, uint64_t seed, size_t patient,
                                cs_records *records, double **param, cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(s->model);
  const size_t i = patient - records->first_patient;
  *param = cs_records_param_row(records, i);
  cs_rng_select_stream(s->rng, seed, patient, CS_STREAM_PARAMS, 0);
  const cs_status status =
      cs_population_sample(cohort, s->rng, *param, cs_records_trait_row(records, i), err);
  if (status != CS_OK)
    cs_error_add_context(err, "patient %zu", patient);
  return status;
}

static cs_status run_arm_in_context(cs_patient_sim *s, uint64_t seed, size_t patient, int arm,
                                    const double *param, cs_records *records, cs_error *err)
{
  const cs_status status = run_arm(s, seed, patient, arm, param, records, err);
  if (status != CS_OK)
    cs_error_add_context(err, "patient %zu, arm '%s'", patient,
                         cs_model_cohort(s->model)->arm[arm].name);
  return status;
}

cs_status cs_patient_sim_run(cs_patient_sim *s, uint64_t seed, size_t patient, cs_records *records,
                             cs_error *err)
{
  double *param;
  CS_CALL(sample_patient(s, seed, patient, records, &param, err));
  for (int arm = 0; arm < cs_model_cohort(s->model)->n_arms; arm++)
    CS_CALL(run_arm_in_context(s, seed, patient, arm, param, records, err));
  return CS_OK;
}

cs_status cs_patient_sim_trace(cs_patient_sim *s, uint64_t seed, size_t patient, int arm,
                               cs_trajectory_sampler *sampler, cs_records *records, cs_error *err)
{
  double *param;
  CS_CALL(sample_patient(s, seed, patient, records, &param, err));
  cs_trajectory_set_sampler(s->trajectory, sampler);
  const cs_status status = run_arm_in_context(s, seed, patient, arm, param, records, err);
  cs_trajectory_set_sampler(s->trajectory, NULL);
  return status;
}
