/* Reading a YAML cohort file into a validated cs_cohort.
 *
 * The YAML mechanics (strict mappings, numbers, positions, --set overrides) live in
 * yamltree.c; this file knows what the sections mean. Reading goes top-down in a fixed
 * order (settings, parameters, correlations, species, drugs, reactions, arms, traits,
 * timing, outcomes) so that every name is defined before it is referred to, and every
 * name is resolved to an index as it is read. Values that depend on parameters are
 * evaluated with the parameters' typical values (a fixed value, or a distribution's
 * median), and again with each arm's and each trait's settings, so a rate that would be
 * negative for every patient is reported at its place in the file, not in the middle of
 * a run. The distributions' arithmetic (quantiles, truncation) is dist.c's; the rules
 * a value must satisfy, and the check of the whole cohort with one arm's values, are
 * cohort_check.c's; the factor kinds' syntax is factor.c's table.
 */
#include "cohortsim/cohort.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/factor.h"
#include "cohortsim/outcome.h"
#include "cohortsim/sweep.h"
#include "cohortsim/yamltree.h"

#include "cohort_check.h"
#include "cohort_events.h"
#include "cohort_expr.h"
#include "cohort_observables.h"
#include "cohort_resolve.h"
#include "cohort_sbml.h"
#include "cohort_yaml.h"

/* Integer stoichiometries are stored as doubles; beyond 2^53 they would be inexact. */
#define CS_CHANGE_LIMIT 0x1.0p53
/* The most copies one firing takes of a reactant (C(X, k) is a product of k terms). */
#define CS_COUNT_MAX_STOICHIOMETRY 1000

/* ---- names --------------------------------------------------------------------------- */

/* The kinds of things a cohort file names, for lookups and for messages that list the
 * names in use. */
typedef enum { CS_NAME_PARAM, CS_NAME_SPECIES, CS_NAME_DRUG, CS_NAME_ARM } cs_name_kind;

static const char *const kind_singular[] = {"parameter", "species", "drug", "arm"};
static const char *const kind_plural[] = {"parameters", "species", "drugs", "arms"};

static int name_count(const cs_cohort *c, cs_name_kind kind)
{
  switch (kind) {
  case CS_NAME_PARAM:
    return c->n_params;
  case CS_NAME_SPECIES:
    return c->n_species;
  case CS_NAME_DRUG:
    return c->n_drugs;
  case CS_NAME_ARM:
    return c->n_arms;
  }
  return 0;
}

static const char *name_at(const cs_cohort *c, cs_name_kind kind, int i)
{
  switch (kind) {
  case CS_NAME_PARAM:
    return c->param[i].name;
  case CS_NAME_SPECIES:
    return c->species[i].name;
  case CS_NAME_DRUG:
    return c->drug[i].name;
  case CS_NAME_ARM:
    return c->arm[i].name;
  }
  return "";
}

/* Searches the first `n` names of a kind (arms search only those defined so far). */
static int find_first(const cs_cohort *c, cs_name_kind kind, int n, const char *name)
{
  for (int i = 0; i < n; i++)
    if (strcmp(name_at(c, kind, i), name) == 0)
      return i;
  return -1;
}

static int find_name(const cs_cohort *c, cs_name_kind kind, const char *name)
{
  return find_first(c, kind, name_count(c, kind), name);
}

int cs_cohort_find_param(const cs_cohort *cohort, const char *name)
{
  return find_name(cohort, CS_NAME_PARAM, name);
}

int cs_cohort_find_species(const cs_cohort *cohort, const char *name)
{
  return find_name(cohort, CS_NAME_SPECIES, name);
}

int cs_cohort_find_drug(const cs_cohort *cohort, const char *name)
{
  return find_name(cohort, CS_NAME_DRUG, name);
}

int cs_cohort_find_reaction(const cs_cohort *cohort, const char *name)
{
  for (int i = 0; i < cohort->n_reactions; i++)
    if (strcmp(cohort->reaction[i].name, name) == 0)
      return i;
  return -1;
}

int cs_cohort_find_arm(const cs_cohort *cohort, const char *name)
{
  return find_name(cohort, CS_NAME_ARM, name);
}

/* "b, d, kd, ..." for messages: long enough to jog the memory, short enough to read. */
typedef struct cs_name_list {
  char text[320];
  int n;
} cs_name_list;

static void name_list_add(cs_name_list *list, const char *name)
{
  size_t used = strlen(list->text);
  if (used > 240) {
    if (strcmp(list->text + used - 3, "...") != 0)
      snprintf(list->text + used, sizeof list->text - used, ", ...");
    return;
  }
  snprintf(list->text + used, sizeof list->text - used, "%s%s", list->n == 0 ? "" : ", ", name);
  list->n++;
}

/* ---- the reader ---------------------------------------------------------------------- */

typedef struct cs_reader {
  cs_ytree tree;
  cs_cohort *cohort;
  double *values;     /* [param] the parameters' fixed values */
  double *arm_values; /* [param] the same with one arm's settings applied */
} cs_reader;

static cs_status nomem(cs_reader *r)
{
  return cs_error_set(r->tree.err, CS_ERR_NOMEM, "%s: out of memory reading the cohort",
                      r->tree.origin);
}

/* calloc that treats zero elements as success (calloc(0) may return NULL). */
static cs_status alloc_array(cs_reader *r, void **array, int n, size_t size)
{
  *array = NULL;
  if (n <= 0)
    return CS_OK;
  *array = calloc((size_t)n, size);
  return *array == NULL ? nomem(r) : CS_OK;
}

static char *dup_text(const char *text, size_t length)
{
  char *copy = malloc(length + 1);
  if (copy == NULL)
    return NULL;
  memcpy(copy, text, length);
  copy[length] = '\0';
  return copy;
}

static char *dup_string(const char *text)
{
  return dup_text(text, strlen(text));
}

/* "unknown drug 'x' (drugs are: ...)", listing the first `n` names of the kind. */
static void describe_unknown(const cs_cohort *c, cs_name_kind kind, const char *name, int n,
                             char *what, size_t size)
{
  if (kind == CS_NAME_PARAM && find_name(c, CS_NAME_SPECIES, name) >= 0) {
    snprintf(what, size,
             "'%s' is a species, not a parameter: species enter a propensity as factors "
             "({species: %s})",
             name, name);
    return;
  }
  cs_name_list list = {.n = 0};
  for (int i = 0; i < n; i++)
    name_list_add(&list, name_at(c, kind, i));
  if (list.n == 0)
    snprintf(what, size, "unknown %s '%s' (no %s are defined)", kind_singular[kind], name,
             kind_plural[kind]);
  else
    snprintf(what, size, "unknown %s '%s' (%s are: %s)", kind_singular[kind], name,
             kind_plural[kind], list.text);
}

static cs_status unknown_name_among(cs_reader *r, const yaml_node_t *node, cs_name_kind kind,
                                    const char *name, int n)
{
  char what[512];
  describe_unknown(r->cohort, kind, name, n, what, sizeof what);
  return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "%s", what);
}

static cs_status unknown_name(cs_reader *r, const yaml_node_t *node, cs_name_kind kind,
                              const char *name)
{
  return unknown_name_among(r, node, kind, name, name_count(r->cohort, kind));
}

/* Names become NetCDF variable names (param_<name>) and C identifiers in messages, so
 * they follow C's rules. */
cs_status cs_cohort_yaml_check_name(cs_ytree *tree, const yaml_node_t *node, const char *name)
{
  if (strlen(name) >= CS_NAME_MAX)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "name is longer than %d characters",
                         CS_NAME_MAX - 1);
  int valid = isalpha((unsigned char)name[0]) || name[0] == '_';
  for (const char *p = name; *p != '\0'; p++)
    if (!isalnum((unsigned char)*p) && *p != '_')
      valid = 0;
  if (!valid)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "'%s' is not a valid name: use letters, digits and '_', starting "
                         "with a letter or '_'",
                         name);
  /* Formulas read these words as operators, so a name spelled so could never be read. */
  static const char *const operators[] = {"and", "or", "not"};
  for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
    if (strcmp(name, operators[i]) == 0)
      return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                           "'%s' is not a valid name: formulas read it as an operator", name);
  return CS_OK;
}

static cs_status check_name(cs_reader *r, const yaml_node_t *node, const char *name)
{
  return cs_cohort_yaml_check_name(&r->tree, node, name);
}

/* Reads the name held by `node` and resolves it to an index of `kind`. */
static cs_status read_reference(cs_reader *r, const yaml_node_t *node, cs_name_kind kind,
                                int *index)
{
  const char *name = NULL;
  CS_CALL(cs_ytree_string(&r->tree, node, &name));
  *index = find_name(r->cohort, kind, name);
  if (*index < 0)
    return unknown_name(r, node, kind, name);
  return CS_OK;
}

/* A list of distinct species, written [A, M] or, for one species, A. */
static cs_status read_species_list(cs_reader *r, const yaml_node_t *node, int *species, int *n)
{
  *n = 0;
  if (cs_ytree_scalar(node) != NULL) {
    *n = 1;
    return read_reference(r, node, CS_NAME_SPECIES, &species[0]);
  }
  int n_items = 0;
  CS_CALL(cs_ytree_sequence(&r->tree, node, &n_items));
  if (n_items < 1 || n_items > CS_SUM_MAX)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected a list of 1 to %d species, got %d", CS_SUM_MAX, n_items);
  for (int i = 0; i < n_items; i++) {
    const yaml_node_t *item = cs_ytree_item(&r->tree, node, i);
    const size_t mark = cs_ytree_enter_index(&r->tree, i);
    CS_CALL(read_reference(r, item, CS_NAME_SPECIES, &species[i]));
    for (int j = 0; j < i; j++)
      if (species[j] == species[i])
        return cs_ytree_fail(&r->tree, item, CS_ERR_COHORT, "species '%s' is listed twice",
                             r->cohort->species[species[i]].name);
    cs_ytree_leave(&r->tree, mark);
  }
  *n = n_items;
  return CS_OK;
}

/* ---- numbers ------------------------------------------------------------------------- */

typedef enum {
  CS_BOUND_ANY,
  CS_BOUND_POSITIVE,
  CS_BOUND_NON_NEGATIVE,
  CS_BOUND_FRACTION,   /* (0, 1) */
  CS_BOUND_PROBABILITY /* [0, 1] */
} cs_bound;

static cs_status check_bound(cs_reader *r, const yaml_node_t *node, double value, cs_bound bound)
{
  const char *need = NULL;
  if (bound == CS_BOUND_POSITIVE && !(value > 0))
    need = "> 0";
  else if (bound == CS_BOUND_NON_NEGATIVE && !(value >= 0))
    need = ">= 0";
  else if (bound == CS_BOUND_FRACTION && !(value > 0 && value < 1))
    need = "between 0 and 1 (exclusive)";
  else if (bound == CS_BOUND_PROBABILITY && !(value >= 0 && value <= 1))
    need = "between 0 and 1";
  if (need == NULL)
    return CS_OK;
  return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "expected a number %s, got %g", need, value);
}

/* Reads mapping[key] as a number within `bound`; an absent key gives `fallback`, or an
 * error when `required`. */
static cs_status read_number(cs_reader *r, const yaml_node_t *mapping, const char *key,
                             int required, double fallback, cs_bound bound, double *value)
{
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, mapping, key);
  *value = fallback;
  if (node == NULL) {
    yaml_node_t *missing = NULL;
    return required ? cs_ytree_require(&r->tree, mapping, key, &missing) : CS_OK;
  }
  const size_t mark = cs_ytree_enter(&r->tree, key);
  CS_CALL(cs_ytree_number(&r->tree, node, value));
  CS_CALL(check_bound(r, node, *value, bound));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* Reads an optional integer mapping[key] in [min, max] (absent: `fallback`). */
static cs_status read_integer(cs_reader *r, const yaml_node_t *mapping, const char *key,
                              long fallback, long min, long max, int *value)
{
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, mapping, key);
  long v = fallback;
  if (node != NULL) {
    const size_t mark = cs_ytree_enter(&r->tree, key);
    CS_CALL(cs_ytree_integer(&r->tree, node, min, max, &v));
    cs_ytree_leave(&r->tree, mark);
  }
  *value = (int)v;
  return CS_OK;
}

/* ---- expressions --------------------------------------------------------------------- */

/* Checks a value computed from the fixed parameters, at the node it was read from. */
static cs_status check_value(cs_reader *r, const yaml_node_t *node, const cs_expr *e, cs_rule rule,
                             const char *problem)
{
  const double value = cs_expr_eval(e, r->values);
  const char *requirement = cs_rule_violation(rule, value);
  if (requirement == NULL)
    return CS_OK;
  if (cs_expr_is_number(e))
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "%s %g, expected a finite value %s",
                         problem, value, requirement);
  char text[128];
  cs_expr_format(text, sizeof text, e, r->cohort);
  return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                       "%s: '%s' evaluates to %g, expected a finite value %s", problem, text, value,
                       requirement);
}

/* Adds one term ("2" or "kH") of a product; the next call starts after it. Clears
 * *product, without an error, if no term of a product starts at *p. An unknown name is
 * skipped and kept in *unknown (the first), to be reported only if the whole text is a
 * product: in "exp(k)" it is a function's. */
static cs_status parse_term(cs_reader *r, const yaml_node_t *node, const char *text, const char **p,
                            int power, cs_expr *e, bool *product, char *unknown)
{
  const char *start = *p;
  if (isdigit((unsigned char)*start) || *start == '.') {
    /* A term starts with a digit, so strtod never reads a sign and a coefficient is
     * never negative: only a literal -1 may consume a species. */
    char *end = NULL;
    const double v = strtod(start, &end);
    if (end == start) {
      *product = false;
      return CS_OK;
    }
    if (power < 0 && v == 0)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "'%s' divides by zero", text);
    e->coef = power > 0 ? e->coef * v : e->coef / v;
    *p = end;
    return CS_OK;
  }
  if ((!isalpha((unsigned char)*start) && *start != '_') || e->n_terms == CS_EXPR_MAX_TERMS) {
    *product = false;
    return CS_OK;
  }
  const char *end = start;
  while (isalnum((unsigned char)*end) || *end == '_')
    end++;
  char name[CS_NAME_MAX];
  if ((size_t)(end - start) >= sizeof name)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "a name in '%s' is too long", text);
  memcpy(name, start, (size_t)(end - start));
  name[end - start] = '\0';
  *p = end;
  const int param = find_name(r->cohort, CS_NAME_PARAM, name);
  if (param < 0) {
    if (unknown[0] == '\0')
      memcpy(unknown, name, (size_t)(end - start) + 1);
    return CS_OK;
  }
  e->param[e->n_terms] = param;
  e->power[e->n_terms] = power;
  e->n_terms++;
  return CS_OK;
}

/* Parses "[+] term (('*' | '/') term)*" into cs_expr's fast form (number terms fold into
 * the coefficient), as every expression was read before formulas, to the bit. Clears
 * *product, without an error, where the text leaves that form (it is then a formula). */
static cs_status parse_product(cs_reader *r, const yaml_node_t *node, const char *text, cs_expr *e,
                               bool *product)
{
  *e = (cs_expr){.coef = 1.0};
  *product = true;
  const char *p = text;
  while (*p == ' ')
    p++;
  if (*p == '+')
    p++;
  int power = 1;
  char unknown[CS_NAME_MAX] = "";
  for (;;) {
    while (*p == ' ')
      p++;
    CS_CALL(parse_term(r, node, text, &p, power, e, product, unknown));
    if (!*product)
      return CS_OK;
    while (*p == ' ')
      p++;
    if (*p == '\0')
      break;
    if (*p != '*' && *p != '/') {
      *product = false;
      return CS_OK;
    }
    power = *p == '*' ? 1 : -1;
    p++;
  }
  if (unknown[0] != '\0')
    return unknown_name(r, node, CS_NAME_PARAM, unknown);
  if (!isfinite(e->coef))
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "the numbers in '%s' are not finite", text);
  return CS_OK;
}

/* The names a formula in an expression's place may use: parameters only, since its value
 * is fixed per patient. The last name refused is kept for the message. */
typedef struct param_resolver {
  const cs_cohort *cohort;
  const char *refused_kind; /* "species", "drug", or NULL for an unknown name */
  char refused[CS_NAME_MAX];
} param_resolver;

static bool resolve_param(void *context, const char *name, cs_symbol *symbol)
{
  param_resolver *pr = context;
  const int param = find_name(pr->cohort, CS_NAME_PARAM, name);
  if (param >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_PARAM, .index = param};
    return true;
  }
  pr->refused_kind = find_name(pr->cohort, CS_NAME_SPECIES, name) >= 0 ? "species"
                     : find_name(pr->cohort, CS_NAME_DRUG, name) >= 0  ? "drug"
                                                                       : NULL;
  snprintf(pr->refused, sizeof pr->refused, "%s", name);
  return false;
}

/* True if the name `name` stands at `at`. */
static bool name_at_text(const char *at, const char *name)
{
  const size_t n = strlen(name);
  return strncmp(at, name, n) == 0 && !isalnum((unsigned char)at[n]) && at[n] != '_';
}

/* Keeps a compiled formula for the cohort's lifetime (cs_cohort_destroy frees it). */
cs_status cs_cohort_yaml_own_formula(cs_cohort *c, cs_formula *formula, cs_error *err)
{
  cs_formula **list = realloc(c->formula, (size_t)(c->n_formulas + 1) * sizeof *list);
  if (list == NULL) {
    cs_formula_destroy(&formula);
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory reading expressions");
  }
  c->formula = list;
  c->formula[c->n_formulas++] = formula;
  return CS_OK;
}

static cs_status own_formula(cs_reader *r, cs_formula *formula)
{
  return cs_cohort_yaml_own_formula(r->cohort, formula, r->tree.err);
}

/* Compiles `text`, which is not a product, as a formula of parameters; an error names the
 * column of the offending character inside the scalar. A formula of numbers only becomes
 * a number. */
static cs_status compile_expr(cs_reader *r, const yaml_node_t *node, const char *text, cs_expr *e)
{
  param_resolver names = {.cohort = r->cohort};
  cs_formula *formula = NULL;
  cs_error err = {0};
  int column = 0;
  if (cs_formula_compile(text, resolve_param, &names, &formula, &column, &err) != CS_OK) {
    const size_t offset = (size_t)(column - 1);
    const cs_status status = err.status == CS_ERR_NOMEM ? CS_ERR_NOMEM : CS_ERR_COHORT;
    /* The parser stops at the first name the resolver refuses (unless it is the time). */
    const bool refused = names.refused[0] != '\0' && name_at_text(text + offset, names.refused);
    if (refused && names.refused_kind != NULL)
      return cs_ytree_fail_in_scalar(&r->tree, node, offset, status,
                                     "'%s' is a %s: a %s is not allowed here (an expression of "
                                     "parameters, fixed per patient)",
                                     names.refused, names.refused_kind, names.refused_kind);
    if (refused) {
      char what[512];
      describe_unknown(r->cohort, CS_NAME_PARAM, names.refused, r->cohort->n_params, what,
                       sizeof what);
      return cs_ytree_fail_in_scalar(&r->tree, node, offset, status, "%s", what);
    }
    return cs_ytree_fail_in_scalar(&r->tree, node, offset, status, "cannot read " CS_YTREE_QUOTE_FORMAT ": %s", CS_YTREE_QUOTE(text),
                                   err.message);
  }
  if (cs_formula_reads(formula, CS_SYMBOL_TIME, -1)) {
    cs_formula_destroy(&formula);
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "'%s' reads the time (t): an expression of parameters is fixed per "
                         "patient",
                         text);
  }
  if (cs_formula_is_constant(formula)) {
    *e = (cs_expr){.coef = cs_formula_eval(formula, NULL)};
    cs_formula_destroy(&formula);
    return CS_OK;
  }
  *e = (cs_expr){.coef = 1.0, .formula = formula};
  return own_formula(r, formula);
}

/* An expression: a YAML number, a product such as "kH*b", or any formula of parameters
 * such as "N0 + 2*M0". */
static cs_status read_expr(cs_reader *r, const yaml_node_t *node, cs_expr *e)
{
  const char *text = cs_ytree_scalar(node);
  double v = 0;
  if (text != NULL && cs_ytree_parse_number(text, &v)) {
    CS_CALL(cs_ytree_number(&r->tree, node, &v));
    *e = (cs_expr){.coef = v};
    return CS_OK;
  }
  if (text == NULL || text[0] == '\0') {
    char got[64];
    cs_ytree_describe(node, got, sizeof got);
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected a number or an expression such as kH*b, got %s", got);
  }
  bool product = true;
  CS_CALL(parse_product(r, node, text, e, &product));
  return product ? CS_OK : compile_expr(r, node, text, e);
}

/* Reads mapping[key] as an expression and checks its value by `rule`. */
static cs_status read_checked_expr(cs_reader *r, const yaml_node_t *mapping, const char *key,
                                   cs_rule rule, const char *problem, cs_expr *e)
{
  yaml_node_t *node = NULL;
  CS_CALL(cs_ytree_require(&r->tree, mapping, key, &node));
  const size_t mark = cs_ytree_enter(&r->tree, key);
  CS_CALL(read_expr(r, node, e));
  CS_CALL(check_value(r, node, e, rule, problem));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- settings ------------------------------------------------------------------------ */

static const char *const hybrid_keys[] = {"epsilon", "critical", NULL};

static cs_status read_method(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  /* Hybrid unless the file says otherwise: it leaps only where counts are large and
   * simulates exactly where they are small, which is what a cohort of real tumour
   * burdens needs; `exact` is for validation and for small systems. */
  c->method = CS_METHOD_HYBRID;
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, root, "method");
  if (node != NULL) {
    const size_t mark = cs_ytree_enter(&r->tree, "method");
    const char *text = NULL;
    CS_CALL(cs_ytree_string(&r->tree, node, &text));
    if (strcmp(text, "exact") == 0)
      c->method = CS_METHOD_EXACT;
    else if (strcmp(text, "hybrid") == 0)
      c->method = CS_METHOD_HYBRID;
    else
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "expected 'exact' or 'hybrid', got '%s'",
                           text);
    cs_ytree_leave(&r->tree, mark);
  }
  /* The hybrid settings are read (and checked) even for the exact method, so switching
   * methods with --set method=hybrid never meets an unchecked block. */
  const yaml_node_t *hybrid = cs_ytree_lookup(&r->tree, root, "hybrid");
  const size_t mark = cs_ytree_enter(&r->tree, "hybrid");
  int n = 0;
  if (hybrid != NULL)
    CS_CALL(cs_ytree_mapping(&r->tree, hybrid, hybrid_keys, &n));
  CS_CALL(read_number(r, hybrid, "epsilon", 0, 0.03, CS_BOUND_FRACTION, &c->hybrid_epsilon));
  CS_CALL(read_integer(r, hybrid, "critical", 10, 0, INT_MAX, &c->hybrid_critical));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* The reporting grid must have a start and an end, and fit the output (the engines stop
 * at each point, and every patient stores a burden there). */
static cs_status check_grid(cs_reader *r, const yaml_node_t *root)
{
  const cs_cohort *c = r->cohort;
  const double points = cs_outcome_grid_points(c->followup_days, c->report_every_days);
  if (points >= 2 && points <= CS_GRID_MAX_POINTS)
    return CS_OK;
  const char *key = cs_ytree_lookup(&r->tree, root, "report_every_days") != NULL
                        ? "report_every_days"
                        : "followup_days";
  cs_ytree_enter(&r->tree, key);
  return cs_ytree_fail(&r->tree, cs_ytree_lookup(&r->tree, root, key), CS_ERR_COHORT,
                       "followup_days %g reported every %g days gives %g reporting times: "
                       "expected 2 to %d",
                       c->followup_days, c->report_every_days, points, CS_GRID_MAX_POINTS);
}

static cs_status read_settings(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  yaml_node_t *node = NULL;
  CS_CALL(cs_ytree_require(&r->tree, root, "name", &node));
  size_t mark = cs_ytree_enter(&r->tree, "name");
  const char *text = NULL;
  CS_CALL(cs_ytree_string(&r->tree, node, &text));
  if (text[0] == '\0' || strlen(text) >= CS_NAME_MAX)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "expected a name of 1 to %d characters",
                         CS_NAME_MAX - 1);
  snprintf(c->name, sizeof c->name, "%s", text);
  cs_ytree_leave(&r->tree, mark);

  node = cs_ytree_lookup(&r->tree, root, "description");
  if (node != NULL) {
    mark = cs_ytree_enter(&r->tree, "description");
    CS_CALL(cs_ytree_string(&r->tree, node, &text));
    char *description = dup_string(text);
    if (description == NULL)
      return nomem(r);
    free(c->description);
    c->description = description;
    cs_ytree_leave(&r->tree, mark);
  }

  CS_CALL(read_method(r, root));
  CS_CALL(read_number(r, root, "followup_days", 1, 0, CS_BOUND_POSITIVE, &c->followup_days));
  /* A follow-up shorter than the default interval is reported at its end only. */
  const double every = fmin(1.0, c->followup_days);
  CS_CALL(read_number(r, root, "report_every_days", 0, every, CS_BOUND_POSITIVE,
                      &c->report_every_days));
  if (c->report_every_days > c->followup_days) {
    node = cs_ytree_lookup(&r->tree, root, "report_every_days");
    cs_ytree_enter(&r->tree, "report_every_days");
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected at most followup_days (%g), got %g", c->followup_days,
                         c->report_every_days);
  }
  return check_grid(r, root);
}

/* ---- parameters ---------------------------------------------------------------------- */

/* The distributions a value may follow over patients, and the keys of each. */
static const char *const dist_kinds[] = {"normal", "lognormal", "uniform", "beta", NULL};
static const char *const normal_keys[] = {"mean", "sd", "min", "max", NULL};
static const char *const lognormal_keys[] = {"median", "cv", "mu", "sigma", NULL};
static const char *const range_keys[] = {"min", "max", NULL};
static const char *const beta_keys[] = {"a", "b", "min", "max", NULL};

/* Fails at `node` because [lower, upper] holds no value. */
static cs_status empty_range(cs_reader *r, const yaml_node_t *node, const char *what, double lower,
                             double upper)
{
  return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                       "the %s [%g, %g] is empty: min must be below max", what, lower, upper);
}

/* {mean: M, sd: S} with optional min and max: a normal truncated to [min, max]. */
static cs_status read_normal(cs_reader *r, const yaml_node_t *node, cs_dist *d)
{
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, normal_keys, &n));
  d->kind = CS_DIST_NORMAL;
  CS_CALL(read_number(r, node, "mean", 1, 0, CS_BOUND_ANY, &d->mean));
  CS_CALL(read_number(r, node, "sd", 1, 0, CS_BOUND_NON_NEGATIVE, &d->sd));
  CS_CALL(read_number(r, node, "min", 0, -HUGE_VAL, CS_BOUND_ANY, &d->lower));
  CS_CALL(read_number(r, node, "max", 0, HUGE_VAL, CS_BOUND_ANY, &d->upper));
  if (!(d->lower < d->upper))
    return empty_range(r, node, "truncation range", d->lower, d->upper);
  /* A range so far out that the normal puts no probability on it (in double precision)
   * could not be sampled; with sd 0 the range must hold the mean. */
  if (!(cs_dist_normal_mass(d) > 0))
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "the truncation range [%g, %g] holds no probability: it lies too far "
                         "from the mean %g for sd %g",
                         d->lower, d->upper, d->mean, d->sd);
  return CS_OK;
}

/* {median: M, cv: C}, {median: M, sigma: S} or {mu: U, sigma: S}: the logarithm is normal
 * with mean mu = ln(median) and sd sigma; a coefficient of variation C gives sigma =
 * sqrt(ln(1 + C^2)) (the lognormal's CV is sqrt(exp(sigma^2) - 1)). */
static cs_status read_lognormal(cs_reader *r, const yaml_node_t *node, cs_dist *d)
{
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, lognormal_keys, &n));
  d->kind = CS_DIST_LOGNORMAL;
  const int has_median = cs_ytree_lookup(&r->tree, node, "median") != NULL;
  const int has_cv = cs_ytree_lookup(&r->tree, node, "cv") != NULL;
  const int has_mu = cs_ytree_lookup(&r->tree, node, "mu") != NULL;
  const int has_sigma = cs_ytree_lookup(&r->tree, node, "sigma") != NULL;
  if (has_median == has_mu)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         has_median ? "give median (with cv or sigma) or mu (with sigma), not both"
                                    : "expected {median: M, cv: C} or {mu: U, sigma: S}");
  if (has_mu && has_cv)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "cv goes with median; with mu, give sigma (the sd of the logarithm)");
  if (has_median && has_cv == has_sigma)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         has_cv ? "give cv or sigma with median, not both"
                                : "with median, give cv (or sigma, the sd of the logarithm)");
  if (has_mu) {
    CS_CALL(read_number(r, node, "mu", 1, 0, CS_BOUND_ANY, &d->mu));
    return read_number(r, node, "sigma", 1, 0, CS_BOUND_NON_NEGATIVE, &d->sigma);
  }
  double median = 0;
  CS_CALL(read_number(r, node, "median", 1, 0, CS_BOUND_POSITIVE, &median));
  d->mu = log(median);
  if (has_sigma)
    return read_number(r, node, "sigma", 1, 0, CS_BOUND_NON_NEGATIVE, &d->sigma);
  double cv = 0;
  CS_CALL(read_number(r, node, "cv", 1, 0, CS_BOUND_NON_NEGATIVE, &cv));
  d->sigma = sqrt(log1p(cv * cv));
  return CS_OK;
}

/* [lo, hi] or {min: lo, max: hi}. */
static cs_status read_uniform(cs_reader *r, const yaml_node_t *node, cs_dist *d)
{
  d->kind = CS_DIST_UNIFORM;
  if (node->type == YAML_SEQUENCE_NODE) {
    int n = 0;
    CS_CALL(cs_ytree_sequence(&r->tree, node, &n));
    if (n != 2)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "expected [lo, hi] (two numbers), got %d item%s", n, n == 1 ? "" : "s");
    double *bound[2] = {&d->lower, &d->upper};
    for (int i = 0; i < 2; i++) {
      const size_t mark = cs_ytree_enter_index(&r->tree, i);
      CS_CALL(cs_ytree_number(&r->tree, cs_ytree_item(&r->tree, node, i), bound[i]));
      cs_ytree_leave(&r->tree, mark);
    }
  } else if (node->type == YAML_MAPPING_NODE) {
    int n = 0;
    CS_CALL(cs_ytree_mapping(&r->tree, node, range_keys, &n));
    CS_CALL(read_number(r, node, "min", 1, 0, CS_BOUND_ANY, &d->lower));
    CS_CALL(read_number(r, node, "max", 1, 0, CS_BOUND_ANY, &d->upper));
  } else {
    char got[64];
    cs_ytree_describe(node, got, sizeof got);
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected [lo, hi] or {min: lo, max: hi}, got %s", got);
  }
  if (!(d->lower < d->upper))
    return empty_range(r, node, "range", d->lower, d->upper);
  return CS_OK;
}

static cs_status read_beta_shape(cs_reader *r, const yaml_node_t *node, const char *key,
                                 double *shape)
{
  CS_CALL(read_number(r, node, key, 1, 0, CS_BOUND_POSITIVE, shape));
  if (*shape >= CS_BETA_SHAPE_MIN && *shape <= CS_BETA_SHAPE_MAX)
    return CS_OK;
  cs_ytree_enter(&r->tree, key);
  return cs_ytree_fail(&r->tree, cs_ytree_lookup(&r->tree, node, key), CS_ERR_COHORT,
                       "expected a shape from %g to %g (where the beta's quantiles can be "
                       "computed), got %g",
                       CS_BETA_SHAPE_MIN, CS_BETA_SHAPE_MAX, *shape);
}

/* {a: A, b: B} with optional min and max (default 0 and 1): Beta(a, b) scaled to
 * [min, max]. */
static cs_status read_beta(cs_reader *r, const yaml_node_t *node, cs_dist *d)
{
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, beta_keys, &n));
  d->kind = CS_DIST_BETA;
  CS_CALL(read_beta_shape(r, node, "a", &d->a));
  CS_CALL(read_beta_shape(r, node, "b", &d->b));
  CS_CALL(read_number(r, node, "min", 0, 0, CS_BOUND_ANY, &d->lower));
  CS_CALL(read_number(r, node, "max", 0, 1, CS_BOUND_ANY, &d->upper));
  if (!(d->lower < d->upper))
    return empty_range(r, node, "range", d->lower, d->upper);
  return CS_OK;
}

/* Patients are drawn through normal deviates (population.h): a distribution whose
 * quantiles are not finite out to CS_DIST_CHECK_Z sd would fail patients in the run. */
static cs_status check_spread(cs_reader *r, const yaml_node_t *node, const cs_dist *d)
{
  for (int side = -1; side <= 1; side += 2) {
    const double z = side * CS_DIST_CHECK_Z;
    const double value = cs_dist_from_normal(d, z);
    if (!isfinite(value))
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "the quantile at the normal deviate z = %+g is %g, not finite: the "
                           "spread is too large",
                           z, value);
  }
  return CS_OK;
}

/* A value that may vary over patients: a number (fixed), or a mapping with one key
 * naming the distribution, {KIND: {...}}. This one reader serves the parameters and the
 * timing section. */
static cs_status read_dist(cs_reader *r, const yaml_node_t *node, cs_dist *d)
{
  *d = (cs_dist){.kind = CS_DIST_FIXED, .lower = -HUGE_VAL, .upper = HUGE_VAL};
  if (node->type != YAML_MAPPING_NODE)
    return cs_ytree_number(&r->tree, node, &d->value);
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, NULL, &n));
  if (n != 1) {
    if (n == 0)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "expected a number or a distribution such as {lognormal: {median: "
                           "0.7, cv: 0.3}} (normal, lognormal, uniform or beta)");
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "a distribution has one kind, got '%s' and '%s'",
                         cs_ytree_key(&r->tree, node, 0), cs_ytree_key(&r->tree, node, 1));
  }
  const char *kind = cs_ytree_key(&r->tree, node, 0);
  const yaml_node_t *key = cs_ytree_key_node(&r->tree, node, 0);
  const yaml_node_t *value = cs_ytree_value(&r->tree, node, 0);
  const size_t mark = cs_ytree_enter(&r->tree, kind);
  if (strcmp(kind, "normal") == 0)
    CS_CALL(read_normal(r, value, d));
  else if (strcmp(kind, "lognormal") == 0)
    CS_CALL(read_lognormal(r, value, d));
  else if (strcmp(kind, "uniform") == 0)
    CS_CALL(read_uniform(r, value, d));
  else if (strcmp(kind, "beta") == 0)
    CS_CALL(read_beta(r, value, d));
  else if (cs_ytree_suggest(kind, dist_kinds) != NULL)
    return cs_ytree_fail(&r->tree, key, CS_ERR_COHORT,
                         "unknown distribution '%s' (did you mean '%s'?)", kind,
                         cs_ytree_suggest(kind, dist_kinds));
  else
    return cs_ytree_fail(&r->tree, key, CS_ERR_COHORT,
                         "unknown distribution '%s' (distributions are: normal, lognormal, "
                         "uniform, beta)",
                         kind);
  /* The median stands for the distribution wherever one value is needed: checking the
   * model's expressions now, and showing the cohort. */
  d->value = cs_dist_quantile(d, 0.5, 0.5);
  if (!isfinite(d->value))
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "the median, %g, is not finite", d->value);
  CS_CALL(check_spread(r, node, d));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

static cs_status read_parameters(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  const yaml_node_t *section = cs_ytree_lookup(&r->tree, root, "parameters");
  if (section == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "parameters");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, section, NULL, &n));
  CS_CALL(alloc_array(r, (void **)&c->param, n, sizeof *c->param));
  CS_CALL(alloc_array(r, (void **)&c->sampled, n, sizeof *c->sampled));
  CS_CALL(alloc_array(r, (void **)&r->values, n, sizeof *r->values));
  CS_CALL(alloc_array(r, (void **)&r->arm_values, n, sizeof *r->arm_values));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, section, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    CS_CALL(check_name(r, cs_ytree_key_node(&r->tree, section, i), name));
    cs_param *param = &c->param[i];
    snprintf(param->name, sizeof param->name, "%s", name);
    CS_CALL(read_dist(r, cs_ytree_value(&r->tree, section, i), &param->dist));
    r->values[i] = param->dist.value;
    /* The sampled parameters, in parameter order: the order of their normal draws. */
    if (param->dist.kind != CS_DIST_FIXED)
      c->sampled[c->n_sampled++] = i;
    c->n_params = i + 1;
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* The names of the file's parameters, before they are read (for --set messages). */
static void document_param_names(cs_reader *r, const yaml_node_t *section, cs_name_list *list)
{
  if (section == NULL || section->type != YAML_MAPPING_NODE)
    return;
  const int n = (int)(section->data.mapping.pairs.top - section->data.mapping.pairs.start);
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, section, i);
    if (name != NULL)
      name_list_add(list, name);
  }
}

/* Overriding a parameter that does not exist would add one that nothing uses, so a typo
 * in --set parameters.NAME would change nothing without a word. */
static cs_status check_param_sets(cs_reader *r, int n_sets, const char *const *sets)
{
  static const char prefix[] = "parameters.";
  const yaml_node_t *section = cs_ytree_lookup(&r->tree, cs_ytree_root(&r->tree), "parameters");
  for (int s = 0; s < n_sets; s++) {
    if (strncmp(sets[s], prefix, sizeof prefix - 1) != 0)
      continue;
    const char *name = sets[s] + sizeof prefix - 1;
    const size_t length = strcspn(name, ".=");
    if (name[length] == '\0' || length == 0 || length >= CS_NAME_MAX)
      continue; /* malformed: cs_ytree_apply_sets says so */
    char key[CS_NAME_MAX];
    memcpy(key, name, length);
    key[length] = '\0';
    if (section != NULL && cs_ytree_lookup(&r->tree, section, key) != NULL)
      continue;
    cs_name_list list = {.n = 0};
    document_param_names(r, section, &list);
    return cs_error_set(r->tree.err, CS_ERR_USAGE,
                        "unknown parameter %s in --set %s (parameters are: %s)", key, sets[s],
                        list.n == 0 ? "none" : list.text);
  }
  return CS_OK;
}

/* ---- correlations -------------------------------------------------------------------- */

/* One item [P1, P2, rho]. Sets both of corr->param to -1 when the item is dropped: a
 * parameter that a --set fixed for every patient has no variation left to correlate. */
static cs_status read_correlation(cs_reader *r, const yaml_node_t *item, cs_correlation *corr)
{
  const cs_cohort *c = r->cohort;
  const int n = item->type == YAML_SEQUENCE_NODE
                    ? (int)(item->data.sequence.items.top - item->data.sequence.items.start)
                    : -1;
  if (n != 3) {
    char got[64];
    cs_ytree_describe(item, got, sizeof got);
    if (n >= 0)
      snprintf(got, sizeof got, "%d item%s", n, n == 1 ? "" : "s");
    return cs_ytree_fail(&r->tree, item, CS_ERR_COHORT,
                         "expected [PARAMETER, PARAMETER, rho], e.g. [kH, qN, -0.3], got %s", got);
  }
  int dropped = 0;
  for (int i = 0; i < 2; i++) {
    const yaml_node_t *node = cs_ytree_item(&r->tree, item, i);
    const size_t mark = cs_ytree_enter_index(&r->tree, i);
    CS_CALL(read_reference(r, node, CS_NAME_PARAM, &corr->param[i]));
    const int p = corr->param[i];
    if (c->param[p].dist.kind == CS_DIST_FIXED) {
      const yaml_node_t *section = cs_ytree_lookup(&r->tree, cs_ytree_root(&r->tree), "parameters");
      if (!cs_ytree_is_override(&r->tree, cs_ytree_lookup(&r->tree, section, c->param[p].name)))
        return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                             "parameter '%s' is a fixed number: correlations are between "
                             "parameters given as distributions",
                             c->param[p].name);
      dropped = 1;
    }
    cs_ytree_leave(&r->tree, mark);
  }
  if (corr->param[0] == corr->param[1])
    return cs_ytree_fail(&r->tree, item, CS_ERR_COHORT,
                         "a parameter cannot be correlated with itself ('%s')",
                         c->param[corr->param[0]].name);
  const yaml_node_t *rho = cs_ytree_item(&r->tree, item, 2);
  const size_t mark = cs_ytree_enter_index(&r->tree, 2);
  CS_CALL(cs_ytree_number(&r->tree, rho, &corr->rho));
  if (!(fabs(corr->rho) < 1))
    return cs_ytree_fail(&r->tree, rho, CS_ERR_COHORT,
                         "expected a correlation strictly between -1 and 1, got %g", corr->rho);
  cs_ytree_leave(&r->tree, mark);
  if (dropped)
    corr->param[0] = corr->param[1] = -1;
  return CS_OK;
}

/* The Cholesky factor is derived by the resolver (cohort_resolve.c), which also finds a
 * matrix that is not positive definite; the reader says where the correlations are. */
static cs_status factor_correlations(cs_reader *r, const yaml_node_t *section)
{
  cs_error problem = {0};
  const cs_status status = cs_cohort_factor_correlations(r->cohort, &problem);
  if (status == CS_ERR_NOMEM)
    return nomem(r);
  if (status != CS_OK)
    return cs_ytree_fail(&r->tree, section, status, "%s", problem.message);
  return CS_OK;
}

static cs_status read_correlations(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  const yaml_node_t *section = cs_ytree_lookup(&r->tree, root, "correlations");
  if (section == NULL || cs_ytree_is_null(section))
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "correlations");
  int n = 0;
  CS_CALL(cs_ytree_sequence(&r->tree, section, &n));
  CS_CALL(alloc_array(r, (void **)&c->correlation, n, sizeof *c->correlation));
  for (int i = 0; i < n; i++) {
    const yaml_node_t *item = cs_ytree_item(&r->tree, section, i);
    const size_t inner = cs_ytree_enter_index(&r->tree, i);
    cs_correlation corr = {{-1, -1}, 0};
    CS_CALL(read_correlation(r, item, &corr));
    for (int j = 0; j < c->n_correlations && corr.param[0] >= 0; j++) {
      const cs_correlation *other = &c->correlation[j];
      if ((other->param[0] == corr.param[0] && other->param[1] == corr.param[1]) ||
          (other->param[0] == corr.param[1] && other->param[1] == corr.param[0]))
        return cs_ytree_fail(&r->tree, item, CS_ERR_COHORT, "the pair (%s, %s) is correlated twice",
                             c->param[corr.param[0]].name, c->param[corr.param[1]].name);
    }
    if (corr.param[0] >= 0)
      c->correlation[c->n_correlations++] = corr;
    cs_ytree_leave(&r->tree, inner);
  }
  if (c->n_correlations > 0)
    CS_CALL(factor_correlations(r, section));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- species and drugs --------------------------------------------------------------- */

static const char *const species_keys[] = {"initial", "leap_tolerance", NULL};
static const char *const drug_keys[] = {"half_life_days", "elimination_per_day", NULL};

static cs_status read_species(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  yaml_node_t *section = NULL;
  CS_CALL(cs_ytree_require(&r->tree, root, "species", &section));
  const size_t mark = cs_ytree_enter(&r->tree, "species");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, section, NULL, &n));
  if (n == 0)
    return cs_ytree_fail(&r->tree, section, CS_ERR_COHORT, "expected at least one species");
  CS_CALL(alloc_array(r, (void **)&c->species, n, sizeof *c->species));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, section, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    CS_CALL(check_name(r, cs_ytree_key_node(&r->tree, section, i), name));
    const yaml_node_t *node = cs_ytree_value(&r->tree, section, i);
    int n_keys = 0;
    CS_CALL(cs_ytree_mapping(&r->tree, node, species_keys, &n_keys));
    cs_species *species = &c->species[i];
    snprintf(species->name, sizeof species->name, "%s", name);
    CS_CALL(read_checked_expr(r, node, "initial", CS_RULE_COUNT, "initial count out of range",
                              &species->initial));
    CS_CALL(read_number(r, node, "leap_tolerance", 0, 1.0, CS_BOUND_POSITIVE,
                        &species->leap_tolerance));
    c->n_species = i + 1;
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* A half-life h is stored as the elimination rate ln2/h: the same product with every
 * power inverted and the coefficient ln2/coef, so the engine needs one form only. */
static cs_expr half_life_to_elimination(const cs_expr *half)
{
  cs_expr e = *half;
  e.coef = CS_LN2 / half->coef;
  for (int t = 0; t < e.n_terms; t++)
    e.power[t] = -half->power[t];
  return e;
}

static cs_status read_drug(cs_reader *r, const yaml_node_t *node, cs_drug *drug)
{
  int n_keys = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, drug_keys, &n_keys));
  const yaml_node_t *half = cs_ytree_lookup(&r->tree, node, "half_life_days");
  const yaml_node_t *rate = cs_ytree_lookup(&r->tree, node, "elimination_per_day");
  if ((half == NULL) == (rate == NULL))
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected exactly one of half_life_days or elimination_per_day");
  if (rate != NULL)
    return read_checked_expr(r, node, "elimination_per_day", CS_RULE_POSITIVE,
                             "invalid elimination rate", &drug->elimination_per_day);
  cs_expr half_life;
  CS_CALL(read_checked_expr(r, node, "half_life_days", CS_RULE_POSITIVE, "invalid half-life",
                            &half_life));
  if (half_life.formula == NULL) {
    drug->elimination_per_day = half_life_to_elimination(&half_life);
  } else {
    const char *h = cs_formula_text(half_life.formula);
    char *rate_text = malloc(strlen(h) + sizeof "log(2)/()");
    if (rate_text == NULL)
      return cs_error_set(r->tree.err, CS_ERR_NOMEM, "out of memory reading expressions");
    sprintf(rate_text, "log(2)/(%s)", h);
    const cs_status status = compile_expr(r, half, rate_text, &drug->elimination_per_day);
    free(rate_text);
    CS_CALL(status);
  }
  /* A positive half-life can still overflow ln2/h (h = 1e-320). */
  const size_t mark = cs_ytree_enter(&r->tree, "half_life_days");
  CS_CALL(check_value(r, half, &drug->elimination_per_day, CS_RULE_POSITIVE,
                      "the elimination rate ln2/half-life is not finite"));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

static cs_status read_drugs(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  const yaml_node_t *section = cs_ytree_lookup(&r->tree, root, "drugs");
  if (section == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "drugs");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, section, NULL, &n));
  CS_CALL(alloc_array(r, (void **)&c->drug, n, sizeof *c->drug));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, section, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    CS_CALL(check_name(r, cs_ytree_key_node(&r->tree, section, i), name));
    snprintf(c->drug[i].name, sizeof c->drug[i].name, "%s", name);
    CS_CALL(read_drug(r, cs_ytree_value(&r->tree, section, i), &c->drug[i]));
    c->n_drugs = i + 1;
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- reactions ----------------------------------------------------------------------- */

static const char *const reaction_keys[] = {"change",      "reactants", "products", "rate",
                                            "mass_action", "factors",   NULL};

/* Every key of every factor kind (factor.h), checked before the kind is known, so a typo
 * gets a suggestion among all of them. */
static const char *const factor_keys[] = {"species",  "logistic", "effect", "inhibit", "hill",
                                          "saturate", "capacity", "half",   "n",       NULL};

/* The one kind key present in a factor mapping. */
static cs_status factor_kind(cs_reader *r, const yaml_node_t *node, cs_factor_kind *kind)
{
  const cs_factor_info *found = NULL;
  for (int k = 0; k < CS_FACTOR_KINDS; k++) {
    const cs_factor_info *info = &cs_factor_table[k];
    if (info->key == NULL || cs_ytree_lookup(&r->tree, node, info->key) == NULL)
      continue;
    if (found != NULL)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "a factor has one kind, got both '%s' and '%s' (write two factors)",
                           found->key, info->key);
    found = info;
    *kind = (cs_factor_kind)k;
  }
  if (found == NULL)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected a factor: one of species, logistic, effect, inhibit, hill, "
                         "saturate");
  return CS_OK;
}

static cs_status read_factor(cs_reader *r, const yaml_node_t *node, cs_factor *factor)
{
  int n_keys = 0;
  cs_factor_kind kind = CS_FACTOR_SPECIES;
  CS_CALL(cs_ytree_mapping(&r->tree, node, factor_keys, &n_keys));
  CS_CALL(factor_kind(r, node, &kind));
  *factor = (cs_factor){.kind = kind, .target = -1};
  const cs_factor_info *info = cs_factor_info_of(factor);
  CS_CALL(cs_ytree_mapping(&r->tree, node, info->allowed, &n_keys));

  const yaml_node_t *value = cs_ytree_lookup(&r->tree, node, info->key);
  const size_t mark = cs_ytree_enter(&r->tree, info->key);
  if (info->input == CS_FACTOR_READS_SUM)
    CS_CALL(read_species_list(r, value, factor->sum, &factor->n_sum));
  else
    CS_CALL(read_reference(r, value,
                           info->input == CS_FACTOR_READS_DRUG ? CS_NAME_DRUG : CS_NAME_SPECIES,
                           &factor->target));
  cs_ytree_leave(&r->tree, mark);

  if (info->scale_key != NULL)
    CS_CALL(read_checked_expr(r, node, info->scale_key, CS_RULE_POSITIVE, "invalid scale",
                              &factor->scale));
  if (info->exponent_key != NULL)
    CS_CALL(read_number(r, node, info->exponent_key, 0, 1.0, CS_BOUND_POSITIVE, &factor->hill_n));
  return CS_OK;
}

/* Appends the `factors` list after the factors the rate made (a general rate law). */
static cs_status read_factors(cs_reader *r, const yaml_node_t *reaction, cs_reaction *rx)
{
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, reaction, "factors");
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "factors");
  int n = 0;
  CS_CALL(cs_ytree_sequence(&r->tree, node, &n));
  if (rx->n_factors + n > CS_FACTOR_MAX)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "more than %d factors", CS_FACTOR_MAX);
  const int first = rx->n_factors;
  for (int f = 0; f < n; f++) {
    const size_t inner = cs_ytree_enter_index(&r->tree, f);
    CS_CALL(read_factor(r, cs_ytree_item(&r->tree, node, f), &rx->factor[first + f]));
    rx->n_factors = first + f + 1;
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- rate laws ----------------------------------------------------------------------- */

/* The names a rate may read: parameters and drugs, and species where allowed (a
 * `mass_action` coefficient reads none: the reactants' counts are its factors). The
 * time is left to the formula module, which reads `t` as the time; the reader then
 * refuses it. */
typedef struct cs_rate_names {
  const cs_cohort *cohort;
  int species_allowed;
  int unknown; /* a name was asked that is none of these (nor t) */
} cs_rate_names;

static bool resolve_rate_name(void *context, const char *name, cs_symbol *symbol)
{
  cs_rate_names *names = context;
  const cs_name_kind kinds[] = {CS_NAME_PARAM, CS_NAME_SPECIES, CS_NAME_DRUG};
  const cs_symbol_kind symbols[] = {CS_SYMBOL_PARAM, CS_SYMBOL_SPECIES, CS_SYMBOL_DRUG};
  for (int k = 0; k < 3; k++) {
    if (kinds[k] == CS_NAME_SPECIES && !names->species_allowed)
      continue;
    const int index = find_name(names->cohort, kinds[k], name);
    if (index >= 0) {
      *symbol = (cs_symbol){.kind = symbols[k], .index = index};
      return true;
    }
  }
  if (strcmp(name, "t") != 0 && strcmp(name, "time") != 0)
    names->unknown = 1;
  return false;
}

static bool reads_state(const cs_formula *formula)
{
  return cs_formula_reads(formula, CS_SYMBOL_SPECIES, -1) ||
         cs_formula_reads(formula, CS_SYMBOL_DRUG, -1) ||
         cs_formula_reads(formula, CS_SYMBOL_TIME, -1);
}

/* Reads mapping[key], a reaction's rate. A formula of parameters alone is a cs_expr,
 * today's fast and printable form, read and checked as every parameter expression is.
 * A general rate law (it reads species or drugs) becomes the reaction's first factor,
 * a CS_FACTOR_FORMULA, and the rate 1. */
static cs_status read_rate(cs_reader *r, const yaml_node_t *mapping, const char *key,
                           int species_allowed, cs_reaction *rx)
{
  yaml_node_t *node = NULL;
  CS_CALL(cs_ytree_require(&r->tree, mapping, key, &node));
  const char *text = cs_ytree_scalar(node);
  double number = 0;
  const bool is_formula = text != NULL && text[0] != '\0' && !cs_ytree_parse_number(text, &number);
  cs_formula *formula = NULL;
  cs_status status = CS_ERR_COHORT;
  if (is_formula) {
    cs_rate_names names = {r->cohort, species_allowed, 0};
    int column = 0;
    cs_error problem = {0};
    status = cs_formula_compile(text, resolve_rate_name, &names, &formula, &column, &problem);
    if (status == CS_ERR_NOMEM)
      return nomem(r);
    if (status != CS_OK && !names.unknown) {
      cs_ytree_enter(&r->tree, key);
      return cs_ytree_fail_in_scalar(&r->tree, node, (size_t)(column - 1), CS_ERR_COHORT,
                                     "cannot read " CS_YTREE_QUOTE_FORMAT ": %s", CS_YTREE_QUOTE(text), problem.message);
    }
  }
  if (status != CS_OK || !reads_state(formula)) {
    /* A number, a formula of parameters, or a name that is nothing of the model's:
     * the parameter expressions' reader, its checks and its messages ("unknown
     * parameter 'dd' (parameters are: ...)"). */
    cs_formula_destroy(&formula);
    return read_checked_expr(r, mapping, key, CS_RULE_RATE, "negative or non-finite rate",
                             &rx->rate);
  }
  const size_t mark = cs_ytree_enter(&r->tree, key);
  if (cs_formula_reads(formula, CS_SYMBOL_TIME, -1)) {
    cs_formula_destroy(&formula);
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "time in a rate law is not supported");
  }
  rx->factor[rx->n_factors++] = (cs_factor){.kind = CS_FACTOR_FORMULA, .target = -1,
                                            .formula = formula};
  rx->rate = (cs_expr){.coef = 1.0};
  cs_ytree_leave(&r->tree, mark);
  return own_formula(r, formula);
}

/* ---- stoichiometry ------------------------------------------------------------------- */

/* Records that one firing takes `amount` copies of `species` (the negativity rule). */
static cs_status add_consumption(cs_reader *r, const yaml_node_t *node, cs_reaction *rx,
                                 int species, long amount)
{
  if (rx->n_consumed == CS_CHANGE_MAX)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "more than %d species consumed",
                         CS_CHANGE_MAX);
  rx->consumed_species[rx->n_consumed] = species;
  rx->consumed[rx->n_consumed++] = (int)amount;
  return CS_OK;
}

/* One species' change: an integer literal, or a positive expression such as "+qN".
 * Any consumption (a negative literal) is allowed: the negativity rule (model.h) keeps
 * the count from going negative. */
static cs_status read_change(cs_reader *r, const yaml_node_t *node, cs_reaction *rx, int species,
                             cs_expr *change)
{
  const char *text = cs_ytree_scalar(node);
  double v = 0;
  if (text == NULL || !cs_ytree_parse_number(text, &v)) {
    if (text != NULL && text[0] == '-')
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "a consumption is an integer such as -1, got '%s' (an amount "
                           "computed from parameters can only be produced)",
                           text);
    CS_CALL(read_expr(r, node, change));
    return check_value(r, node, change, CS_RULE_COUNT, "invalid amount");
  }
  CS_CALL(cs_ytree_number(&r->tree, node, &v));
  if (v != floor(v))
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected an integer or an expression such as +qN, got '%s'", text);
  if (v == 0)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "a change of 0 does nothing");
  if (fabs(v) >= CS_CHANGE_LIMIT || v < INT_MIN)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "%s is too large a change", text);
  if (v < 0)
    CS_CALL(add_consumption(r, node, rx, species, (long)-v));
  *change = (cs_expr){.coef = v};
  return CS_OK;
}

static cs_status read_changes(cs_reader *r, const yaml_node_t *reaction, cs_reaction *rx)
{
  yaml_node_t *node = NULL;
  CS_CALL(cs_ytree_require(&r->tree, reaction, "change", &node));
  const size_t mark = cs_ytree_enter(&r->tree, "change");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, NULL, &n));
  if (n == 0 || n > CS_CHANGE_MAX)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "expected 1 to %d species with their changes, got %d", CS_CHANGE_MAX, n);
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, node, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    const int species = find_name(r->cohort, CS_NAME_SPECIES, name);
    if (species < 0)
      return unknown_name(r, cs_ytree_key_node(&r->tree, node, i), CS_NAME_SPECIES, name);
    rx->change_species[i] = species;
    CS_CALL(read_change(r, cs_ytree_value(&r->tree, node, i), rx, species, &rx->change[i]));
    rx->n_changes = i + 1;
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* The position of `species` in the reaction's change list, appended if new; -1 if the
 * list is full. */
static int change_slot(cs_reaction *rx, int species)
{
  for (int i = 0; i < rx->n_changes; i++)
    if (rx->change_species[i] == species)
      return i;
  if (rx->n_changes == CS_CHANGE_MAX)
    return -1;
  rx->change_species[rx->n_changes] = species;
  rx->change[rx->n_changes] = (cs_expr){.coef = 0};
  return rx->n_changes++;
}

/* `reactants` (positive integers) or `products` (positive integers, or amounts computed
 * from parameters such as "+qN"), added to the net change. */
static cs_status read_side(cs_reader *r, const yaml_node_t *reaction, const char *key,
                           cs_reaction *rx)
{
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, reaction, key);
  if (node == NULL)
    return CS_OK;
  const int reactants = strcmp(key, "reactants") == 0;
  const size_t mark = cs_ytree_enter(&r->tree, key);
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, NULL, &n));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, node, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    const yaml_node_t *value = cs_ytree_value(&r->tree, node, i);
    const int species = find_name(r->cohort, CS_NAME_SPECIES, name);
    if (species < 0)
      return unknown_name(r, cs_ytree_key_node(&r->tree, node, i), CS_NAME_SPECIES, name);
    const char *text = cs_ytree_scalar(value);
    double v = 0;
    cs_expr amount = {.coef = 0};
    if (!reactants && (text == NULL || !cs_ytree_parse_number(text, &v))) {
      CS_CALL(read_expr(r, value, &amount));
      CS_CALL(check_value(r, value, &amount, CS_RULE_COUNT, "invalid amount"));
    } else {
      long k = 0;
      CS_CALL(cs_ytree_integer(&r->tree, value, 1, CS_COUNT_MAX_STOICHIOMETRY, &k));
      amount.coef = reactants ? (double)-k : (double)k;
      if (reactants)
        CS_CALL(add_consumption(r, value, rx, species, k));
    }
    const int slot = change_slot(rx, species);
    if (slot < 0)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "more than %d species changed",
                           CS_CHANGE_MAX);
    const bool computed = !cs_expr_is_number(&amount);
    if (computed && rx->change[slot].coef != 0)
      return cs_ytree_fail(&r->tree, value, CS_ERR_COHORT,
                           "%s is also a reactant: an amount computed from parameters can only "
                           "be produced, not netted against a consumption",
                           name);
    if (computed)
      rx->change[slot] = amount;
    else
      rx->change[slot].coef += amount.coef;
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* Drops the species whose net change is 0 (a catalyst: a reactant and a product). */
static void drop_unchanged(cs_reaction *rx)
{
  int kept = 0;
  for (int i = 0; i < rx->n_changes; i++)
    if (!cs_expr_is_number(&rx->change[i]) || rx->change[i].coef != 0) {
      rx->change_species[kept] = rx->change_species[i];
      rx->change[kept++] = rx->change[i];
    }
  rx->n_changes = kept;
}

/* Stoichiometric mass action: c * prod over reactants of C(X, k), one factor each. */
static cs_status add_mass_action_factors(cs_reader *r, const yaml_node_t *node, cs_reaction *rx)
{
  if (rx->n_consumed == 0)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "mass_action needs reactants (for a constant propensity, write rate)");
  if (rx->n_factors + rx->n_consumed > CS_FACTOR_MAX)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "more than %d factors", CS_FACTOR_MAX);
  for (int i = 0; i < rx->n_consumed; i++) {
    const int k = rx->consumed[i];
    rx->factor[rx->n_factors++] = (cs_factor){
        .kind = k == 1 ? CS_FACTOR_SPECIES : CS_FACTOR_BINOMIAL,
        .target = rx->consumed_species[i],
        .order = k,
    };
  }
  return CS_OK;
}

static cs_status read_stoichiometric(cs_reader *r, const yaml_node_t *node, cs_reaction *rx)
{
  rx->stoichiometric = 1;
  CS_CALL(read_side(r, node, "reactants", rx));
  CS_CALL(read_side(r, node, "products", rx));
  drop_unchanged(rx);
  if (rx->n_changes == 0)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "the reaction changes nothing (its products equal its reactants)");
  if (cs_ytree_lookup(&r->tree, node, "mass_action") == NULL) {
    CS_CALL(read_rate(r, node, "rate", 1, rx));
    return read_factors(r, node, rx);
  }
  if (cs_ytree_lookup(&r->tree, node, "factors") != NULL)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "factors go with rate, not with mass_action (whose factors are the "
                         "reactants' counts)");
  CS_CALL(read_rate(r, node, "mass_action", 0, rx));
  return add_mass_action_factors(r, node, rx);
}

static cs_status read_reaction(cs_reader *r, const yaml_node_t *node, cs_reaction *rx)
{
  int n_keys = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, reaction_keys, &n_keys));
  const int has_change = cs_ytree_lookup(&r->tree, node, "change") != NULL;
  const int has_sides = cs_ytree_lookup(&r->tree, node, "reactants") != NULL ||
                        cs_ytree_lookup(&r->tree, node, "products") != NULL;
  const int has_mass_action = cs_ytree_lookup(&r->tree, node, "mass_action") != NULL;
  if (has_change && has_sides)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "give either change or reactants/products, not both");
  if (has_mass_action && cs_ytree_lookup(&r->tree, node, "rate") != NULL)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "give either rate or mass_action, not both");
  if (has_sides)
    return read_stoichiometric(r, node, rx);
  if (has_mass_action)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "mass_action needs reactants (and products), not change");
  CS_CALL(read_rate(r, node, "rate", 1, rx));
  CS_CALL(read_factors(r, node, rx));
  return read_changes(r, node, rx);
}

static cs_status read_reactions(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  yaml_node_t *section = NULL;
  CS_CALL(cs_ytree_require(&r->tree, root, "reactions", &section));
  const size_t mark = cs_ytree_enter(&r->tree, "reactions");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, section, NULL, &n));
  if (n == 0)
    return cs_ytree_fail(&r->tree, section, CS_ERR_COHORT, "expected at least one reaction");
  CS_CALL(alloc_array(r, (void **)&c->reaction, n, sizeof *c->reaction));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, section, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    CS_CALL(check_name(r, cs_ytree_key_node(&r->tree, section, i), name));
    snprintf(c->reaction[i].name, sizeof c->reaction[i].name, "%s", name);
    CS_CALL(read_reaction(r, cs_ytree_value(&r->tree, section, i), &c->reaction[i]));
    c->n_reactions = i + 1;
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- arms ---------------------------------------------------------------------------- */

static const char *const arm_keys[] = {"doses", "set", "like", "events", NULL};
static const char *const dose_keys[] = {"amount",    "cycles",         "count", "every_days",
                                        "start_day", "cycle_gap_days", NULL};

/* Replaces the plan for the same drug (as `like` followed by an arm's own doses needs),
 * or appends one; room for one plan per drug was allocated. */
static void put_dose(cs_arm *arm, const cs_dose_plan *plan)
{
  for (int i = 0; i < arm->n_doses; i++)
    if (arm->dose[i].drug == plan->drug && arm->dose[i].species == plan->species) {
      arm->dose[i] = *plan;
      return;
    }
  arm->dose[arm->n_doses++] = *plan;
}

static void put_set(cs_arm *arm, int param, double value)
{
  for (int i = 0; i < arm->n_sets; i++)
    if (arm->set[i].param == param) {
      arm->set[i].value = value;
      return;
    }
  arm->set[arm->n_sets++] = (cs_param_set){.param = param, .value = value};
}

/* The parameter values of patients in `arm` (before any variability). */
static void arm_values(const cs_reader *r, const cs_arm *arm, double *values)
{
  for (int p = 0; p < r->cohort->n_params; p++)
    values[p] = r->values[p];
  for (int s = 0; s < arm->n_sets; s++)
    values[arm->set[s].param] = arm->set[s].value;
}

static cs_status read_dose_plan(cs_reader *r, const yaml_node_t *node, cs_dose_plan *plan)
{
  int n_keys = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, dose_keys, &n_keys));
  yaml_node_t *amount = NULL;
  CS_CALL(cs_ytree_require(&r->tree, node, "amount", &amount));
  const size_t mark = cs_ytree_enter(&r->tree, "amount");
  CS_CALL(read_expr(r, amount, &plan->amount));
  const double value = cs_expr_eval(&plan->amount, r->arm_values);
  const char *need = cs_rule_violation(cs_dose_rule(plan), value);
  if (need != NULL)
    return cs_ytree_fail(&r->tree, amount, CS_ERR_COHORT,
                         "invalid dose amount %g (with this arm's parameters), expected a "
                         "finite value %s",
                         value, need);
  cs_ytree_leave(&r->tree, mark);
  CS_CALL(read_number(r, node, "start_day", 0, 0, CS_BOUND_NON_NEGATIVE, &plan->start_day));
  CS_CALL(read_number(r, node, "every_days", 0, 1, CS_BOUND_POSITIVE, &plan->every_days));
  CS_CALL(read_integer(r, node, "count", 1, 1, CS_DOSES_MAX, &plan->count));
  CS_CALL(read_integer(r, node, "cycles", 1, 1, CS_DOSES_MAX, &plan->cycles));
  CS_CALL(
      read_number(r, node, "cycle_gap_days", 0, 0, CS_BOUND_NON_NEGATIVE, &plan->cycle_gap_days));
  if ((long)plan->count * plan->cycles > CS_DOSES_MAX)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "more than %ld doses", CS_DOSES_MAX);
  return CS_OK;
}

static cs_status read_doses(cs_reader *r, const yaml_node_t *arm_node, cs_arm *arm)
{
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, arm_node, "doses");
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "doses");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, NULL, &n));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, node, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    /* A plan keyed by a species adds copies of it (language.md section 5). */
    cs_dose_plan plan = {.drug = find_name(r->cohort, CS_NAME_DRUG, name),
                         .species = find_name(r->cohort, CS_NAME_SPECIES, name)};
    if (plan.drug >= 0)
      plan.species = -1;
    if (plan.drug < 0 && plan.species < 0)
      return unknown_name(r, cs_ytree_key_node(&r->tree, node, i), CS_NAME_DRUG, name);
    CS_CALL(read_dose_plan(r, cs_ytree_value(&r->tree, node, i), &plan));
    put_dose(arm, &plan);
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

static cs_status read_sets(cs_reader *r, const yaml_node_t *arm_node, cs_arm *arm)
{
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, arm_node, "set");
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "set");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, NULL, &n));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, node, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    const int param = find_name(r->cohort, CS_NAME_PARAM, name);
    if (param < 0)
      return unknown_name(r, cs_ytree_key_node(&r->tree, node, i), CS_NAME_PARAM, name);
    double value = 0;
    CS_CALL(cs_ytree_number(&r->tree, cs_ytree_value(&r->tree, node, i), &value));
    put_set(arm, param, value);
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* The `events` list of the cohort (arm NULL) or of an arm, which replaces the list an
 * arm copied with `like`. */
static cs_status read_events(cs_reader *r, const yaml_node_t *parent, const double *values,
                             cs_arm *arm)
{
  cs_cohort *c = r->cohort;
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, parent, "events");
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "events");
  const int first = c->n_events;
  CS_CALL(cs_cohort_read_events(&r->tree, node, c, values));
  if (arm != NULL) {
    arm->first_event = first;
    arm->n_events = c->n_events - first;
  } else {
    c->n_cohort_events = c->n_events;
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* Copies the doses, settings and events of the earlier arm named by `like`. */
static cs_status read_like(cs_reader *r, const yaml_node_t *arms, const yaml_node_t *arm_node,
                           int index)
{
  cs_cohort *c = r->cohort;
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, arm_node, "like");
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "like");
  const char *name = NULL;
  CS_CALL(cs_ytree_string(&r->tree, node, &name));
  if (strcmp(name, c->arm[index].name) == 0)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "an arm cannot be like itself");
  const int other = find_first(c, CS_NAME_ARM, index, name);
  if (other < 0 && cs_ytree_lookup(&r->tree, arms, name) != NULL)
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "arm '%s' is not defined yet: like refers to an arm defined above", name);
  if (other < 0)
    return unknown_name_among(r, node, CS_NAME_ARM, name, index);
  cs_arm *arm = &c->arm[index];
  for (int i = 0; i < c->arm[other].n_doses; i++)
    put_dose(arm, &c->arm[other].dose[i]);
  for (int i = 0; i < c->arm[other].n_sets; i++)
    put_set(arm, c->arm[other].set[i].param, c->arm[other].set[i].value);
  arm->first_event = c->arm[other].first_event;
  arm->n_events = c->arm[other].n_events;
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* Describes `e` at `where` in `what` and returns 1 if its value breaks `rule`. */
static cs_status read_arm(cs_reader *r, const yaml_node_t *arms, const yaml_node_t *node, int index)
{
  cs_cohort *c = r->cohort;
  cs_arm *arm = &c->arm[index];
  int n_keys = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, arm_keys, &n_keys));
  CS_CALL(alloc_array(r, (void **)&arm->dose, c->n_drugs + c->n_species, sizeof *arm->dose));
  CS_CALL(alloc_array(r, (void **)&arm->set, c->n_params, sizeof *arm->set));
  /* like, then set, then doses, whatever the order in the file: the arm's own settings
   * override the copied ones, and dose amounts are checked with the arm's settings. */
  CS_CALL(read_like(r, arms, node, index));
  CS_CALL(read_sets(r, node, arm));
  arm_values(r, arm, r->arm_values);
  CS_CALL(read_doses(r, node, arm));
  CS_CALL(read_events(r, node, r->arm_values, arm));
  char what[512];
  if (arm->n_sets > 0 && cs_cohort_invalid_values(c, arm, r->arm_values, what, sizeof what))
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "with this arm's parameters, %s", what);
  return CS_OK;
}

static cs_status read_arms(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  yaml_node_t *section = NULL;
  CS_CALL(cs_ytree_require(&r->tree, root, "arms", &section));
  const size_t mark = cs_ytree_enter(&r->tree, "arms");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, section, NULL, &n));
  if (n == 0)
    return cs_ytree_fail(&r->tree, section, CS_ERR_COHORT,
                         "no arms: define at least one, e.g. untreated: {}");
  CS_CALL(alloc_array(r, (void **)&c->arm, n, sizeof *c->arm));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, section, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    CS_CALL(check_name(r, cs_ytree_key_node(&r->tree, section, i), name));
    snprintf(c->arm[i].name, sizeof c->arm[i].name, "%s", name);
    c->n_arms = i + 1; /* counted before reading, so its arrays are freed on failure */
    CS_CALL(read_arm(r, section, cs_ytree_value(&r->tree, section, i), i));
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* The sweep's generated arms (src/core/sweep.c), whose parameter settings must leave the
 * model valid like those of the file's arms. */
static cs_status read_sweep(cs_reader *r, const yaml_node_t *root)
{
  const cs_cohort *c = r->cohort;
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, root, "sweep");
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "sweep");
  CS_CALL(cs_sweep_read(&r->tree, node, r->cohort));
  for (int a = c->sweep.first_arm; a < c->n_arms; a++) {
    char what[512];
    arm_values(r, &c->arm[a], r->arm_values);
    if (c->arm[a].n_sets > 0 &&
        cs_cohort_invalid_values(c, &c->arm[a], r->arm_values, what, sizeof what))
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "with the parameters of the generated arm %s, %s", c->arm[a].name, what);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- traits -------------------------------------------------------------------------- */

static const char *const trait_keys[] = {"probability", "set", NULL};

/* A trait's values on top of the typical patient's must leave the model valid, alone
 * and in every arm (with the arm's settings applied last, as in a run), like an arm's
 * own settings. */
static cs_status check_trait(cs_reader *r, const yaml_node_t *node, const cs_trait *trait)
{
  const cs_cohort *c = r->cohort;
  double *values = r->arm_values;
  char what[512];
  for (int a = -1; a < c->n_arms; a++) {
    for (int p = 0; p < c->n_params; p++)
      values[p] = r->values[p];
    for (int s = 0; s < trait->n_sets; s++)
      values[trait->set[s].param] = trait->set[s].value;
    const cs_arm none = {.n_doses = 0};
    const cs_arm *arm = a < 0 ? &none : &c->arm[a];
    for (int s = 0; s < arm->n_sets; s++)
      values[arm->set[s].param] = arm->set[s].value;
    if (!cs_cohort_invalid_values(c, arm, values, what, sizeof what))
      continue;
    if (a < 0)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT, "with this trait's parameters, %s", what);
    return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                         "with this trait's parameters in arm '%s', %s", arm->name, what);
  }
  return CS_OK;
}

static cs_status read_trait(cs_reader *r, const yaml_node_t *node, cs_trait *trait)
{
  int n_keys = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, node, trait_keys, &n_keys));
  CS_CALL(read_number(r, node, "probability", 1, 0, CS_BOUND_PROBABILITY, &trait->probability));
  const yaml_node_t *set = cs_ytree_lookup(&r->tree, node, "set");
  if (set == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "set");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, set, NULL, &n));
  CS_CALL(alloc_array(r, (void **)&trait->set, n, sizeof *trait->set));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, set, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    const int param = find_name(r->cohort, CS_NAME_PARAM, name);
    if (param < 0)
      return unknown_name(r, cs_ytree_key_node(&r->tree, set, i), CS_NAME_PARAM, name);
    double value = 0;
    CS_CALL(cs_ytree_number(&r->tree, cs_ytree_value(&r->tree, set, i), &value));
    trait->set[trait->n_sets++] = (cs_param_set){.param = param, .value = value};
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* Read after the arms, so a trait's values are checked against the whole model. */
static cs_status read_traits(cs_reader *r, const yaml_node_t *root)
{
  cs_cohort *c = r->cohort;
  const yaml_node_t *section = cs_ytree_lookup(&r->tree, root, "traits");
  if (section == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "traits");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, section, NULL, &n));
  CS_CALL(alloc_array(r, (void **)&c->trait, n, sizeof *c->trait));
  for (int i = 0; i < n; i++) {
    const char *name = cs_ytree_key(&r->tree, section, i);
    const size_t inner = cs_ytree_enter(&r->tree, name);
    CS_CALL(check_name(r, cs_ytree_key_node(&r->tree, section, i), name));
    cs_trait *trait = &c->trait[i];
    snprintf(trait->name, sizeof trait->name, "%s", name);
    c->n_traits = i + 1; /* counted before reading, so its set is freed on failure */
    const yaml_node_t *node = cs_ytree_value(&r->tree, section, i);
    CS_CALL(read_trait(r, node, trait));
    CS_CALL(check_trait(r, node, trait));
    cs_ytree_leave(&r->tree, inner);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- timing -------------------------------------------------------------------------- */

static const char *const timing_keys[] = {"start_delay_days", "dose_jitter_days",
                                          "missed_dose_probability", NULL};

/* The smallest value a distribution can take (its support's lower end). */
static double support_min(const cs_dist *d)
{
  switch (d->kind) {
  case CS_DIST_FIXED:
    return d->value;
  case CS_DIST_NORMAL:
    return d->sd == 0 ? d->mean : d->lower;
  case CS_DIST_LOGNORMAL:
    return 0;
  case CS_DIST_UNIFORM:
  case CS_DIST_BETA:
    return d->lower;
  }
  return -HUGE_VAL;
}

/* Reads mapping[key] (if present) as a fixed number or a distribution. */
static cs_status read_timing_dist(cs_reader *r, const yaml_node_t *mapping, const char *key,
                                  cs_dist *d)
{
  *d = (cs_dist){.kind = CS_DIST_FIXED, .lower = -HUGE_VAL, .upper = HUGE_VAL};
  const yaml_node_t *node = cs_ytree_lookup(&r->tree, mapping, key);
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, key);
  CS_CALL(read_dist(r, node, d));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

static cs_status read_timing(cs_reader *r, const yaml_node_t *root)
{
  cs_timing *t = &r->cohort->timing;
  const yaml_node_t *section = cs_ytree_lookup(&r->tree, root, "timing");
  const size_t mark = cs_ytree_enter(&r->tree, "timing");
  int n = 0;
  if (section != NULL)
    CS_CALL(cs_ytree_mapping(&r->tree, section, timing_keys, &n));
  CS_CALL(read_timing_dist(r, section, "start_delay_days", &t->start_delay_days));
  /* Treatment cannot start before enrolment, time 0. */
  if (!(support_min(&t->start_delay_days) >= 0)) {
    cs_ytree_enter(&r->tree, "start_delay_days");
    return cs_ytree_fail(&r->tree, cs_ytree_lookup(&r->tree, section, "start_delay_days"),
                         CS_ERR_COHORT,
                         "a start delay cannot be negative, but this one can be %g: give a "
                         "value >= 0, a range from 0 up, or a normal with min: 0",
                         support_min(&t->start_delay_days));
  }
  CS_CALL(read_timing_dist(r, section, "dose_jitter_days", &t->dose_jitter_days));
  CS_CALL(read_number(r, section, "missed_dose_probability", 0, 0, CS_BOUND_PROBABILITY,
                      &t->missed_dose_probability));
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- outcomes ------------------------------------------------------------------------ */

static const char *const outcome_keys[] = {"tumour",     "reference_cells", "mrd_negative_below",
                                           "relapse_at", "lethal_cells",    NULL};

static cs_status read_outcomes(cs_reader *r, const yaml_node_t *root)
{
  cs_outcomes *o = &r->cohort->outcomes;
  /* Optional: without it, a plain stochastic simulation (no tumour, no clearance). */
  const yaml_node_t *section = cs_ytree_lookup(&r->tree, root, "outcomes");
  if (section == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(&r->tree, "outcomes");
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, section, outcome_keys, &n));
  yaml_node_t *tumour = NULL;
  CS_CALL(cs_ytree_require(&r->tree, section, "tumour", &tumour));
  const size_t inner = cs_ytree_enter(&r->tree, "tumour");
  CS_CALL(read_species_list(r, tumour, o->tumour, &o->n_tumour));
  cs_ytree_leave(&r->tree, inner);
  CS_CALL(read_number(r, section, "reference_cells", 0, 1, CS_BOUND_POSITIVE, &o->reference_cells));
  CS_CALL(read_number(r, section, "mrd_negative_below", 0, 0, CS_BOUND_NON_NEGATIVE,
                      &o->mrd_negative_below));
  CS_CALL(read_number(r, section, "relapse_at", 0, 0, CS_BOUND_NON_NEGATIVE, &o->relapse_at));
  CS_CALL(read_number(r, section, "lethal_cells", 0, 0, CS_BOUND_NON_NEGATIVE, &o->lethal_cells));
  /* Relapse is a return after MRD negativity: without an MRD level it could never be
   * seen, and below the MRD level a patient would relapse while still MRD-negative. */
  if (o->relapse_at > 0) {
    const yaml_node_t *node = cs_ytree_lookup(&r->tree, section, "relapse_at");
    cs_ytree_enter(&r->tree, "relapse_at");
    if (o->mrd_negative_below == 0)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "relapse is a return after MRD negativity: set mrd_negative_below "
                           "too");
    if (o->relapse_at < o->mrd_negative_below)
      return cs_ytree_fail(&r->tree, node, CS_ERR_COHORT,
                           "relapse_at (%g) must be at least mrd_negative_below (%g)",
                           o->relapse_at, o->mrd_negative_below);
  }
  cs_ytree_leave(&r->tree, mark);
  return CS_OK;
}

/* ---- the whole file ------------------------------------------------------------------ */

static const char *const root_keys[] = {"name",
                                        "description",
                                        "method",
                                        "hybrid",
                                        "followup_days",
                                        "report_every_days",
                                        "parameters",
                                        "species",
                                        "drugs",
                                        "reactions",
                                        "arms",
                                        "outcomes",
                                        "correlations",
                                        "traits",
                                        "timing",
                                        "sweep",
                                        "observables",
                                        "record",
                                        "time_course_statistics",
                                        "model",
                                        "events",
                                        NULL};

static cs_status read_cohort(cs_reader *r)
{
  const yaml_node_t *root = cs_ytree_root(&r->tree);
  int n = 0;
  CS_CALL(cs_ytree_mapping(&r->tree, root, root_keys, &n));
  CS_CALL(read_settings(r, root));
  CS_CALL(read_parameters(r, root));
  CS_CALL(read_correlations(r, root));
  CS_CALL(read_species(r, root));
  CS_CALL(read_drugs(r, root));
  CS_CALL(read_reactions(r, root));
  CS_CALL(cs_observables_read(&r->tree, root, r->cohort));
  CS_CALL(read_events(r, root, r->values, NULL));
  CS_CALL(read_arms(r, root));
  CS_CALL(read_sweep(r, root));
  CS_CALL(read_traits(r, root));
  CS_CALL(read_timing(r, root));
  return read_outcomes(r, root);
}

static char *join_sets(int n_sets, const char *const *sets)
{
  size_t length = 1;
  for (int s = 0; s < n_sets; s++)
    length += strlen(sets[s]) + 1;
  char *joined = malloc(length);
  if (joined == NULL)
    return NULL;
  joined[0] = '\0';
  size_t used = 0;
  for (int s = 0; s < n_sets; s++) {
    const size_t n = strlen(sets[s]);
    if (s > 0)
      joined[used++] = ' ';
    memcpy(joined + used, sets[s], n);
    used += n;
    joined[used] = '\0';
  }
  return joined;
}

cs_status cs_cohort_read_yaml(const char *text, size_t length, const char *origin,
                              const char *sbml_text, int n_sets, const char *const *sets,
                              cs_cohort **cohort, cs_error *err)
{
  *cohort = NULL;
  cs_status status = CS_OK;
  cs_reader r = {.cohort = calloc(1, sizeof(cs_cohort))};
  r.tree.err = err;
  cs_cohort *c = r.cohort;
  if (c == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "%s: out of memory reading the cohort", origin);
    goto cleanup;
  }
  c->path = dup_string(origin);
  c->text = dup_text(text, length);
  c->overrides = join_sets(n_sets, sets);
  c->description = dup_string("");
  if (c->path == NULL || c->text == NULL || c->overrides == NULL || c->description == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "%s: out of memory reading the cohort", origin);
    goto cleanup;
  }
  status = cs_ytree_load(&r.tree, text, length, c->path, err);
  /* An SBML model's sections join the tree before anything reads it (cohort_sbml.h). */
  if (status == CS_OK)
    status = cs_cohort_sbml_graft(&r.tree, c, sbml_text);
  if (status == CS_OK)
    status = check_param_sets(&r, n_sets, sets);
  if (status == CS_OK)
    status = cs_ytree_apply_sets(&r.tree, n_sets, sets);
  if (status == CS_OK)
    status = read_cohort(&r);

cleanup:
  cs_ytree_destroy(&r.tree);
  free(r.values);
  free(r.arm_values);
  if (status != CS_OK)
    cs_cohort_destroy(&c);
  *cohort = c;
  return status;
}
