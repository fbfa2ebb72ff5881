/* The `observables` and `record` sections: named formulas evaluated on the reporting
 * grid, and which species and observables get per-patient time courses in the output.
 *
 * An observable reads parameters, species and drugs, as a rate law does, but neither the
 * time nor another observable: a reader of a language with chained rules (SBML's
 * assignment rules) inlines them, so the value on the grid is one formula of the state.
 */
#include "cohort_observables.h"

#include "cohort_yaml.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int find_observable(const cs_cohort *c, int n, const char *name)
{
  for (int o = 0; o < n; o++)
    if (strcmp(c->observable[o].name, name) == 0)
      return o;
  return -1;
}

int cs_observables_find(const cs_cohort *cohort, const char *name)
{
  return find_observable(cohort, cohort->n_observables, name);
}

/* What else a name of the shared namespace already stands for, or NULL. */
static const char *name_taken(const cs_cohort *c, int n_observables, const char *name)
{
  if (cs_cohort_find_param(c, name) >= 0)
    return "a parameter";
  if (cs_cohort_find_species(c, name) >= 0)
    return "a species";
  if (cs_cohort_find_drug(c, name) >= 0)
    return "a drug";
  if (cs_cohort_find_reaction(c, name) >= 0)
    return "a reaction";
  if (find_observable(c, n_observables, name) >= 0)
    return "an observable";
  return NULL;
}

/* The names an observable reads: parameters, species, drugs. The last name refused
 * other than the time is kept for the message (the parser stops at it). */
typedef struct observable_names {
  const cs_cohort *cohort;
  int n_observables; /* those read so far */
  char refused[CS_NAME_MAX];
} observable_names;

static bool resolve_name(void *context, const char *name, cs_symbol *symbol)
{
  observable_names *names = context;
  const cs_cohort *c = names->cohort;
  int index;
  if ((index = cs_cohort_find_param(c, name)) >= 0)
    *symbol = (cs_symbol){.kind = CS_SYMBOL_PARAM, .index = index};
  else if ((index = cs_cohort_find_species(c, name)) >= 0)
    *symbol = (cs_symbol){.kind = CS_SYMBOL_SPECIES, .index = index};
  else if ((index = cs_cohort_find_drug(c, name)) >= 0)
    *symbol = (cs_symbol){.kind = CS_SYMBOL_DRUG, .index = index};
  else {
    if (strcmp(name, "t") != 0 && strcmp(name, "time") != 0)
      snprintf(names->refused, sizeof names->refused, "%s", name);
    return false;
  }
  return true;
}

/* The byte offset of the first whole-word occurrence of `word` in `text`, or -1. */
static long word_offset(const char *text, const char *word)
{
  const size_t n = strlen(word);
  for (const char *p = text; (p = strstr(p, word)) != NULL; p++) {
    const bool starts = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    const bool ends = !(isalnum((unsigned char)p[n]) || p[n] == '_');
    if (starts && ends)
      return (long)(p - text);
  }
  return -1;
}

/* Compiles one observable's formula; `section` is the observables mapping, so that a
 * name it reads that is an observable (before it, after it, or itself) is named as such. */
static cs_status compile_observable(cs_ytree *tree, const yaml_node_t *section,
                                    const yaml_node_t *node, cs_cohort *c,
                                    cs_observable *observable)
{
  const char *text = cs_ytree_scalar(node);
  if (text == NULL || text[0] == '\0') {
    char got[64];
    cs_ytree_describe(node, got, sizeof got);
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "expected a formula of species, parameters and drugs such as "
                         "\"A + M\", got %s",
                         got);
  }
  observable_names names = {.cohort = c, .n_observables = c->n_observables};
  cs_formula *formula = NULL;
  cs_error problem = {0};
  int column = 1;
  const cs_status status =
      cs_formula_compile(text, resolve_name, &names, &formula, &column, &problem);
  if (status == CS_ERR_NOMEM)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading observables",
                        tree->origin);
  const size_t offset = (size_t)(column > 0 ? column - 1 : 0);
  if (status != CS_OK && names.refused[0] != '\0' &&
      cs_ytree_lookup(tree, section, names.refused) != NULL)
    return cs_ytree_fail_in_scalar(tree, node, offset, CS_ERR_COHORT,
                                   "'%s' is an observable: an observable may not read another "
                                   "(write its formula in place)",
                                   names.refused);
  if (status != CS_OK)
    return cs_ytree_fail_in_scalar(tree, node, offset, CS_ERR_COHORT, "cannot read " CS_YTREE_QUOTE_FORMAT ": %s", CS_YTREE_QUOTE(text),
                                   problem.message);
  if (cs_formula_reads(formula, CS_SYMBOL_TIME, -1)) {
    cs_formula_destroy(&formula);
    long at = word_offset(text, "t");
    at = at >= 0 ? at : word_offset(text, "time");
    return cs_ytree_fail_in_scalar(tree, node, (size_t)(at >= 0 ? at : 0), CS_ERR_COHORT,
                                   "an observable may not read the time (t): it is a function "
                                   "of the state");
  }
  observable->formula = formula;
  return cs_cohort_yaml_own_formula(c, formula, tree->err);
}

static cs_status read_observables(cs_ytree *tree, const yaml_node_t *root, cs_cohort *c)
{
  const yaml_node_t *section = cs_ytree_lookup(tree, root, "observables");
  if (section == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(tree, "observables");
  int n = 0;
  CS_CALL(cs_ytree_mapping(tree, section, NULL, &n));
  if (n == 0) {
    cs_ytree_leave(tree, mark);
    return CS_OK;
  }
  c->observable = calloc((size_t)n, sizeof *c->observable);
  if (c->observable == NULL)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading observables",
                        tree->origin);
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(tree, section, i);
    const yaml_node_t *key = cs_ytree_key_node(tree, section, i);
    const size_t inner = cs_ytree_enter(tree, name);
    CS_CALL(cs_cohort_yaml_check_name(tree, key, name));
    const char *taken = name_taken(c, c->n_observables, name);
    if (taken != NULL)
      return cs_ytree_fail(tree, key, CS_ERR_COHORT,
                           "'%s' is already %s: parameters, species, drugs, reactions and "
                           "observables share one set of names",
                           name, taken);
    cs_observable *observable = &c->observable[i];
    snprintf(observable->name, sizeof observable->name, "%s", name);
    CS_CALL(compile_observable(tree, section, cs_ytree_value(tree, section, i), c, observable));
    c->n_observables = i + 1;
    cs_ytree_leave(tree, inner);
  }
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

/* The quantity a name stands for (a species, or n_species + an observable), or -1. */
static int find_quantity(const cs_cohort *c, const char *name)
{
  const int s = cs_cohort_find_species(c, name);
  if (s >= 0)
    return s;
  const int o = find_observable(c, c->n_observables, name);
  return o >= 0 ? c->n_species + o : -1;
}

static cs_status record_all(cs_ytree *tree, cs_cohort *c, int n)
{
  c->recorded = calloc((size_t)n + 1, sizeof *c->recorded);
  if (c->recorded == NULL)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading record", tree->origin);
  for (int q = 0; q < n; q++)
    c->recorded[q] = q;
  c->n_recorded = n;
  return CS_OK;
}

static cs_status read_record(cs_ytree *tree, const yaml_node_t *root, cs_cohort *c)
{
  const yaml_node_t *section = cs_ytree_lookup(tree, root, "record");
  if (section == NULL) {
    /* The default: a plain simulation (no outcomes) or a model with observables is
     * there to be watched over time; an outcome cohort keeps its files as they were. */
    const bool watched = c->n_observables > 0 || cs_ytree_lookup(tree, root, "outcomes") == NULL;
    return watched ? record_all(tree, c, c->n_species + c->n_observables) : CS_OK;
  }
  const size_t mark = cs_ytree_enter(tree, "record");
  int n = 0;
  CS_CALL(cs_ytree_sequence(tree, section, &n));
  c->recorded = calloc((size_t)n + 1, sizeof *c->recorded);
  if (c->recorded == NULL)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading record", tree->origin);
  for (int i = 0; i < n; i++) {
    const yaml_node_t *item = cs_ytree_item(tree, section, i);
    const size_t inner = cs_ytree_enter_index(tree, i);
    const char *name = NULL;
    CS_CALL(cs_ytree_string(tree, item, &name));
    const int q = find_quantity(c, name);
    if (q < 0)
      return cs_ytree_fail(tree, item, CS_ERR_COHORT,
                           "'%s' is neither a species nor an observable: record lists species "
                           "and observables",
                           name);
    for (int j = 0; j < i; j++)
      if (c->recorded[j] == q)
        return cs_ytree_fail(tree, item, CS_ERR_COHORT, "'%s' is listed twice", name);
    c->recorded[i] = q;
    c->n_recorded = i + 1;
    cs_ytree_leave(tree, inner);
  }
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

cs_status cs_observables_read(cs_ytree *tree, const yaml_node_t *root, cs_cohort *cohort)
{
  CS_CALL(read_observables(tree, root, cohort));
  CS_CALL(read_record(tree, root, cohort));
  return cs_ytree_flag(tree, root, "time_course_statistics", true, &cohort->time_course_statistics);
}
