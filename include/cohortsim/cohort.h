/* The cohort: a YAML cohort file parsed, validated and resolved into an immutable
 * description of the model (species, drugs, reactions), the patients' parameters, the
 * arms and the outcome thresholds.
 *
 * Every name in the file is resolved to an index here, so nothing downstream looks up
 * strings. After cs_cohort_load returns, the cohort is only read (const everywhere).
 * The file format is described in docs/cohort-reference.md.
 */
#ifndef COHORTSIM_COHORT_H
#define COHORTSIM_COHORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cohortsim/dist.h"
#include "cohortsim/formula.h"
#include "cohortsim/status.h"

#define CS_NAME_MAX 64      /* longest name of a parameter, species, drug, reaction, arm */
#define CS_EXPR_MAX_TERMS 8 /* parameters multiplied or divided in one expression */
#define CS_FACTOR_MAX 8     /* factors in one reaction's propensity */
#define CS_CHANGE_MAX 8     /* species changed by one reaction */
#define CS_SUM_MAX 8        /* species summed in a logistic or saturation factor */
/* More doses of one drug than this would only be a typo, and the schedule module sizes
 * its event lists by the largest regimen. */
#define CS_DOSES_MAX 1000000L
/* The same bound for the firings of one periodic event (`every`) in one patient: a
 * typo such as `every: 1e-9` would otherwise stop the exact engine a billion times. */
#define CS_EVENT_FIRINGS_MAX 1000000.0
/* The most copies of a species: counts are int64 but enter propensities as doubles,
 * which hold whole numbers exactly up to 2^53. */
#define CS_COUNT_MAX INT64_C(9007199254740992)
/* The most points of the reporting grid (every patient stores a burden at each). */
#define CS_GRID_MAX_POINTS 1000000

/* A value computed from a patient's parameters: coef * prod(param[term]^power[term]),
 * power +1 or -1. Written in a cohort file as a number, a parameter name, or a product
 * like "kH*b" or "kmax/kill" or "2*b", which keep this fast form; any other formula of
 * parameters ("N0 + 2*M0", "exp(-k)*N0") is compiled, and its value is the expression's
 * (then coef is 1 and n_terms 0). */
typedef struct cs_expr {
  double coef;
  int n_terms;
  int param[CS_EXPR_MAX_TERMS];
  int power[CS_EXPR_MAX_TERMS];
  const cs_formula *formula; /* NULL for a product; owned by the cohort (cs_cohort.formula) */
} cs_expr;

/* Evaluates an expression against a patient's parameter values (indexed as cohort->param). */
double cs_expr_eval(const cs_expr *expr, const double *param_values);

/* True if the expression is a plain number (reads no parameter). */
bool cs_expr_is_number(const cs_expr *expr);

typedef struct cs_param {
  char name[CS_NAME_MAX];
  cs_dist dist;
} cs_param;

/* A correlation of two sampled parameters in the Gaussian copula. */
typedef struct cs_correlation {
  int param[2]; /* parameter indices, distinct, both sampled */
  double rho;   /* |rho| < 1: the correlation of the two underlying standard normals */
} cs_correlation;

typedef struct cs_species {
  char name[CS_NAME_MAX];
  cs_expr initial; /* count at time 0, rounded to the nearest integer per patient */
  /* Hybrid method: a leap may change this species by max(epsilon x / g, leap_tolerance)
   * (Cao, Gillespie and Petzold's bound, whose floor is 1). A larger floor is an
   * absolute tolerance, as in ODE solvers: for a species whose low counts matter little
   * (a signal read through a saturating factor with a large half-saturation). */
  double leap_tolerance;
} cs_species;

/* One-compartment drug with first-order elimination. Concentrations are in units of the
 * drug's EC50, so its effect is f = C/(1+C). A file gives half_life_days (stored as
 * ln2/half-life) or elimination_per_day. */
typedef struct cs_drug {
  char name[CS_NAME_MAX];
  cs_expr elimination_per_day;
} cs_drug;

/* The rate-law vocabulary. A reaction's propensity is rate * product of its factors.
 * The last two kinds are not written as factors in a file: the reader makes them from
 * stoichiometric mass action (`reactants` with `mass_action`) and from a general rate
 * law (`rate` reading species or drugs). */
typedef enum {
  CS_FACTOR_SPECIES,  /* X (mass action), written {species: X} */
  CS_FACTOR_LOGISTIC, /* max(0, 1 - sum/capacity), written {logistic: [A, M], capacity: K} */
  CS_FACTOR_EFFECT,   /* C/(1+C) of a drug, written {effect: hma} */
  CS_FACTOR_INHIBIT,  /* 1 - C/(1+C) = 1/(1+C), written {inhibit: casp} */
  CS_FACTOR_HILL,     /* X^n/(half^n + X^n), written {hill: D, half: KD, n: 1} (n defaults to 1) */
  CS_FACTOR_SATURATE, /* 1/(1 + sum/half), written {saturate: [A, M], half: kmax/kill} */
  CS_FACTOR_BINOMIAL, /* C(X, order) = X(X-1)...(X-order+1)/order!, order >= 2 */
  CS_FACTOR_FORMULA   /* a compiled formula of parameters, species and drugs, >= 0 */
} cs_factor_kind;

typedef struct cs_factor {
  cs_factor_kind kind;
  int target; /* species (SPECIES, HILL) or drug (EFFECT, INHIBIT); else -1 */
  int n_sum;  /* LOGISTIC, SATURATE: the species summed */
  int sum[CS_SUM_MAX];
  cs_expr scale; /* LOGISTIC: capacity; HILL and SATURATE: half-saturation */
  double hill_n; /* HILL: exponent (> 0) */
  int order;     /* BINOMIAL: the number of molecules of target taken (>= 2) */
  const cs_formula *formula; /* FORMULA: one of cs_cohort.formula; never reads the time */
} cs_factor;

typedef struct cs_reaction {
  char name[CS_NAME_MAX];
  cs_expr rate;
  int n_factors;
  cs_factor factor[CS_FACTOR_MAX];
  int n_changes;
  int change_species[CS_CHANGE_MAX];
  /* Amount added per firing, evaluated per patient and rounded: the net change
   * (products - reactants). A consumption is an integer literal. */
  cs_expr change[CS_CHANGE_MAX];
  /* What one firing consumes: the reactants (with `reactants`), or the species with a
   * negative change (with `change`), each with the number of copies taken. The
   * negativity rule (model.h) holds the propensity at 0 while a count is below its
   * consumption, so no count goes negative. */
  int n_consumed;
  int consumed_species[CS_CHANGE_MAX];
  int consumed[CS_CHANGE_MAX];
  /* Written with reactants/products (printed as such); else with `change`. */
  int stoichiometric;
} cs_reaction;

/* One drug's regimen in an arm: `count` doses `every_days` apart starting at
 * `start_day`, repeated for `cycles` cycles, the next cycle starting `cycle_gap_days`
 * after the end of the previous one (cycle k starts at start_day + k*(count*every_days +
 * cycle_gap_days)). */
typedef struct cs_dose_plan {
  int drug;       /* the drug dosed, or -1 for a dose into a species */
  int species;    /* the species dosed (round(amount) copies added), or -1 for a drug */
  cs_expr amount; /* EC50 units added per dose */
  double start_day;
  double every_days;
  int count;
  int cycles;
  double cycle_gap_days;
} cs_dose_plan;

/* A parameter fixed to a value in one arm (e.g. an immunodeficient host). */
typedef struct cs_param_set {
  int param;
  double value;
} cs_param_set;

/* A categorical trait (e.g. a RIPK3 loss): present in a patient with `probability`,
 * and then overriding the parameters it sets. */
typedef struct cs_trait {
  char name[CS_NAME_MAX];
  double probability; /* in [0, 1] */
  int n_sets;
  cs_param_set *set;
} cs_trait;

/* Treatment timing, per patient and the same in every arm. Time 0 is enrolment: the
 * initial counts hold at time 0, every dose is shifted by the patient's start delay,
 * and OS, RFS and every output time are measured from enrolment. Without a timing
 * section every value is fixed at 0 and no random number is drawn. */
typedef struct cs_timing {
  cs_dist start_delay_days;       /* support within [0, inf) */
  cs_dist dose_jitter_days;       /* added to each dose's time (clamped at 0) */
  double missed_dose_probability; /* each dose independently, in [0, 1] */
} cs_timing;

/* Events (docs/cohort-reference.md "Events"): a timed event fires at `at`, or every
 * `every` days from `from` to `until` inclusive (expressions of parameters, evaluated
 * per patient at time 0); a state event fires when its trigger turns from false to
 * true. An event sets or adds to species, parameters and drugs; all its values are
 * computed from the state just before it fires. */
typedef enum { CS_EVENT_AT, CS_EVENT_EVERY, CS_EVENT_WHEN } cs_event_kind;

typedef enum { CS_TARGET_SPECIES, CS_TARGET_PARAM, CS_TARGET_DRUG } cs_target_kind;

typedef struct cs_assignment {
  cs_target_kind kind;
  int target;              /* species, parameter or drug index */
  bool add;                /* add to the target (a dose for a drug) rather than set it */
  const cs_formula *value; /* over parameters, species, drugs and t; owned by the cohort */
} cs_assignment;

#define CS_ASSIGN_MAX 16 /* targets of one event */

typedef struct cs_event {
  char name[CS_NAME_MAX];
  cs_event_kind kind;
  cs_expr at;                 /* AT */
  cs_expr every, from, until; /* EVERY; until without a key is the end of follow-up */
  bool has_until;
  const cs_formula *trigger; /* WHEN: over parameters, species and drugs (never t) */
  bool once;                 /* WHEN: fires at most once */
  bool fires_at_start;       /* WHEN: a trigger true at time 0 fires then */
  int n_assign;
  cs_assignment assign[CS_ASSIGN_MAX];
} cs_event;

typedef struct cs_arm {
  char name[CS_NAME_MAX];
  int n_doses;
  cs_dose_plan *dose;
  int n_sets;
  cs_param_set *set;
  /* The arm's own events, cohort->event[first_event .. first_event + n_events), which
   * follow the cohort's (cohort->event[0 .. n_cohort_events)) for this arm. */
  int first_event;
  int n_events;
} cs_arm;

/* What a sweep axis varies in the base arm: a field of one drug's dose plan, or a
 * parameter setting. */
typedef enum {
  CS_SWEEP_AMOUNT,
  CS_SWEEP_START_DAY,
  CS_SWEEP_EVERY_DAYS,
  CS_SWEEP_COUNT,
  CS_SWEEP_CYCLES,
  CS_SWEEP_CYCLE_GAP_DAYS,
  CS_SWEEP_SET
} cs_sweep_field;

#define CS_SWEEP_KEY_MAX (2 * CS_NAME_MAX + 24) /* "doses.DRUG.cycle_gap_days", "set.PARAM" */

typedef struct cs_sweep_axis {
  char key[CS_SWEEP_KEY_MAX]; /* as written in the file: doses.casp.amount, set.immune */
  cs_sweep_field field;
  int target; /* the drug (dose plan fields) or the parameter (CS_SWEEP_SET) */
  int n_values;
  double *value; /* [n_values], in file order */
} cs_sweep_axis;

/* A grid of arms generated from a base arm (src/core/sweep.c): one arm per combination
 * of the axes' values, the last axis varying fastest, appended after the file's arms as
 * arm[first_arm .. first_arm + n_arms). n_axes == 0: the cohort has no sweep. */
typedef struct cs_sweep {
  int base_arm;
  int first_arm;
  int n_arms;
  int n_axes;
  cs_sweep_axis *axis;
} cs_sweep;

/* Outcome thresholds. Burden is the sum of the tumour species. MRD and relapse levels are
 * fractions of reference_cells; lethal_cells is an absolute count (0: no death outcome). */
typedef struct cs_outcomes {
  int n_tumour;
  int tumour[CS_SUM_MAX];
  double reference_cells;
  double mrd_negative_below; /* 0: MRD not tracked */
  double relapse_at;         /* 0: relapse not tracked */
  double lethal_cells;       /* 0: no death outcome */
} cs_outcomes;

typedef enum { CS_METHOD_EXACT, CS_METHOD_HYBRID } cs_method;

/* A named formula of species counts, parameters and drug concentrations, evaluated on
 * the reporting grid (docs/cohort-reference.md, "Observables"). */
typedef struct cs_observable {
  char name[CS_NAME_MAX];
  const cs_formula *formula; /* one of cs_cohort.formula; never reads the time */
} cs_observable;

typedef struct cs_cohort {
  char *path;      /* the file it came from ("<string>" when loaded from text) */
  char *text;      /* the file's full text, embedded in every output for provenance */
  char *overrides; /* the --set arguments joined by ' ', "" if none */
  char *sbml_text; /* `model: {sbml: PATH}`: the SBML file's text (embedded too); else NULL */
  char *sbml_path; /* and its path as read (relative to the cohort file's); else NULL */
  char name[CS_NAME_MAX];
  char *description;     /* "" if none */
  cs_method method;      /* hybrid if the file does not say */
  double hybrid_epsilon; /* hybrid method: CGP error control (default 0.03) */
  int hybrid_critical;   /* hybrid method: critical-reaction threshold (default 10) */
  double followup_days;
  double report_every_days;

  int n_params;
  cs_param *param;
  /* The sampled (non-fixed) parameters, in parameter order: each draws one standard
   * normal per patient, in this order. */
  int n_sampled;
  int *sampled; /* [n_sampled] parameter indices */
  int n_correlations;
  cs_correlation *correlation;
  /* The lower-triangular Cholesky factor L (row-major, [n_sampled * n_sampled]) of the
   * correlation matrix of the sampled parameters' normals, factored once when the file
   * is read; NULL without correlations (L is the identity). */
  double *correlation_factor;
  int n_traits;
  cs_trait *trait;
  cs_timing timing;
  int n_species;
  cs_species *species;
  int n_drugs;
  cs_drug *drug;
  int n_reactions;
  cs_reaction *reaction;
  int n_arms;
  cs_arm *arm; /* the file's arms, then the sweep's generated arms */
  cs_sweep sweep;
  cs_outcomes outcomes; /* without an `outcomes` section: no tumour species (n_tumour 0) */
  int n_observables;
  cs_observable *observable;
  /* What `record` lists, in file order, as quantity indices: the quantities a patient
   * has on the reporting grid are the species (0 .. n_species - 1), then the
   * observables (n_species + o). */
  int n_recorded;
  int *recorded;
  /* `time_course_statistics`: whether the species' and observables' mean, SD and
   * quantiles over patients are computed, and so whether the time courses not in
   * `record` are stored as their input (default true). */
  bool time_course_statistics;
  /* The cohort's events, then each arm's (cs_arm.first_event); n_cohort_events of them
   * apply to every arm. */
  int n_events;
  int n_cohort_events;
  cs_event *event;
  int n_formulas;
  cs_formula **formula; /* the compiled formulas the cohort's expressions point to */
} cs_cohort;

/* Loads and validates a cohort file. `sets` are n_sets "KEY.PATH=VALUE" overrides
 * (the --set arguments), applied to the document before validation, so an override is
 * checked like the file itself. On failure *cohort is NULL, nothing stays allocated, and
 * err says what is wrong, naming file:line:column and the key path (or the --set
 * argument). Errors: CS_ERR_IO (file unreadable), CS_ERR_SYNTAX (YAML syntax),
 * CS_ERR_COHORT (content), CS_ERR_USAGE (a malformed --set, or one whose path or
 * parameter does not exist in the file), CS_ERR_NOMEM. The caller owns the cohort
 * (cs_cohort_destroy). Deterministic: the same text and sets give the same cohort. */
cs_status cs_cohort_load_file(const char *path, int n_sets, const char *const *sets,
                              cs_cohort **cohort, cs_error *err);

/* Reads a cohort file's bytes into *text (allocated, NUL-terminated; free it) and its
 * length. CS_ERR_IO naming the file if it cannot be read. */
cs_status cs_cohort_read_text(const char *path, char **text, size_t *length, cs_error *err);

/* The same from text in memory (used by `verify`, which re-reads the text embedded in an
 * output file). `origin` names the text in messages. */
cs_status cs_cohort_load_string(const char *text, const char *origin, int n_sets,
                                const char *const *sets, cs_cohort **cohort, cs_error *err);

/* The same with the SBML model's text given (not read from the file the cohort names):
 * how an output file's embedded cohort is reloaded. `sbml_text` NULL is
 * cs_cohort_load_string. */
cs_status cs_cohort_load_embedded(const char *text, const char *origin, const char *sbml_text,
                                  int n_sets, const char *const *sets, cs_cohort **cohort,
                                  cs_error *err);

/* Frees a cohort; accepts NULL and sets *cohort to NULL. */
void cs_cohort_destroy(cs_cohort **cohort);

/* Index of the named parameter, species, drug, reaction or arm, or -1. */
int cs_cohort_find_param(const cs_cohort *cohort, const char *name);
int cs_cohort_find_species(const cs_cohort *cohort, const char *name);
int cs_cohort_find_drug(const cs_cohort *cohort, const char *name);
int cs_cohort_find_reaction(const cs_cohort *cohort, const char *name);
int cs_cohort_find_arm(const cs_cohort *cohort, const char *name);

/* How many times a periodic event fires: every `every` days from day `from` to day
 * `until` inclusive (0 when from > until); at most CS_EVENT_FIRINGS_MAX are allowed. */
double cs_event_periodic_firings(double every, double from, double until);

/* The name of the drug or species a plan doses. */
const char *cs_dose_plan_target(const cs_cohort *cohort, const cs_dose_plan *plan);

/* Prints the resolved cohort (what `cohortsim check` shows): parameters with their
 * distributions, correlations, traits, species, drugs, reactions with their
 * propensities written out, arms with their dose plans, timing, outcomes and settings. */
void cs_cohort_print(const cs_cohort *cohort, FILE *out);

#endif
