#include "cohortsim/trajectory.h"

#include <math.h>
#include <stdlib.h>

#include "cohortsim/events.h"
#include "cohortsim/records.h"

cs_status cs_trajectory_create(const cs_model *model, cs_trajectory **trajectory, cs_error *err)
{
  const cs_cohort *cohort = cs_model_cohort(model);
  *trajectory = NULL;
  cs_trajectory *tr = calloc(1, sizeof *tr);
  if (tr == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating a trajectory");
  tr->model = model;
  tr->n_grid = cs_outcome_grid_size(cohort);
  tr->counts = calloc((size_t)cohort->n_species, sizeof *tr->counts);
  tr->grid = calloc(tr->n_grid, sizeof *tr->grid);
  tr->quantity_column =
      calloc((size_t)(cohort->n_species + cohort->n_observables), sizeof *tr->quantity_column);
  tr->grid_concentrations = calloc((size_t)cohort->n_drugs + 1, sizeof *tr->grid_concentrations);
  if (tr->counts == NULL || tr->grid == NULL || tr->quantity_column == NULL ||
      tr->grid_concentrations == NULL || cs_pk_create(cohort->n_drugs, &tr->pk, err) != CS_OK ||
      cs_event_run_create(cohort, &tr->events, err) != CS_OK) {
    cs_trajectory_destroy(&tr);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory allocating a trajectory");
  }
  cs_outcome_grid(cohort, tr->grid);
  cs_records_quantity_columns(cohort, tr->quantity_column);
  *trajectory = tr;
  return CS_OK;
}

void cs_trajectory_destroy(cs_trajectory **trajectory)
{
  if (trajectory == NULL || *trajectory == NULL)
    return;
  cs_trajectory *tr = *trajectory;
  free(tr->counts);
  free(tr->grid);
  free(tr->quantity_column);
  free(tr->grid_concentrations);
  cs_pk_destroy(&tr->pk);
  cs_event_run_destroy(&tr->events);
  free(tr);
  *trajectory = NULL;
}

void cs_trajectory_begin(cs_trajectory *tr, cs_kinetics *kinetics, const cs_schedule *schedule,
                         cs_record *record)
{
  const cs_cohort *cohort = cs_model_cohort(tr->model);
  tr->kinetics = kinetics;
  tr->schedule = schedule;
  tr->record = record;
  tr->t = 0;
  tr->t_end = cohort->followup_days;
  tr->next_dose = 0;
  tr->params_changed = false;
  tr->restart = false;
  for (int s = 0; s < cohort->n_species; s++)
    tr->counts[s] = kinetics->initial[s];
  cs_pk_reset(tr->pk, kinetics->elimination);
  tr->burden = cs_model_burden(tr->model, tr->counts);
  tr->final = cs_outcome_begin(&tr->watch, cohort, tr->grid, tr->n_grid,
                               cs_model_clearance_absorbing(tr->model), tr->burden,
                               cohort->n_reactions, cohort->n_species, record);
  for (int s = 0; s < cohort->n_species; s++)
    record->species_peak[s] = (double)tr->counts[s];
  if (tr->sampler != NULL) {
    tr->sampler->next_time = 0;
    tr->sampler->next_index = 0;
  }
  tr->next_watch_time = -INFINITY; /* sample what is due at time 0 on the first pass */
}

void cs_trajectory_set_sampler(cs_trajectory *tr, cs_trajectory_sampler *sampler)
{
  tr->sampler = sampler;
}

static void emit_sample(cs_trajectory *tr, double t)
{
  cs_trajectory_sampler *sampler = tr->sampler;
  cs_pk_concentration(tr->pk, fmax(t, tr->pk->t_ref), sampler->concentrations);
  sampler->emit(sampler->context, t, tr->counts, sampler->concentrations);
}

/* Stores the species and observables at grid points [first, last) of the record: the
 * current counts, and the drugs at time t_drugs (the grid point itself while the
 * simulation runs; the stop after it, as the last state is held). */
static void sample_grid(cs_trajectory *tr, size_t first, size_t last, double t_drugs)
{
  const cs_cohort *c = cs_model_cohort(tr->model);
  cs_record *record = tr->record;
  const size_t n_recorded = (size_t)c->n_recorded;
  const size_t n_unrecorded = (size_t)cs_records_n_unrecorded(c);
  for (size_t k = first; k < last; k++) {
    double *recorded = &record->record_value[k * n_recorded];
    double *unrecorded = &record->unrecorded_value[k * n_unrecorded];
    const double t = isnan(t_drugs) ? tr->grid[k] : t_drugs;
    if (c->n_observables > 0)
      cs_pk_concentration(tr->pk, fmax(t, tr->pk->t_ref), tr->grid_concentrations);
    const cs_formula_state state = {.param = tr->kinetics->param,
                                    .count = tr->counts,
                                    .drug = tr->grid_concentrations,
                                    .time = t};
    for (int q = 0; q < c->n_species + c->n_observables; q++) {
      const int column = tr->quantity_column[q];
      if (column == CS_RECORDS_NOT_STORED)
        continue;
      const double value = q < c->n_species
                               ? (double)tr->counts[q]
                               : cs_formula_eval(c->observable[q - c->n_species].formula, &state);
      if (column >= 0)
        recorded[column] = value;
      else
        unrecorded[-1 - column] = value;
    }
  }
}

void cs_trajectory_pass_slow(cs_trajectory *tr, double t)
{
  const size_t first = tr->watch.next_grid;
  cs_outcome_advance(&tr->watch, t);
  sample_grid(tr, first, tr->watch.next_grid, NAN);
  double next = tr->watch.next_grid < tr->watch.n_grid ? tr->grid[tr->watch.next_grid] : INFINITY;
  cs_trajectory_sampler *sampler = tr->sampler;
  if (sampler != NULL) {
    while (sampler->next_time < t && sampler->next_time <= tr->t_end) {
      emit_sample(tr, sampler->next_time);
      sampler->next_time = (double)++sampler->next_index * sampler->every_days;
    }
    next = fmin(next, sampler->next_time);
  }
  tr->next_watch_time = next;
}

/* A dose into a species: round(amount) copies added at once. */
static cs_status dose_species(cs_trajectory *tr, int species, double amount, cs_error *err)
{
  const double count = (double)tr->counts[species] + round(amount);
  CS_CHECK(count <= (double)CS_COUNT_MAX, err, CS_ERR_NUMERIC,
           "day %g: a dose of %g copies of species '%s' makes %g, beyond %g", tr->t, amount,
           cs_model_cohort(tr->model)->species[species].name, count, (double)CS_COUNT_MAX);
  cs_trajectory_pass(tr, tr->t);
  tr->counts[species] = (int64_t)count;
  cs_trajectory_changed(tr, tr->t);
  return CS_OK;
}

/* The plan of the arm's that a dose comes from. */
static const cs_dose_plan *plan_of(const cs_trajectory *tr, const cs_dose *dose)
{
  const cs_arm *arm = &cs_model_cohort(tr->model)->arm[tr->arm];
  int p = 0;
  while (p + 1 < arm->n_doses &&
         (arm->dose[p].drug != dose->drug || arm->dose[p].species != dose->species))
    p++;
  return &arm->dose[p];
}

static cs_status apply_doses(cs_trajectory *tr, cs_error *err)
{
  const cs_schedule *schedule = tr->schedule;
  while (tr->next_dose < schedule->n_doses && schedule->dose[tr->next_dose].t_days <= tr->t) {
    const cs_dose *dose = &schedule->dose[tr->next_dose++];
    /* The amount planned, unless an event has set a parameter since, which it may read. */
    const cs_dose_plan *plan = tr->params_changed ? plan_of(tr, dose) : NULL;
    const double amount =
        plan != NULL ? cs_expr_eval(&plan->amount, tr->kinetics->param) : dose->amount_ec50;
    CS_CHECK(isfinite(amount) && amount >= 0, err, CS_ERR_COHORT,
             "day %g: the dose amount of '%s' evaluates to %g with the parameters events set; "
             "it must be finite and >= 0",
             tr->t, plan != NULL ? cs_dose_plan_target(cs_model_cohort(tr->model), plan) : "?",
             amount);
    if (dose->drug >= 0)
      cs_pk_dose(tr->pk, tr->t, dose->drug, amount);
    else
      CS_CALL(dose_species(tr, dose->species, amount, err));
  }
  return CS_OK;
}

cs_status cs_trajectory_stop(cs_trajectory *tr, double *t_stop, cs_error *err)
{
  const cs_schedule *schedule = tr->schedule;
  CS_CALL(apply_doses(tr, err));
  CS_CALL(cs_events_fire_timed(tr, err));
  CS_CALL(cs_events_check(tr, err));
  double next = fmin(tr->t_end, cs_events_next_time(tr->events));
  if (tr->next_dose < schedule->n_doses && schedule->dose[tr->next_dose].t_days < next)
    next = schedule->dose[tr->next_dose].t_days;
  *t_stop = next;
  return CS_OK;
}

void cs_trajectory_changed(cs_trajectory *tr, double t)
{
  const int n_species = cs_model_cohort(tr->model)->n_species;
  for (int s = 0; s < n_species; s++)
    if ((double)tr->counts[s] > tr->record->species_peak[s])
      tr->record->species_peak[s] = (double)tr->counts[s];
  tr->burden = cs_model_burden(tr->model, tr->counts);
  tr->final = cs_outcome_update(&tr->watch, t, tr->burden);
}

void cs_trajectory_end(cs_trajectory *tr)
{
  /* Samples due before the stop saw the state as it was; the stop itself is the last. */
  cs_trajectory_pass(tr, tr->t);
  if (tr->sampler != NULL && tr->sampler->next_time - tr->sampler->every_days < tr->t)
    emit_sample(tr, tr->t);
  const size_t first = tr->watch.next_grid;
  cs_outcome_end(&tr->watch);
  sample_grid(tr, first, tr->n_grid, tr->t);
}
