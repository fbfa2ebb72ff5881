/* Reading events (cohort_events.h). Every formula is compiled against the cohort's names
 * as they stand when the list is read: parameters, species and drugs are all defined
 * before the arms, so the cohort's list and the arms' lists see the same names.
 */
#include "cohort_events.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/formula.h"

#include "cohort_expr.h"
#include "cohort_observables.h"

static const char *const event_keys[] = {"name", "at",  "every",          "from", "until", "when",
                                         "once", "set", "fires_at_start", "add",  NULL};

/* What a formula of an event may read. */
typedef enum {
  NAMES_PARAMS, /* timing: fixed per patient */
  NAMES_STATE,  /* triggers: parameters, species, drugs (the time is refused) */
  NAMES_VALUES  /* assigned values: the state and the time */
} names_allowed;

typedef struct event_names {
  const cs_cohort *cohort;
  names_allowed allowed;
  char refused[CS_NAME_MAX]; /* the last name asked and not given */
  const char *refused_kind;  /* "a species", "a drug", "an observable", or NULL */
} event_names;

static bool resolve_event_name(void *context, const char *name, cs_symbol *symbol)
{
  event_names *names = context;
  const int param = cs_cohort_find_param(names->cohort, name);
  const int species = cs_cohort_find_species(names->cohort, name);
  const int drug = cs_cohort_find_drug(names->cohort, name);
  if (param >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_PARAM, .index = param};
    return true;
  }
  if (names->allowed != NAMES_PARAMS && species >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_SPECIES, .index = species};
    return true;
  }
  if (names->allowed != NAMES_PARAMS && drug >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_DRUG, .index = drug};
    return true;
  }
  /* An observable is a formula of the state, so a trigger or a value reads it by
   * compiling its code in place ("start treatment when total > 1e5"). */
  const int observable = cs_observables_find(names->cohort, name);
  if (names->allowed != NAMES_PARAMS && observable >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_INLINE,
                          .inline_formula = names->cohort->observable[observable].formula};
    return true;
  }
  if (strcmp(name, "t") == 0 || strcmp(name, "time") == 0)
    return false; /* the formula module reads it as the time */
  snprintf(names->refused, sizeof names->refused, "%s", name);
  names->refused_kind = species >= 0      ? "a species"
                        : drug >= 0       ? "a drug"
                        : observable >= 0 ? "an observable"
                                          : NULL;
  return false;
}

/* Keeps a compiled formula for the cohort's lifetime (cs_cohort_destroy frees it). */
static cs_status own_formula(cs_ytree *tree, cs_cohort *c, cs_formula *formula)
{
  cs_formula **list = realloc(c->formula, (size_t)(c->n_formulas + 1) * sizeof *list);
  if (list == NULL) {
    cs_formula_destroy(&formula);
    return cs_error_set(tree->err, CS_ERR_NOMEM, "out of memory reading events");
  }
  c->formula = list;
  c->formula[c->n_formulas++] = formula;
  return CS_OK;
}

/* Compiles `text`, found at byte `offset` of the scalar `node`, into *formula (owned by
 * the cohort); an error names the column inside the formula. */
static cs_status compile(cs_ytree *tree, const yaml_node_t *node, const char *text, size_t offset,
                         cs_cohort *c, names_allowed allowed, const cs_formula **compiled)
{
  event_names names = {.cohort = c, .allowed = allowed};
  cs_formula *formula = NULL;
  cs_error problem = {0};
  int column = 0;
  const cs_status status =
      cs_formula_compile(text, resolve_event_name, &names, &formula, &column, &problem);
  if (status == CS_ERR_NOMEM)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "out of memory reading events");
  if (status != CS_OK) {
    const size_t at = offset + (size_t)(column > 0 ? column - 1 : 0);
    if (names.refused[0] != '\0' && names.refused_kind != NULL)
      return cs_ytree_fail_in_scalar(tree, node, at, CS_ERR_COHORT,
                                     "'%s' is %s: only parameters are allowed here (fixed "
                                     "per patient)",
                                     names.refused, names.refused_kind);
    return cs_ytree_fail_in_scalar(tree, node, at, CS_ERR_COHORT, "cannot read " CS_YTREE_QUOTE_FORMAT ": %s", CS_YTREE_QUOTE(text),
                                   problem.message);
  }
  *compiled = formula;
  return own_formula(tree, c, formula);
}

/* The scalar text of `node`, a number or a formula ("" is refused). */
static cs_status scalar_text(cs_ytree *tree, const yaml_node_t *node, const char **text)
{
  *text = cs_ytree_scalar(node);
  if (*text != NULL && (*text)[0] != '\0')
    return CS_OK;
  char got[64];
  cs_ytree_describe(node, got, sizeof got);
  return cs_ytree_fail(tree, node, CS_ERR_COHORT, "expected a number or a formula, got %s", got);
}

/* An expression of parameters from `text` (at byte `offset` of `node`), checked with the
 * typical values: >= 0, or > 0 when `positive`. */
static cs_status parameter_expr(cs_ytree *tree, const yaml_node_t *node, const char *text,
                                size_t offset, cs_cohort *c, const double *values, bool positive,
                                cs_expr *e)
{
  const cs_formula *formula = NULL;
  CS_CALL(compile(tree, node, text, offset, c, NAMES_PARAMS, &formula));
  if (cs_formula_reads(formula, CS_SYMBOL_TIME, -1))
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "'%s' reads the time (t): a time of an event is fixed per patient", text);
  *e = (cs_expr){.coef = 1.0, .formula = formula};
  const double value = cs_expr_eval(e, values);
  if (!isfinite(value) || value < 0 || (positive && value == 0))
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "'%s' evaluates to %g, expected a finite value %s", text, value,
                         positive ? "> 0" : ">= 0");
  return CS_OK;
}

static cs_status read_time(cs_ytree *tree, const yaml_node_t *event, const char *key, cs_cohort *c,
                           const double *values, bool positive, cs_expr *e)
{
  const yaml_node_t *node = cs_ytree_lookup(tree, event, key);
  const size_t mark = cs_ytree_enter(tree, key);
  const char *text = NULL;
  CS_CALL(scalar_text(tree, node, &text));
  CS_CALL(parameter_expr(tree, node, text, 0, c, values, positive, e));
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

double cs_event_periodic_firings(double every, double from, double until)
{
  return from <= until ? floor((until - from) / every) + 1 : 0;
}

/* A periodic event's firings with the file's values, within the follow-up (each
 * patient's are checked again when it starts). */
static cs_status check_firings(cs_ytree *tree, const yaml_node_t *event, const cs_cohort *c,
                               const double *values, const cs_event *e)
{
  const double every = cs_expr_eval(&e->every, values), from = cs_expr_eval(&e->from, values);
  const double until =
      e->has_until ? fmin(cs_expr_eval(&e->until, values), c->followup_days) : c->followup_days;
  const double firings = cs_event_periodic_firings(every, from, until);
  if (firings > CS_EVENT_FIRINGS_MAX)
    return cs_ytree_fail(tree, cs_ytree_lookup(tree, event, "every"), CS_ERR_COHORT,
                         "every %g days from day %g to day %g is %.4g firings, more than %.0f",
                         every, from, until, firings, CS_EVENT_FIRINGS_MAX);
  return CS_OK;
}

/* Whether the model gives `name` a meaning of its own (then `t` is not the time). */
static bool model_name(const cs_cohort *c, const char *name)
{
  return cs_cohort_find_param(c, name) >= 0 || cs_cohort_find_species(c, name) >= 0 ||
         cs_cohort_find_drug(c, name) >= 0 || cs_observables_find(c, name) >= 0;
}

/* Whether `e` parses as one operand of a comparison: nothing outside brackets binds more
 * loosely than `+` (no comparison, `&&`, `||`, `and`, `or`), so "t >= E" is the whole
 * formula and not "(t >= 5) || k > 2". */
static bool single_operand(const char *e)
{
  int depth = 0;
  for (const char *p = e; *p != '\0';) {
    if (*p == '(')
      depth++;
    else if (*p == ')')
      depth--;
    if (depth == 0 && strchr("<>=&|", *p) != NULL)
      return false;
    if (isalpha((unsigned char)*p) || *p == '_') {
      const char *start = p;
      while (isalnum((unsigned char)*p) || *p == '_')
        p++;
      const size_t n = (size_t)(p - start);
      if (depth == 0 &&
          ((n == 3 && strncmp(start, "and", 3) == 0) || (n == 2 && strncmp(start, "or", 2) == 0)))
        return false;
      continue;
    }
    p++;
  }
  return true;
}

/* If `text` is exactly "t >= E" or "t > E" (or with `time`), where the name is the time
 * (the model defines no such name) and E is one operand, the offset of E; else 0. */
static size_t time_threshold(const cs_cohort *c, const char *text)
{
  const char *p = text;
  while (*p == ' ')
    p++;
  const size_t name = strncmp(p, "time", 4) == 0 ? 4 : (*p == 't' ? 1 : 0);
  if (name == 0 || isalnum((unsigned char)p[name]) || p[name] == '_')
    return 0;
  if (model_name(c, name == 4 ? "time" : "t"))
    return 0;
  p += name;
  while (*p == ' ')
    p++;
  if (*p != '>')
    return 0;
  p += p[1] == '=' ? 2 : 1;
  while (*p == ' ')
    p++;
  return *p == '\0' || !single_operand(p) ? 0 : (size_t)(p - text);
}

/* `when`: a state trigger, or a time threshold turned into a timed event. */
static cs_status read_trigger(cs_ytree *tree, const yaml_node_t *event, cs_cohort *c,
                              const double *values, cs_event *e)
{
  const yaml_node_t *node = cs_ytree_lookup(tree, event, "when");
  const size_t mark = cs_ytree_enter(tree, "when");
  const char *text = NULL;
  CS_CALL(scalar_text(tree, node, &text));
  const size_t threshold = time_threshold(c, text);
  if (threshold > 0) {
    /* Exact: the threshold is a schedule stop, not a condition looked at between
     * firings. A threshold reading the state falls through to the refusal below. */
    event_names names = {.cohort = c, .allowed = NAMES_PARAMS};
    cs_formula *formula = NULL;
    cs_error ignored = {0};
    int column = 0;
    if (cs_formula_compile(text + threshold, resolve_event_name, &names, &formula, &column,
                           &ignored) == CS_OK &&
        !cs_formula_reads(formula, CS_SYMBOL_TIME, -1)) {
      cs_formula_destroy(&formula);
      e->kind = CS_EVENT_AT;
      CS_CALL(parameter_expr(tree, node, text + threshold, threshold, c, values, false, &e->at));
      cs_ytree_leave(tree, mark);
      return CS_OK;
    }
    cs_formula_destroy(&formula);
  }
  e->kind = CS_EVENT_WHEN;
  CS_CALL(compile(tree, node, text, 0, c, NAMES_STATE, &e->trigger));
  if (cs_formula_reads(e->trigger, CS_SYMBOL_TIME, -1))
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "'%s' reads the time (t): a trigger may read the time only as "
                         "exactly 't >= E' or 't > E' (E of parameters), which becomes a timed "
                         "event; any other use could not be checked exactly between firings",
                         text);
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

/* The target `name` of an assignment: a species, parameter or drug. */
static cs_status read_target(cs_ytree *tree, const yaml_node_t *key, const char *name,
                             const cs_cohort *c, cs_assignment *a)
{
  if ((a->target = cs_cohort_find_species(c, name)) >= 0)
    a->kind = CS_TARGET_SPECIES;
  else if ((a->target = cs_cohort_find_param(c, name)) >= 0)
    a->kind = CS_TARGET_PARAM;
  else if ((a->target = cs_cohort_find_drug(c, name)) >= 0)
    a->kind = CS_TARGET_DRUG;
  else
    return cs_ytree_fail(tree, key, CS_ERR_COHORT,
                         "unknown name '%s': an event sets or adds to a species, a parameter "
                         "or a drug",
                         name);
  return CS_OK;
}

static bool same_target(const cs_assignment *a, const cs_assignment *b)
{
  return a->kind == b->kind && a->target == b->target;
}

/* `set` or `add`: NAME -> value (a formula of parameters, species, drugs and t). */
static cs_status read_assignments(cs_ytree *tree, const yaml_node_t *event, const char *key,
                                  cs_cohort *c, cs_event *e)
{
  const yaml_node_t *node = cs_ytree_lookup(tree, event, key);
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(tree, key);
  int n = 0;
  CS_CALL(cs_ytree_mapping(tree, node, NULL, &n));
  if (n == 0)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "expected at least one NAME: value");
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(tree, node, i);
    const size_t inner = cs_ytree_enter(tree, name);
    if (e->n_assign == CS_ASSIGN_MAX)
      return cs_ytree_fail(tree, cs_ytree_key_node(tree, node, i), CS_ERR_COHORT,
                           "more than %d assignments in one event", CS_ASSIGN_MAX);
    cs_assignment *a = &e->assign[e->n_assign];
    a->add = strcmp(key, "add") == 0;
    CS_CALL(read_target(tree, cs_ytree_key_node(tree, node, i), name, c, a));
    for (int j = 0; j < e->n_assign; j++)
      if (same_target(&e->assign[j], a))
        return cs_ytree_fail(tree, cs_ytree_key_node(tree, node, i), CS_ERR_COHORT,
                             "'%s' is assigned twice in this event (set and add)", name);
    const yaml_node_t *value = cs_ytree_value(tree, node, i);
    const char *text = NULL;
    CS_CALL(scalar_text(tree, value, &text));
    CS_CALL(compile(tree, value, text, 0, c, NAMES_VALUES, &a->value));
    e->n_assign++;
    cs_ytree_leave(tree, inner);
  }
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

/* Fails at `event` if `key` is present: it belongs to another kind of event. */
static cs_status refuse_key(cs_ytree *tree, const yaml_node_t *event, const char *key,
                            const char *reason)
{
  const yaml_node_t *node = cs_ytree_lookup(tree, event, key);
  if (node == NULL)
    return CS_OK;
  cs_ytree_enter(tree, key);
  return cs_ytree_fail(tree, node, CS_ERR_COHORT, "'%s' %s", key, reason);
}

static cs_status read_name(cs_ytree *tree, const yaml_node_t *event, const cs_cohort *c,
                           cs_event *e)
{
  const yaml_node_t *node = cs_ytree_lookup(tree, event, "name");
  if (node == NULL) {
    snprintf(e->name, sizeof e->name, "event_%d", c->n_events + 1);
    return CS_OK;
  }
  const size_t mark = cs_ytree_enter(tree, "name");
  const char *name = NULL;
  CS_CALL(cs_ytree_string(tree, node, &name));
  bool valid = strlen(name) < CS_NAME_MAX && (isalpha((unsigned char)name[0]) || name[0] == '_');
  for (const char *p = name; *p != '\0'; p++)
    valid = valid && (isalnum((unsigned char)*p) || *p == '_');
  if (!valid)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "'%s' is not a valid name: use letters, digits and '_', starting with a "
                         "letter or '_' (at most %d characters)",
                         name, CS_NAME_MAX - 1);
  for (int i = 0; i < c->n_events; i++)
    if (strcmp(c->event[i].name, name) == 0)
      return cs_ytree_fail(tree, node, CS_ERR_COHORT, "an event named '%s' is defined above", name);
  snprintf(e->name, sizeof e->name, "%s", name);
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

static cs_status read_event(cs_ytree *tree, const yaml_node_t *node, cs_cohort *c,
                            const double *values, cs_event *e)
{
  int n_keys = 0;
  CS_CALL(cs_ytree_mapping(tree, node, event_keys, &n_keys));
  CS_CALL(read_name(tree, node, c, e));
  const char *const kinds[] = {"at", "every", "when"};
  int n_kinds = 0;
  for (int k = 0; k < 3; k++)
    n_kinds += cs_ytree_lookup(tree, node, kinds[k]) != NULL;
  if (n_kinds != 1)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "an event needs exactly one of 'at', 'every' and 'when' (it has %d)",
                         n_kinds);
  if (cs_ytree_lookup(tree, node, "set") == NULL && cs_ytree_lookup(tree, node, "add") == NULL)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "an event needs 'set' or 'add' (or both)");
  if (cs_ytree_lookup(tree, node, "every") == NULL) {
    CS_CALL(refuse_key(tree, node, "from", "belongs to a repeating event (every)"));
    CS_CALL(refuse_key(tree, node, "until", "belongs to a repeating event (every)"));
  }
  if (cs_ytree_lookup(tree, node, "at") != NULL) {
    e->kind = CS_EVENT_AT;
    CS_CALL(read_time(tree, node, "at", c, values, false, &e->at));
  } else if (cs_ytree_lookup(tree, node, "every") != NULL) {
    e->kind = CS_EVENT_EVERY;
    CS_CALL(read_time(tree, node, "every", c, values, true, &e->every));
    e->from = (cs_expr){.coef = 0};
    if (cs_ytree_lookup(tree, node, "from") != NULL)
      CS_CALL(read_time(tree, node, "from", c, values, false, &e->from));
    e->has_until = cs_ytree_lookup(tree, node, "until") != NULL;
    if (e->has_until)
      CS_CALL(read_time(tree, node, "until", c, values, false, &e->until));
    CS_CALL(check_firings(tree, node, c, values, e));
  } else {
    CS_CALL(read_trigger(tree, node, c, values, e));
  }
  if (cs_ytree_lookup(tree, node, "when") == NULL) {
    CS_CALL(refuse_key(tree, node, "once", "belongs to a state event (when)"));
    CS_CALL(refuse_key(tree, node, "fires_at_start", "belongs to a state event (when)"));
  }
  CS_CALL(cs_ytree_flag(tree, node, "once", false, &e->once));
  CS_CALL(cs_ytree_flag(tree, node, "fires_at_start", true, &e->fires_at_start));
  CS_CALL(read_assignments(tree, node, "set", c, e));
  return read_assignments(tree, node, "add", c, e);
}

cs_status cs_cohort_read_events(cs_ytree *tree, const yaml_node_t *node, cs_cohort *c,
                                const double *values)
{
  int n = 0;
  CS_CALL(cs_ytree_sequence(tree, node, &n));
  cs_event *events = realloc(c->event, (size_t)(c->n_events + n + 1) * sizeof *events);
  if (events == NULL)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "out of memory reading events");
  c->event = events;
  for (int i = 0; i < n; i++) {
    const size_t mark = cs_ytree_enter_index(tree, i);
    cs_event *e = &c->event[c->n_events];
    *e = (cs_event){.kind = CS_EVENT_AT};
    CS_CALL(read_event(tree, cs_ytree_item(tree, node, i), c, values, e));
    c->n_events++;
    cs_ytree_leave(tree, mark);
  }
  return CS_OK;
}

static const char *target_name(const cs_cohort *c, const cs_assignment *a)
{
  switch (a->kind) {
  case CS_TARGET_SPECIES:
    return c->species[a->target].name;
  case CS_TARGET_PARAM:
    return c->param[a->target].name;
  case CS_TARGET_DRUG:
    return c->drug[a->target].name;
  }
  return "?";
}

void cs_cohort_print_events(FILE *out, const cs_cohort *c, int first, int n, int indent)
{
  for (int i = first; i < first + n; i++) {
    const cs_event *e = &c->event[i];
    char a[128], b[128], d[128];
    fprintf(out, "%*s%s: ", indent, "", e->name);
    switch (e->kind) {
    case CS_EVENT_AT:
      cs_expr_format(a, sizeof a, &e->at, c);
      fprintf(out, "at day %s", a);
      break;
    case CS_EVENT_EVERY:
      cs_expr_format(a, sizeof a, &e->every, c);
      cs_expr_format(b, sizeof b, &e->from, c);
      if (e->has_until)
        cs_expr_format(d, sizeof d, &e->until, c);
      fprintf(out, "every %s days from day %s until %s", a, b,
              e->has_until ? d : "the end of follow-up");
      break;
    case CS_EVENT_WHEN:
      fprintf(out, "when %s%s%s", cs_formula_text(e->trigger), e->once ? ", once" : "",
              e->fires_at_start ? "" : ", not at start");
      break;
    }
    for (int k = 0; k < e->n_assign; k++)
      fprintf(out, "%s%s %s %s", k == 0 ? ": " : ", ", target_name(c, &e->assign[k]),
              e->assign[k].add ? "+=" : "=", cs_formula_text(e->assign[k].value));
    fprintf(out, "\n");
  }
}
