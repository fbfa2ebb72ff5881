#include "cohortsim/sweep.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const sweep_keys[] = {"base", "axes", NULL};

/* The dose plan keys an axis can vary, indexed by cs_sweep_field: the key, its short
 * label in a generated arm's name, and the plan's own rule for the value (the same as
 * cohort_yaml.c's read_dose_plan, so a swept value is held to what the file could say). */
typedef struct dose_field {
  const char *key;
  const char *label;
  double min;
  bool min_excluded;
  bool integer;
} dose_field;

static const dose_field dose_fields[] = {
    [CS_SWEEP_AMOUNT] = {"amount", "amount", 0, false, false},
    [CS_SWEEP_START_DAY] = {"start_day", "start", 0, false, false},
    [CS_SWEEP_EVERY_DAYS] = {"every_days", "every", 0, true, false},
    [CS_SWEEP_COUNT] = {"count", "count", 1, false, true},
    [CS_SWEEP_CYCLES] = {"cycles", "cycles", 1, false, true},
    [CS_SWEEP_CYCLE_GAP_DAYS] = {"cycle_gap_days", "gap", 0, false, false},
};

enum { N_DOSE_FIELDS = (int)(sizeof dose_fields / sizeof dose_fields[0]) };

static const char *const axis_forms = "doses.DRUG.KEY (KEY one of amount, start_day, every_days, "
                                      "count, cycles, cycle_gap_days) or set.PARAMETER";

static cs_status nomem(cs_ytree *tree)
{
  return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory generating the sweep's arms",
                      tree->origin);
}

static cs_dose_plan *find_plan(const cs_arm *arm, int drug)
{
  for (int i = 0; i < arm->n_doses; i++)
    if (arm->dose[i].drug == drug)
      return &arm->dose[i];
  return NULL;
}

/* ---- reading ------------------------------------------------------------------------- */

static cs_status read_base(cs_ytree *tree, const yaml_node_t *node, cs_cohort *c)
{
  yaml_node_t *base = NULL;
  const char *name = NULL;
  CS_CALL(cs_ytree_require(tree, node, "base", &base));
  const size_t mark = cs_ytree_enter(tree, "base");
  CS_CALL(cs_ytree_string(tree, base, &name));
  c->sweep.base_arm = cs_cohort_find_arm(c, name);
  if (c->sweep.base_arm < 0) {
    char arms[256] = "";
    for (int a = 0; a < c->n_arms; a++) {
      const size_t used = strlen(arms);
      snprintf(arms + used, sizeof arms - used, "%s%s", a == 0 ? "" : ", ", c->arm[a].name);
    }
    return cs_ytree_fail(tree, base, CS_ERR_COHORT, "unknown arm '%s' (arms are: %s)", name, arms);
  }
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

/* Splits `key` at its dots into at most `max` parts (the last keeps any further dots);
 * returns the number of parts. */
static int split_key(const char *key, char part[][CS_SWEEP_KEY_MAX], int max)
{
  int n = 0;
  const char *p = key;
  while (n < max) {
    const char *dot = n == max - 1 ? NULL : strchr(p, '.');
    const size_t length = dot == NULL ? strlen(p) : (size_t)(dot - p);
    snprintf(part[n++], CS_SWEEP_KEY_MAX, "%.*s", (int)length, p);
    if (dot == NULL)
      break;
    p = dot + 1;
  }
  return n;
}

static cs_status parse_set_key(cs_ytree *tree, const yaml_node_t *node, const cs_cohort *c,
                               const char *param, cs_sweep_axis *axis)
{
  axis->field = CS_SWEEP_SET;
  axis->target = cs_cohort_find_param(c, param);
  if (axis->target < 0)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "unknown parameter '%s' in the axis key",
                         param);
  return CS_OK;
}

static cs_status parse_dose_key(cs_ytree *tree, const yaml_node_t *node, const cs_cohort *c,
                                char part[][CS_SWEEP_KEY_MAX], int n_parts, cs_sweep_axis *axis)
{
  const cs_arm *base = &c->arm[c->sweep.base_arm];
  axis->target = cs_cohort_find_drug(c, part[1]);
  if (axis->target < 0)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "unknown drug '%s' in the axis key", part[1]);
  if (find_plan(base, axis->target) == NULL)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "the base arm %s gives no %s: an axis varies a dose plan of the base arm",
                         base->name, part[1]);
  if (n_parts == 2)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "doses.%s is a dose plan, not a scalar: sweep one of its keys, e.g. "
                         "doses.%s.amount",
                         part[1], part[1]);
  const char *keys[N_DOSE_FIELDS + 1] = {NULL};
  for (int f = 0; f < N_DOSE_FIELDS; f++) {
    keys[f] = dose_fields[f].key;
    if (strcmp(part[2], keys[f]) == 0) {
      axis->field = (cs_sweep_field)f;
      return CS_OK;
    }
  }
  const char *near = cs_ytree_suggest(part[2], keys);
  return cs_ytree_fail(tree, node, CS_ERR_COHORT, "unknown dose plan key '%s'%s%s%s, expected %s",
                       part[2], near != NULL ? " (did you mean '" : "", near != NULL ? near : "",
                       near != NULL ? "'?)" : "", axis_forms);
}

/* An axis key: doses.DRUG.KEY or set.PARAMETER. */
static cs_status parse_axis_key(cs_ytree *tree, const yaml_node_t *node, const cs_cohort *c,
                                const char *key, cs_sweep_axis *axis)
{
  if (strlen(key) >= CS_SWEEP_KEY_MAX)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "axis key longer than %d characters",
                         CS_SWEEP_KEY_MAX - 1);
  snprintf(axis->key, sizeof axis->key, "%s", key);
  char part[3][CS_SWEEP_KEY_MAX] = {{0}};
  const int n_parts = split_key(key, part, 3);
  if (strcmp(part[0], "set") == 0 && n_parts == 1)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "set is the arm's parameter settings, not a scalar: sweep one of "
                         "them, e.g. set.PARAMETER");
  if (strcmp(part[0], "set") == 0 && n_parts == 2)
    return parse_set_key(tree, node, c, part[1], axis);
  if (strcmp(part[0], "doses") == 0 && n_parts >= 2 && strchr(part[2], '.') == NULL)
    return parse_dose_key(tree, node, c, part, n_parts, axis);
  return cs_ytree_fail(tree, node, CS_ERR_COHORT, "unknown axis key '%s', expected %s", key,
                       axis_forms);
}

static cs_status read_value(cs_ytree *tree, const yaml_node_t *node, const cs_sweep_axis *axis,
                            double *value)
{
  if (axis->field == CS_SWEEP_SET)
    return cs_ytree_number(tree, node, value);
  const dose_field *f = &dose_fields[axis->field];
  if (f->integer) {
    long whole = 0;
    CS_CALL(cs_ytree_integer(tree, node, (long)f->min, CS_DOSES_MAX, &whole));
    *value = (double)whole;
    return CS_OK;
  }
  CS_CALL(cs_ytree_number(tree, node, value));
  if (*value < f->min || (f->min_excluded && *value == f->min))
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "invalid %s %g, expected a number %s %g",
                         f->key, *value, f->min_excluded ? ">" : ">=", f->min);
  return CS_OK;
}

static cs_status read_axis_values(cs_ytree *tree, const yaml_node_t *node, cs_sweep_axis *axis)
{
  int n = 0;
  CS_CALL(cs_ytree_sequence(tree, node, &n));
  if (n == 0)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "empty axis: give at least one value, e.g. [1, 2]");
  axis->value = calloc((size_t)n, sizeof *axis->value);
  if (axis->value == NULL)
    return nomem(tree);
  axis->n_values = n;
  for (int i = 0; i < n; i++) {
    const size_t mark = cs_ytree_enter_index(tree, i);
    const yaml_node_t *item = cs_ytree_item(tree, node, i);
    CS_CALL(read_value(tree, item, axis, &axis->value[i]));
    for (int j = 0; j < i; j++)
      if (axis->value[j] == axis->value[i])
        return cs_ytree_fail(tree, item, CS_ERR_COHORT,
                             "%g is already the axis's value [%d]: each value once", axis->value[i],
                             j);
    cs_ytree_leave(tree, mark);
  }
  return CS_OK;
}

static cs_status read_axes(cs_ytree *tree, const yaml_node_t *node, cs_cohort *c)
{
  cs_sweep *s = &c->sweep;
  yaml_node_t *axes = NULL;
  CS_CALL(cs_ytree_require(tree, node, "axes", &axes));
  const size_t mark = cs_ytree_enter(tree, "axes");
  int n = 0;
  CS_CALL(cs_ytree_mapping(tree, axes, NULL, &n));
  if (n == 0 || n > CS_SWEEP_AXES_MAX)
    return cs_ytree_fail(tree, axes, CS_ERR_COHORT,
                         "%d axes, expected 1 to %d, e.g. doses.DRUG.amount: [1, 2]", n,
                         CS_SWEEP_AXES_MAX);
  s->axis = calloc((size_t)n, sizeof *s->axis);
  if (s->axis == NULL)
    return nomem(tree);
  s->n_axes = n;
  long n_arms = 1;
  for (int k = 0; k < n; k++) {
    const char *key = cs_ytree_key(tree, axes, k);
    const size_t inner = cs_ytree_enter(tree, key);
    CS_CALL(parse_axis_key(tree, cs_ytree_key_node(tree, axes, k), c, key, &s->axis[k]));
    CS_CALL(read_axis_values(tree, cs_ytree_value(tree, axes, k), &s->axis[k]));
    n_arms *= s->axis[k].n_values; /* at most 1000 times an int: no overflow */
    cs_ytree_leave(tree, inner);
    if (n_arms > CS_SWEEP_ARMS_MAX)
      return cs_ytree_fail(tree, axes, CS_ERR_COHORT,
                           "the grid has more than %d arms (the limit of a sweep): use fewer "
                           "values or axes",
                           CS_SWEEP_ARMS_MAX);
  }
  s->n_arms = (int)n_arms;
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

/* ---- generating the arms ------------------------------------------------------------- */

/* Index into axis k's values of generated arm g: a mixed-radix digit of g, the last
 * axis the fastest. */
static int value_index(const cs_sweep *s, int g, int k)
{
  for (int j = s->n_axes - 1; j > k; j--)
    g /= s->axis[j].n_values;
  return g % s->axis[k].n_values;
}

double cs_sweep_arm_value(const cs_sweep *sweep, int arm, int axis)
{
  const int g = arm - sweep->first_arm;
  if (sweep->n_axes == 0 || g < 0 || g >= sweep->n_arms)
    return NAN;
  return sweep->axis[axis].value[value_index(sweep, g, axis)];
}

/* The axis's label in arm names: the parameter, or the dose key's short form, prefixed
 * by the drug when another axis varies the same key of another drug. */
static void axis_label(const cs_cohort *c, int k, char *label, size_t size)
{
  const cs_sweep *s = &c->sweep;
  const cs_sweep_axis *axis = &s->axis[k];
  if (axis->field == CS_SWEEP_SET) {
    snprintf(label, size, "%s", c->param[axis->target].name);
    return;
  }
  bool shared = false;
  for (int j = 0; j < s->n_axes; j++)
    shared = shared || (j != k && s->axis[j].field == axis->field);
  snprintf(label, size, "%s%s%s", shared ? c->drug[axis->target].name : "", shared ? "_" : "",
           dose_fields[axis->field].label);
}

/* A value as it can stand in an identifier: %g with '.' written 'p', '-' written 'm'
 * and '+' left out (0.5 -> 0p5, -1 -> m1, 1e-05 -> 1em05, 2e+06 -> 2e06). */
static void value_text(double value, char *text, size_t size)
{
  char number[32];
  snprintf(number, sizeof number, "%g", value);
  size_t n = 0;
  for (const char *p = number; *p != '\0' && n + 1 < size; p++)
    if (*p != '+')
      text[n++] = *p == '.' ? 'p' : *p == '-' ? 'm' : *p;
  text[n] = '\0';
}

static void apply_value(cs_arm *arm, const cs_sweep_axis *axis, double value)
{
  if (axis->field == CS_SWEEP_SET) {
    int i = 0;
    while (i < arm->n_sets && arm->set[i].param != axis->target)
      i++;
    arm->set[i] = (cs_param_set){.param = axis->target, .value = value};
    arm->n_sets = i == arm->n_sets ? i + 1 : arm->n_sets;
    return;
  }
  cs_dose_plan *plan = find_plan(arm, axis->target);
  switch (axis->field) {
  case CS_SWEEP_AMOUNT:
    plan->amount = (cs_expr){.coef = value, .n_terms = 0};
    break;
  case CS_SWEEP_START_DAY:
    plan->start_day = value;
    break;
  case CS_SWEEP_EVERY_DAYS:
    plan->every_days = value;
    break;
  case CS_SWEEP_COUNT:
    plan->count = (int)value;
    break;
  case CS_SWEEP_CYCLES:
    plan->cycles = (int)value;
    break;
  case CS_SWEEP_CYCLE_GAP_DAYS:
    plan->cycle_gap_days = value;
    break;
  case CS_SWEEP_SET:
    break;
  }
}

/* Names generated arm `index` by the base and its values, and checks that the name is
 * new (sweep values that print alike, such as 0.1234561 and 0.1234564, would collide). */
static cs_status name_arm(cs_ytree *tree, const yaml_node_t *node, cs_cohort *c, int index)
{
  const cs_sweep *s = &c->sweep;
  char name[4 * CS_NAME_MAX];
  size_t used = (size_t)snprintf(name, sizeof name, "%s", c->arm[s->base_arm].name);
  for (int k = 0; k < s->n_axes && used < sizeof name; k++) {
    char label[2 * CS_NAME_MAX], value[32];
    axis_label(c, k, label, sizeof label);
    value_text(cs_sweep_arm_value(s, index, k), value, sizeof value);
    used += (size_t)snprintf(name + used, sizeof name - used, "_%s%s", label, value);
  }
  if (strlen(name) >= CS_NAME_MAX)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "the generated arm name %s is longer than %d characters: shorten the "
                         "base arm's name or sweep fewer axes",
                         name, CS_NAME_MAX - 1);
  for (int a = 0; a < index; a++)
    if (strcmp(c->arm[a].name, name) == 0)
      return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                           "the generated arm name %s is already %s: rename the arm, or use "
                           "values that differ in their first 6 digits",
                           name, a < s->first_arm ? "an arm of the file" : "a generated arm");
  memcpy(c->arm[index].name, name, strlen(name) + 1); /* fits: checked above */
  return CS_OK;
}

static cs_status check_dose_count(cs_ytree *tree, const yaml_node_t *node, const cs_cohort *c,
                                  const cs_arm *arm)
{
  for (int i = 0; i < arm->n_doses; i++)
    if ((long)arm->dose[i].count * arm->dose[i].cycles > CS_DOSES_MAX)
      return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                           "the generated arm %s gives more than %ld doses of %s", arm->name,
                           CS_DOSES_MAX, cs_dose_plan_target(c, &arm->dose[i]));
  return CS_OK;
}

/* Appends the generated arms to the cohort's, each a copy of the base with its values. */
static cs_status generate_arms(cs_ytree *tree, const yaml_node_t *node, cs_cohort *c)
{
  cs_sweep *s = &c->sweep;
  s->first_arm = c->n_arms;
  cs_arm *arms = realloc(c->arm, (size_t)(c->n_arms + s->n_arms) * sizeof *arms);
  if (arms == NULL)
    return nomem(tree);
  c->arm = arms;
  memset(&c->arm[s->first_arm], 0, (size_t)s->n_arms * sizeof *arms);
  for (int index = s->first_arm; index < s->first_arm + s->n_arms; index++) {
    cs_arm *arm = &c->arm[index];
    const cs_arm *base = &c->arm[s->base_arm];
    arm->dose = calloc((size_t)(c->n_drugs + c->n_species) + 1, sizeof *arm->dose);
    arm->set = calloc((size_t)c->n_params + 1, sizeof *arm->set);
    c->n_arms = index + 1; /* counted at once, so cs_cohort_destroy frees its arrays */
    if (arm->dose == NULL || arm->set == NULL)
      return nomem(tree);
    memcpy(arm->dose, base->dose, (size_t)base->n_doses * sizeof *arm->dose);
    memcpy(arm->set, base->set, (size_t)base->n_sets * sizeof *arm->set);
    arm->n_doses = base->n_doses;
    arm->n_sets = base->n_sets;
    arm->first_event = base->first_event;
    arm->n_events = base->n_events;
    for (int k = 0; k < s->n_axes; k++)
      apply_value(arm, &s->axis[k], cs_sweep_arm_value(s, index, k));
    CS_CALL(name_arm(tree, node, c, index));
    CS_CALL(check_dose_count(tree, node, c, arm));
  }
  return CS_OK;
}

cs_status cs_sweep_read(cs_ytree *tree, const yaml_node_t *node, cs_cohort *cohort)
{
  int n_keys = 0;
  CS_CALL(cs_ytree_mapping(tree, node, sweep_keys, &n_keys));
  CS_CALL(read_base(tree, node, cohort));
  CS_CALL(read_axes(tree, node, cohort));
  return generate_arms(tree, cs_ytree_lookup(tree, node, "axes"), cohort);
}

void cs_sweep_free(cs_sweep *sweep)
{
  for (int k = 0; k < sweep->n_axes; k++)
    free(sweep->axis[k].value);
  free(sweep->axis);
  *sweep = (cs_sweep){.n_axes = 0};
}

/* ---- printing ------------------------------------------------------------------------ */

void cs_sweep_print(const cs_cohort *cohort, FILE *out)
{
  const cs_sweep *s = &cohort->sweep;
  if (s->n_axes == 0)
    return;
  fprintf(out, "\nsweep of %s: %d arms, %s to %s (the last axis varies fastest):\n",
          cohort->arm[s->base_arm].name, s->n_arms, cohort->arm[s->first_arm].name,
          cohort->arm[s->first_arm + s->n_arms - 1].name);
  for (int k = 0; k < s->n_axes; k++) {
    fprintf(out, "  %s:", s->axis[k].key);
    for (int i = 0; i < s->axis[k].n_values; i++)
      fprintf(out, "%s %g", i == 0 ? "" : ",", s->axis[k].value[i]);
    fprintf(out, "\n");
  }
}
