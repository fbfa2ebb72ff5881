/* Reading an SBML model (libsbml) into cohortsim's model language (sbml.h).
 *
 * Order: the document is parsed and its errors reported; what cannot be simulated
 * faithfully is refused, each with the element's id and line; libsbml's converters
 * expand function definitions and initial assignments in place; then the sections are
 * written: compartments and parameters become parameters, species their initial
 * counts, reactions mass action (when the kinetic law is recognisably one) or a rate
 * law, assignment rules observables (and are inlined wherever other math reads them),
 * events events. The kinetic law is the propensity in substance per model time unit,
 * the SBML stochastic test suite's convention; it is scaled to days here.
 */
#include "cohortsim/sbml.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbml_impl.h"

#define SECONDS_PER_DAY 86400.0
/* A cohort name is at most 63 characters (cohort.h's CS_NAME_MAX - 1). */
#define NAME_LIMIT 63

/* The YAML being written and the SBML line of each of its lines. */
typedef struct writer {
  cs_sbml_reader r;
  cs_sbml_text yaml;
  int *line;
  int n_lines, capacity;
  /* [species index]: the formula of the species' initial assignment when it reads only
   * parameters and compartments (species_initial_formulas), else empty. */
  cs_sbml_text *initial_formula;
} writer;

double cs_sbml_unit_days(const char *name)
{
  static const struct {
    const char *name;
    double days;
  } units[] = {{"seconds", 1 / SECONDS_PER_DAY},
               {"minutes", 1 / 1440.0},
               {"hours", 1 / 24.0},
               {"days", 1.0}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(name, units[i].name) == 0)
      return units[i].days;
  return 0;
}

/* Writes one whole line (the format has no newline) from SBML line `sbml_line`. */
static void emit(writer *w, unsigned sbml_line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void emit(writer *w, unsigned sbml_line, const char *format, ...)
{
  /* Any length: a formula too large for the cohort reader is refused there, with its
   * line, not mistaken here for a lack of memory. */
  va_list args, again;
  va_start(args, format);
  va_copy(again, args);
  const int n = vsnprintf(NULL, 0, format, args);
  va_end(args);
  char *buffer = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (buffer != NULL)
    vsnprintf(buffer, (size_t)n + 1, format, again);
  va_end(again);
  if (buffer == NULL) {
    w->yaml.failed = 1;
    return;
  }
  cs_sbml_text_add(&w->yaml, "%s\n", buffer);
  free(buffer);
  if (w->n_lines == w->capacity) {
    const int capacity = w->capacity == 0 ? 64 : 2 * w->capacity;
    int *line = realloc(w->line, (size_t)capacity * sizeof *line);
    if (line == NULL) {
      w->yaml.failed = 1;
      return;
    }
    w->line = line;
    w->capacity = capacity;
  }
  w->line[w->n_lines++] = (int)sbml_line;
}

static unsigned line_of(const void *element)
{
  return SBase_getLine((const SBase_t *)element);
}

/* ---- refusals ------------------------------------------------------------------------ */

static cs_status check_document(writer *w, SBMLDocument_t *doc)
{
  cs_sbml_reader *r = &w->r;
  /* Core only: a Level 3 package (distrib, comp, fbc, ...) changes what the model
   * means, so a model that declares one is refused rather than half read. */
  const XMLNamespaces_t *ns = SBMLDocument_getNamespaces(doc);
  for (int i = 0; ns != NULL && i < XMLNamespaces_getLength(ns); i++) {
    /* libsbml hands out copies of these strings. */
    char *uri = XMLNamespaces_getURI(ns, i);
    char *prefix = XMLNamespaces_getPrefix(ns, i);
    const size_t n = uri != NULL ? strlen(uri) : 0;
    const int package = uri != NULL && strstr(uri, "sbml.org/sbml/level3/") != NULL &&
                        !(n >= 5 && strcmp(uri + n - 5, "/core") == 0);
    cs_status status = CS_OK;
    if (package)
      status = cs_error_set(r->err, CS_ERR_COHORT,
                            "%s:%u: sbml: the package '%s' (%s) is not supported: SBML core only",
                            r->origin, line_of(doc),
                            prefix != NULL && prefix[0] != '\0' ? prefix : "?", uri);
    free(uri);
    free(prefix);
    CS_CALL(status);
  }
  for (unsigned i = 0; i < SBMLDocument_getNumErrors(doc); i++) {
    const XMLError_t *e = (const XMLError_t *)SBMLDocument_getError(doc, i);
    if (XMLError_isError(e) || XMLError_isFatal(e)) {
      char message[512];
      snprintf(message, sizeof message, "%s", XMLError_getMessage(e));
      message[strcspn(message, "\n")] = '\0';
      return cs_error_set(r->err, CS_ERR_COHORT, "%s:%u: not valid SBML: %s", r->origin,
                          XMLError_getLine(e), message);
    }
  }
  CS_CHECK(SBMLDocument_getModel(doc) != NULL, r->err, CS_ERR_COHORT, "%s: no model in the file",
           r->origin);
  const unsigned level = SBMLDocument_getLevel(doc);
  CS_CHECK(level == 2 || level == 3, r->err, CS_ERR_COHORT,
           "%s: SBML Level %u is not supported (Levels 2 and 3 are)", r->origin, level);
  return CS_OK;
}

static int is_event_target(Model_t *m, const char *id)
{
  for (unsigned e = 0; e < Model_getNumEvents(m); e++) {
    Event_t *event = Model_getEvent(m, e);
    for (unsigned a = 0; a < Event_getNumEventAssignments(event); a++)
      if (strcmp(EventAssignment_getVariable(Event_getEventAssignment(event, a)), id) == 0)
        return 1;
  }
  return 0;
}

static cs_status check_id(writer *w, const void *element, const char *kind, const char *id)
{
  if (strlen(id) > NAME_LIMIT)
    return cs_sbml_refuse(&w->r, element, kind, id,
                          "the id is longer than %d characters, the most a cohort name may have",
                          NAME_LIMIT);
  return CS_OK;
}

static cs_status check_species_reference(writer *w, Reaction_t *rx, const SpeciesReference_t *sr)
{
  Model_t *m = w->r.model;
  const char *id = Reaction_getId(rx);
  if (SpeciesReference_isSetStoichiometryMath(sr))
    return cs_sbml_refuse(&w->r, sr, "reaction", id,
                          "stoichiometryMath (a variable stoichiometry) is not supported");
  if (SpeciesReference_isSetId(sr)) {
    const char *sid = SpeciesReference_getId(sr);
    if (Model_getRuleByVar(m, sid) != NULL || Model_getInitialAssignmentBySym(m, sid) != NULL ||
        is_event_target(m, sid))
      return cs_sbml_refuse(&w->r, sr, "reaction", id,
                            "the stoichiometry of '%s' is set by math: a variable "
                            "stoichiometry is not supported",
                            sid);
  }
  const double s = SpeciesReference_getStoichiometry(sr);
  if (!(s > 0 && s == floor(s) && s <= 1000))
    return cs_sbml_refuse(&w->r, sr, "reaction", id,
                          "the stoichiometry of '%s' is %g: a stochastic simulation needs a "
                          "whole number of copies (1 to 1000)",
                          SpeciesReference_getSpecies(sr), s);
  return CS_OK;
}

static cs_status check_reaction(writer *w, Reaction_t *rx)
{
  const char *id = Reaction_getId(rx);
  CS_CALL(check_id(w, rx, "reaction", id));
  if (Reaction_isSetFast(rx) && Reaction_getFast(rx))
    return cs_sbml_refuse(&w->r, rx, "reaction", id,
                          "fast reactions (in equilibrium) are not supported");
  if (Reaction_getReversible(rx))
    return cs_sbml_refuse(&w->r, rx, "reaction", id,
                          "a reversible reaction's kinetic law is a net rate, not a "
                          "propensity: write the two directions as two irreversible reactions");
  if (Reaction_getKineticLaw(rx) == NULL || !KineticLaw_isSetMath(Reaction_getKineticLaw(rx)))
    return cs_sbml_refuse(&w->r, rx, "reaction", id, "has no kinetic law");
  for (unsigned i = 0; i < Reaction_getNumReactants(rx); i++)
    CS_CALL(check_species_reference(w, rx, Reaction_getReactant(rx, i)));
  for (unsigned i = 0; i < Reaction_getNumProducts(rx); i++)
    CS_CALL(check_species_reference(w, rx, Reaction_getProduct(rx, i)));
  return CS_OK;
}

static cs_status check_model(writer *w)
{
  Model_t *m = w->r.model;
  if (Model_isSetConversionFactor(m))
    return cs_sbml_refuse(&w->r, m, "model", Model_getId(m),
                          "conversion factors are not supported");
  for (unsigned i = 0; i < Model_getNumRules(m); i++) {
    const Rule_t *rule = Model_getRule(m, i);
    const char *variable = Rule_isSetVariable(rule) ? Rule_getVariable(rule) : "";
    if (Rule_isRate(rule))
      return cs_sbml_refuse(&w->r, rule, "rate rule", variable,
                            "rate rules (continuous ODE terms) are not supported in a "
                            "stochastic simulation");
    if (Rule_isAlgebraic(rule))
      return cs_sbml_refuse(&w->r, rule, "algebraic rule", variable,
                            "algebraic rules are not supported");
  }
  for (unsigned i = 0; i < Model_getNumSpecies(m); i++) {
    const Species_t *s = Model_getSpecies(m, i);
    CS_CALL(check_id(w, s, "species", Species_getId(s)));
    if (Species_isSetConversionFactor(s))
      return cs_sbml_refuse(&w->r, s, "species", Species_getId(s),
                            "conversion factors are not supported");
  }
  for (unsigned i = 0; i < Model_getNumParameters(m); i++)
    CS_CALL(check_id(w, Model_getParameter(m, i), "parameter",
                     Parameter_getId(Model_getParameter(m, i))));
  for (unsigned i = 0; i < Model_getNumCompartments(m); i++) {
    const Compartment_t *c = Model_getCompartment(m, i);
    CS_CALL(check_id(w, c, "compartment", Compartment_getId(c)));
    if (is_event_target(m, Compartment_getId(c)))
      return cs_sbml_refuse(&w->r, c, "compartment", Compartment_getId(c),
                            "an event changes its size: compartments of varying size are not "
                            "supported");
  }
  for (unsigned i = 0; i < Model_getNumReactions(m); i++)
    CS_CALL(check_reaction(w, Model_getReaction(m, i)));
  for (unsigned i = 0; i < Model_getNumEvents(m); i++) {
    Event_t *e = Model_getEvent(m, i);
    const char *id = Event_isSetId(e) ? Event_getId(e) : "";
    if (Event_isSetDelay(e))
      return cs_sbml_refuse(&w->r, e, "event", id, "delayed events are not supported");
    if (Event_isSetPriority(e))
      return cs_sbml_refuse(&w->r, e, "event", id,
                            "event priorities are not supported (simultaneous events fire in "
                            "file order)");
    if (Event_getTrigger(e) == NULL || !Trigger_isSetMath(Event_getTrigger(e)))
      return cs_sbml_refuse(&w->r, e, "event", id, "has no trigger");
  }
  return CS_OK;
}

/* ---- time units ---------------------------------------------------------------------- */

/* Seconds in the unit `id` (a base unit or a unit definition of seconds), or 0. */
static double seconds_in(Model_t *m, const char *id)
{
  if (strcmp(id, "second") == 0)
    return 1;
  UnitDefinition_t *def = Model_getUnitDefinitionById(m, id);
  if (def == NULL || UnitDefinition_getNumUnits(def) != 1)
    return 0;
  Unit_t *u = UnitDefinition_getUnit(def, 0);
  if (Unit_getKind(u) != UNIT_KIND_SECOND || Unit_getExponentAsDouble(u) != 1)
    return 0;
  return Unit_getMultiplier(u) * pow(10.0, Unit_getScale(u));
}

static cs_status read_time_unit(writer *w, SBMLDocument_t *doc, double undeclared_unit_days,
                                cs_sbml_model *out)
{
  Model_t *m = w->r.model;
  const char *unit = NULL;
  if (SBMLDocument_getLevel(doc) == 3) {
    if (Model_isSetTimeUnits(m))
      unit = Model_getTimeUnits(m);
  } else {
    /* Level 2: seconds unless the model redefines the built-in unit "time". */
    unit = Model_getUnitDefinitionById(m, "time") != NULL ? "time" : "second";
  }
  if (unit == NULL) {
    const double days = undeclared_unit_days > 0 ? undeclared_unit_days : 1;
    w->r.time_scale = 1 / days;
    snprintf(out->time_note, sizeof out->time_note,
             "the model declares no time unit: one model time unit read as %g day%s", days,
             days == 1 ? "" : "s");
    return CS_OK;
  }
  if (undeclared_unit_days > 0)
    return cs_sbml_refuse(&w->r, m, "model", Model_getId(m),
                          "the model declares its time unit ('%s'): time_unit is only for a "
                          "model that declares none",
                          unit);
  const double seconds = seconds_in(m, unit);
  if (!(seconds > 0) || !isfinite(seconds))
    return cs_sbml_refuse(&w->r, m, "model", Model_getId(m),
                          "the time unit '%s' is not a multiple of the second", unit);
  w->r.time_scale = SECONDS_PER_DAY / seconds;
  snprintf(out->time_note, sizeof out->time_note,
           "the model's time unit is '%s' (%g s): rates and times scaled to days by %.17g", unit,
           seconds, w->r.time_scale);
  return CS_OK;
}

/* ---- libsbml's converters ------------------------------------------------------------ */

static cs_status convert(writer *w, SBMLDocument_t *doc, const char *option, const char *what)
{
  ConversionProperties_t *props = ConversionProperties_create();
  if (props == NULL)
    return cs_error_set(w->r.err, CS_ERR_NOMEM, "%s: out of memory", w->r.origin);
  ConversionProperties_addOptionWithKey(props, option);
  ConversionProperties_setBoolValue(props, option, 1);
  const int rc = SBMLDocument_convert(doc, props);
  ConversionProperties_free(props);
  if (rc != LIBSBML_OPERATION_SUCCESS)
    return cs_error_set(w->r.err, CS_ERR_COHORT, "%s: libsbml cannot expand the %s (code %d)",
                        w->r.origin, what, rc);
  return CS_OK;
}

/* ---- writing ------------------------------------------------------------------------- */

/* `text` as a double-quoted YAML scalar (formulas hold no quotes or backslashes, but a
 * name might, so they are escaped). */
static void quoted(cs_sbml_text *out, const char *text)
{
  cs_sbml_text_add(out, "\"");
  for (const char *c = text; *c != '\0'; c++)
    cs_sbml_text_add(out, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
  cs_sbml_text_add(out, "\"");
}

static int has_rule(Model_t *m, const char *id)
{
  const Rule_t *rule = Model_getRuleByVar(m, id);
  return rule != NULL && Rule_isAssignment(rule);
}

static void write_number_line(writer *w, unsigned line, const char *name, double value)
{
  cs_sbml_text number = {0};
  cs_sbml_text_number(&number, value);
  emit(w, line, "  %s: %s", name, cs_sbml_text_string(&number));
  w->yaml.failed |= number.failed;
  free(number.s);
}

/* One line `INDENT NAME: "FORMULA"`, the formula a double-quoted YAML scalar. */
static void write_formula_line(writer *w, unsigned line, const char *indent, const char *name,
                               const cs_sbml_text *formula)
{
  cs_sbml_text text = {0};
  quoted(&text, cs_sbml_text_string(formula));
  emit(w, line, "%s%s: %s", indent, name, cs_sbml_text_string(&text));
  w->yaml.failed |= text.failed | formula->failed;
  free(text.s);
}

static cs_status write_parameters(writer *w)
{
  Model_t *m = w->r.model;
  int written = 0;
  for (unsigned i = 0; i < Model_getNumCompartments(m); i++) {
    const Compartment_t *c = Model_getCompartment(m, i);
    if (!Compartment_isSetSize(c) || has_rule(m, Compartment_getId(c)))
      continue;
    if (written++ == 0)
      emit(w, 0, "parameters:");
    write_number_line(w, line_of(c), Compartment_getId(c), Compartment_getSize(c));
  }
  for (unsigned i = 0; i < Model_getNumParameters(m); i++) {
    const Parameter_t *p = Model_getParameter(m, i);
    if (has_rule(m, Parameter_getId(p)))
      continue;
    if (!Parameter_isSetValue(p))
      return cs_sbml_refuse(&w->r, p, "parameter", Parameter_getId(p), "has no value");
    if (written++ == 0)
      emit(w, 0, "parameters:");
    write_number_line(w, line_of(p), Parameter_getId(p), Parameter_getValue(p));
  }
  /* Local parameters become global ones named REACTION_PARAMETER. */
  for (unsigned i = 0; i < Model_getNumReactions(m); i++) {
    Reaction_t *rx = Model_getReaction(m, i);
    KineticLaw_t *law = Reaction_getKineticLaw(rx);
    const unsigned n_local = KineticLaw_getNumLocalParameters(law);
    const unsigned n = n_local > 0 ? n_local : KineticLaw_getNumParameters(law);
    for (unsigned j = 0; j < n; j++) {
      const void *p = n_local > 0 ? (const void *)KineticLaw_getLocalParameter(law, j)
                                  : (const void *)KineticLaw_getParameter(law, j);
      const char *id = n_local > 0 ? LocalParameter_getId(p) : Parameter_getId(p);
      const double value = n_local > 0 ? LocalParameter_getValue(p) : Parameter_getValue(p);
      char name[256];
      cs_sbml_local_name(Reaction_getId(rx), id, name, sizeof name);
      if (strlen(name) > NAME_LIMIT)
        return cs_sbml_refuse(&w->r, p, "local parameter", id,
                              "its cohort name '%s' is longer than %d characters", name,
                              NAME_LIMIT);
      if (Model_getParameterById(m, name) != NULL || Model_getSpeciesById(m, name) != NULL ||
          Model_getCompartmentById(m, name) != NULL)
        return cs_sbml_refuse(&w->r, p, "local parameter", id,
                              "its cohort name '%s' is already an id of the model", name);
      if (written++ == 0)
        emit(w, 0, "parameters:");
      write_number_line(w, line_of(p), name, value);
    }
  }
  return CS_OK;
}

/* A species' initial assignment that reads only parameters and compartments becomes
 * the species' `initial` expression, so that each patient's values of what it reads (a
 * distribution, an arm's `set`, `--set`) flow into it. Taken before libsbml's converter
 * replaces every initial assignment by its value at the file's parameters, which is all
 * that is kept of the others (those of parameters and compartments, and those reading
 * species or the time). */
static cs_status species_initial_formulas(writer *w)
{
  Model_t *m = w->r.model;
  const unsigned n = Model_getNumSpecies(m);
  w->initial_formula = calloc((size_t)n + 1, sizeof *w->initial_formula);
  if (w->initial_formula == NULL)
    return cs_error_set(w->r.err, CS_ERR_NOMEM, "%s: out of memory", w->r.origin);
  for (unsigned i = 0; i < n; i++) {
    const char *id = Species_getId(Model_getSpecies(m, i));
    const InitialAssignment_t *ia = Model_getInitialAssignmentBySym(m, id);
    const ASTNode_t *math = ia != NULL ? InitialAssignment_getMath(ia) : NULL;
    if (math == NULL || cs_sbml_math_reads_state(&w->r, math))
      continue;
    const cs_status status = cs_sbml_math(&w->r, math, (const SBase_t *)ia, "initial assignment",
                                          id, &w->initial_formula[i]);
    if (status == CS_ERR_NOMEM)
      return status;
    if (status != CS_OK) {
      /* Math the formula language cannot say: the converter's value will do. */
      free(w->initial_formula[i].s);
      w->initial_formula[i] = (cs_sbml_text){0};
      *w->r.err = (cs_error){0};
    }
  }
  return CS_OK;
}

static void free_initial_formulas(writer *w, unsigned n)
{
  if (w->initial_formula == NULL)
    return;
  for (unsigned i = 0; i < n; i++)
    free(w->initial_formula[i].s);
  free(w->initial_formula);
}

/* The species' initial value as a count: its initial assignment's formula, its initial
 * amount, or its initial concentration times its compartment's size (the compartment
 * parameter, per patient, so a distribution over the size scales it). */
static cs_status initial_count(writer *w, unsigned i, cs_sbml_text *initial)
{
  Model_t *m = w->r.model;
  const Species_t *s = Model_getSpecies(m, i);
  const char *id = Species_getId(s);
  const char *formula = w->initial_formula[i].s;
  w->yaml.failed |= w->initial_formula[i].failed;
  /* An assignment to a species in concentration units sets its concentration. */
  const bool amount =
      formula != NULL ? Species_getHasOnlySubstanceUnits(s) : Species_isSetInitialAmount(s);
  if (formula == NULL && !amount && !Species_isSetInitialConcentration(s))
    return cs_sbml_refuse(&w->r, s, "species", id, "has no initial amount or concentration");
  if (!amount) {
    const Compartment_t *c = Model_getCompartmentById(m, Species_getCompartment(s));
    if (c == NULL || !Compartment_isSetSize(c))
      return cs_sbml_refuse(&w->r, s, "species", id,
                            "an initial concentration in a compartment without a size");
  }
  if (formula == NULL && amount) {
    cs_sbml_text_number(initial, Species_getInitialAmount(s));
    return CS_OK;
  }
  cs_sbml_text_add(initial, "\"");
  if (formula != NULL)
    cs_sbml_text_add(initial, "%s", formula);
  else
    cs_sbml_text_number(initial, Species_getInitialConcentration(s));
  if (!amount)
    cs_sbml_text_add(initial, " * %s", Species_getCompartment(s));
  cs_sbml_text_add(initial, "\"");
  return CS_OK;
}

static cs_status write_species(writer *w)
{
  Model_t *m = w->r.model;
  emit(w, 0, "species:");
  for (unsigned i = 0; i < Model_getNumSpecies(m); i++) {
    const Species_t *s = Model_getSpecies(m, i);
    const char *id = Species_getId(s);
    if (has_rule(m, id))
      continue; /* an observable */
    cs_sbml_text initial = {0};
    const cs_status status = initial_count(w, i, &initial);
    if (status == CS_OK)
      emit(w, line_of(s), "  %s: {initial: %s}", id, cs_sbml_text_string(&initial));
    w->yaml.failed |= initial.failed;
    free(initial.s);
    CS_CALL(status);
  }
  return CS_OK;
}

/* A species the reactions change: not boundary, not constant, not a rule's variable. */
static int is_changed(Model_t *m, const char *id)
{
  const Species_t *s = Model_getSpeciesById(m, id);
  return s != NULL && !Species_getBoundaryCondition(s) && !Species_getConstant(s) &&
         !has_rule(m, id);
}

#define SIDE_MAX 16

typedef struct side {
  const char *species[SIDE_MAX];
  int count[SIDE_MAX];
  int n;
} side;

static cs_status collect(writer *w, Reaction_t *rx, int products, side *out)
{
  Model_t *m = w->r.model;
  out->n = 0;
  const unsigned n = products ? Reaction_getNumProducts(rx) : Reaction_getNumReactants(rx);
  for (unsigned i = 0; i < n; i++) {
    const SpeciesReference_t *sr =
        products ? Reaction_getProduct(rx, i) : Reaction_getReactant(rx, i);
    const char *id = SpeciesReference_getSpecies(sr);
    if (!is_changed(m, id))
      continue;
    int k = 0;
    while (k < out->n && strcmp(out->species[k], id) != 0)
      k++;
    if (k == out->n) {
      if (out->n == SIDE_MAX)
        return cs_sbml_refuse(&w->r, rx, "reaction", Reaction_getId(rx),
                              "more than %d species on one side", SIDE_MAX);
      out->species[out->n] = id;
      out->count[out->n++] = 0;
    }
    out->count[k] += (int)SpeciesReference_getStoichiometry(sr);
  }
  return CS_OK;
}

static void write_side(cs_sbml_text *out, const char *key, const side *s)
{
  if (s->n == 0)
    return;
  cs_sbml_text_add(out, "%s: {", key);
  for (int i = 0; i < s->n; i++)
    cs_sbml_text_add(out, "%s%s: %d", i > 0 ? ", " : "", s->species[i], s->count[i]);
  cs_sbml_text_add(out, "}, ");
}

/* Flattens nested products into `factors`; returns their number, or -1 if too many. */
static int product_factors(const ASTNode_t *node, const ASTNode_t **factors, int n, int max)
{
  if (ASTNode_getType(node) != AST_TIMES) {
    if (n == max)
      return -1;
    factors[n] = node;
    return n + 1;
  }
  for (unsigned i = 0; i < ASTNode_getNumChildren(node) && n >= 0; i++)
    n = product_factors(ASTNode_getChild(node, i), factors, n, max);
  return n;
}

/* Writes "mass_action: c" if the law is c times each reactant once (all taken once),
 * c of parameters only: then the propensity c * prod X is the reaction's mass action,
 * which the engines run faster and the hybrid engine leaps. Returns 0 (nothing written)
 * otherwise. A species in concentration units contributes 1/compartment to c. */
static int write_mass_action(writer *w, Reaction_t *rx, const ASTNode_t *law, const side *reactants,
                             cs_sbml_text *out)
{
  Model_t *m = w->r.model;
  if (reactants->n == 0)
    return 0;
  for (int i = 0; i < reactants->n; i++)
    if (reactants->count[i] != 1)
      return 0;
  const ASTNode_t *factors[64];
  const int n = product_factors(law, factors, 0, 64);
  if (n < 0)
    return 0;
  int seen[SIDE_MAX] = {0};
  for (int f = 0; f < n; f++) {
    const char *name = ASTNode_getType(factors[f]) == AST_NAME ? ASTNode_getName(factors[f]) : NULL;
    int k = -1;
    for (int i = 0; name != NULL && i < reactants->n; i++)
      if (strcmp(reactants->species[i], name) == 0)
        k = i;
    if (k >= 0 && !seen[k]) {
      seen[k] = 1;
      continue;
    }
    if (cs_sbml_math_reads_state(&w->r, factors[f]))
      return 0;
  }
  for (int i = 0; i < reactants->n; i++)
    if (!seen[i])
      return 0;
  cs_sbml_text c = {0};
  int written = 0;
  for (int f = 0; f < n; f++) {
    const char *name = ASTNode_getType(factors[f]) == AST_NAME ? ASTNode_getName(factors[f]) : NULL;
    const Species_t *s = name != NULL ? Model_getSpeciesById(m, name) : NULL;
    if (s != NULL) {
      if (!Species_getHasOnlySubstanceUnits(s))
        cs_sbml_text_add(&c, "%s1 / %s", written++ > 0 ? " * " : "", Species_getCompartment(s));
      continue;
    }
    if (written++ > 0)
      cs_sbml_text_add(&c, " * ");
    if (cs_sbml_math(&w->r, factors[f], (const SBase_t *)rx, "reaction", Reaction_getId(rx), &c) !=
        CS_OK) {
      free(c.s);
      return -1;
    }
  }
  if (written == 0)
    cs_sbml_text_add(&c, "1");
  if (w->r.time_scale != 1) {
    cs_sbml_text_add(&c, " * ");
    cs_sbml_text_number(&c, w->r.time_scale);
  }
  cs_sbml_text_add(out, "mass_action: ");
  quoted(out, cs_sbml_text_string(&c));
  out->failed |= c.failed;
  free(c.s);
  return 1;
}

static cs_status write_reaction(writer *w, Reaction_t *rx)
{
  const char *id = Reaction_getId(rx);
  side reactants, products;
  CS_CALL(collect(w, rx, 0, &reactants));
  CS_CALL(collect(w, rx, 1, &products));
  int changes = 0;
  for (int i = 0; i < reactants.n; i++) {
    int net = -reactants.count[i];
    for (int j = 0; j < products.n; j++)
      if (strcmp(products.species[j], reactants.species[i]) == 0)
        net += products.count[j];
    changes |= net != 0;
  }
  for (int j = 0; j < products.n; j++) {
    int net = products.count[j];
    for (int i = 0; i < reactants.n; i++)
      if (strcmp(products.species[j], reactants.species[i]) == 0)
        net -= reactants.count[i];
    changes |= net != 0;
  }
  if (!changes) {
    emit(w, line_of(rx),
         "  # %s changes no species' count (only boundary or constant species, "
         "or a catalyst): left out",
         id);
    return CS_OK;
  }
  w->r.reaction = rx;
  const ASTNode_t *law = KineticLaw_getMath(Reaction_getKineticLaw(rx));
  cs_sbml_text line = {0};
  cs_sbml_text_add(&line, "{");
  write_side(&line, "reactants", &reactants);
  write_side(&line, "products", &products);
  const int mass_action = write_mass_action(w, rx, law, &reactants, &line);
  cs_status status = mass_action < 0 ? w->r.err->status : CS_OK;
  if (mass_action == 0) {
    cs_sbml_text rate = {0};
    if (w->r.time_scale != 1)
      cs_sbml_text_add(&rate, "(");
    status = cs_sbml_math(&w->r, law, (const SBase_t *)rx, "reaction", id, &rate);
    if (w->r.time_scale != 1) {
      cs_sbml_text_add(&rate, ") * ");
      cs_sbml_text_number(&rate, w->r.time_scale);
    }
    cs_sbml_text_add(&line, "rate: ");
    quoted(&line, cs_sbml_text_string(&rate));
    line.failed |= rate.failed;
    free(rate.s);
  }
  cs_sbml_text_add(&line, "}");
  w->r.reaction = NULL;
  if (status == CS_OK)
    emit(w, line_of(rx), "  %s: %s", id, cs_sbml_text_string(&line));
  w->yaml.failed |= line.failed;
  free(line.s);
  return status;
}

static cs_status write_reactions(writer *w)
{
  Model_t *m = w->r.model;
  emit(w, 0, "reactions:");
  for (unsigned i = 0; i < Model_getNumReactions(m); i++)
    CS_CALL(write_reaction(w, Model_getReaction(m, i)));
  return CS_OK;
}

static cs_status write_observables(writer *w)
{
  Model_t *m = w->r.model;
  int written = 0;
  for (unsigned i = 0; i < Model_getNumRules(m); i++) {
    const Rule_t *rule = Model_getRule(m, i);
    if (!Rule_isAssignment(rule))
      continue;
    const char *id = Rule_getVariable(rule);
    CS_CALL(check_id(w, rule, "assignment rule", id));
    cs_sbml_text value = {0};
    const cs_status status = cs_sbml_math(&w->r, Rule_getMath(rule), (const SBase_t *)rule,
                                          "assignment rule", id, &value);
    if (status == CS_OK) {
      if (written++ == 0)
        emit(w, 0, "observables:");
      write_formula_line(w, line_of(rule), "  ", id, &value);
    }
    free(value.s);
    CS_CALL(status);
  }
  return CS_OK;
}

/* "t >= E" (or >) with E free of the state: written as "t >= E/scale" so that the events
 * reader recognises an exact timed event. 1 if written, 0 if the trigger is not one. */
static int write_time_trigger(writer *w, Event_t *e, const ASTNode_t *math, cs_sbml_text *out)
{
  const ASTNodeType_t type = ASTNode_getType(math);
  if ((type != AST_RELATIONAL_GEQ && type != AST_RELATIONAL_GT) ||
      ASTNode_getNumChildren(math) != 2 ||
      ASTNode_getType(ASTNode_getChild(math, 0)) != AST_NAME_TIME ||
      cs_sbml_math_reads_state(&w->r, ASTNode_getChild(math, 1)))
    return 0;
  cs_sbml_text_add(out, "t %s ", type == AST_RELATIONAL_GEQ ? ">=" : ">");
  if (cs_sbml_math(&w->r, ASTNode_getChild(math, 1), (const SBase_t *)e, "event",
                   Event_isSetId(e) ? Event_getId(e) : "", out) != CS_OK)
    return -1;
  if (w->r.time_scale != 1) {
    cs_sbml_text_add(out, " / ");
    cs_sbml_text_number(out, w->r.time_scale);
  }
  return 1;
}

static cs_status write_event(writer *w, Event_t *e, int index)
{
  Model_t *m = w->r.model;
  char name[32];
  snprintf(name, sizeof name, "event_%d", index + 1);
  const char *id = Event_isSetId(e) ? Event_getId(e) : name;
  CS_CALL(check_id(w, e, "event", id));
  const Trigger_t *trigger = Event_getTrigger(e);
  const unsigned line = line_of(e);
  if (Event_getNumEventAssignments(e) == 0) {
    emit(w, line, "  # event %s assigns nothing: left out", id);
    return CS_OK;
  }
  emit(w, line, "  - name: %s", id);
  cs_sbml_text when = {0};
  const int timed = write_time_trigger(w, e, Trigger_getMath(trigger), &when);
  cs_status status = timed < 0 ? w->r.err->status : CS_OK;
  if (timed == 0)
    status = cs_sbml_math(&w->r, Trigger_getMath(trigger), (const SBase_t *)e, "event", id, &when);
  if (status == CS_OK)
    write_formula_line(w, line_of(trigger), "    ", "when", &when);
  free(when.s);
  CS_CALL(status);
  /* SBML's initialValue true: the trigger counts as already true before time 0, so a
   * trigger true at 0 does not fire then. */
  if (Trigger_getInitialValue(trigger))
    emit(w, line_of(trigger), "    fires_at_start: false");
  emit(w, line, "    set:");
  for (unsigned a = 0; a < Event_getNumEventAssignments(e); a++) {
    const EventAssignment_t *ea = Event_getEventAssignment(e, a);
    const char *target = EventAssignment_getVariable(ea);
    const Species_t *s = Model_getSpeciesById(m, target);
    if (s == NULL && Model_getParameterById(m, target) == NULL)
      return cs_sbml_refuse(&w->r, ea, "event", id,
                            "assigns '%s', which is not a species or a parameter", target);
    if (has_rule(m, target))
      return cs_sbml_refuse(&w->r, ea, "event", id,
                            "assigns '%s', which an assignment rule defines", target);
    cs_sbml_text value = {0};
    const int concentration = s != NULL && !Species_getHasOnlySubstanceUnits(s);
    if (concentration)
      cs_sbml_text_add(&value, "(");
    status =
        cs_sbml_math(&w->r, EventAssignment_getMath(ea), (const SBase_t *)ea, "event", id, &value);
    if (concentration)
      cs_sbml_text_add(&value, ") * %s", Species_getCompartment(s));
    if (status == CS_OK)
      write_formula_line(w, line_of(ea), "      ", target, &value);
    free(value.s);
    CS_CALL(status);
  }
  return CS_OK;
}

static cs_status write_events(writer *w)
{
  Model_t *m = w->r.model;
  int n_assigning = 0;
  for (unsigned i = 0; i < Model_getNumEvents(m); i++)
    n_assigning += Event_getNumEventAssignments(Model_getEvent(m, i)) > 0;
  if (n_assigning > 0)
    emit(w, 0, "events:");
  for (unsigned i = 0; i < Model_getNumEvents(m); i++)
    CS_CALL(write_event(w, Model_getEvent(m, i), (int)i));
  return CS_OK;
}

static void model_name(Model_t *m, char *name, size_t size)
{
  const char *id = Model_isSetId(m) ? Model_getId(m) : "";
  if (id[0] == '\0' || strlen(id) >= size)
    id = "sbml_model";
  snprintf(name, size, "%s", id);
}

cs_status cs_sbml_read(const char *xml, const char *origin, double undeclared_unit_days,
                       cs_sbml_model *model, cs_error *err)
{
  memset(model, 0, sizeof *model);
  writer w = {.r = {.origin = origin, .err = err, .time_scale = 1}};
  SBMLDocument_t *doc = readSBMLFromString(xml);
  if (doc == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "%s: out of memory reading SBML", origin);
  cs_status status = check_document(&w, doc);
  if (status == CS_OK) {
    w.r.model = SBMLDocument_getModel(doc);
    status = check_model(&w);
  }
  if (status == CS_OK)
    status = read_time_unit(&w, doc, undeclared_unit_days, model);
  if (status == CS_OK && Model_getNumFunctionDefinitions(w.r.model) > 0)
    status = convert(&w, doc, "expandFunctionDefinitions", "function definitions");
  if (status == CS_OK)
    status = species_initial_formulas(&w);
  if (status == CS_OK && Model_getNumInitialAssignments(w.r.model) > 0)
    status = convert(&w, doc, "expandInitialAssignments", "initial assignments");
  if (status == CS_OK) {
    w.r.model = SBMLDocument_getModel(doc);
    model_name(w.r.model, model->name, sizeof model->name);
    status = write_parameters(&w);
  }
  if (status == CS_OK)
    status = write_species(&w);
  if (status == CS_OK)
    status = write_reactions(&w);
  if (status == CS_OK)
    status = write_observables(&w);
  if (status == CS_OK)
    status = write_events(&w);
  if (status == CS_OK && w.yaml.failed)
    status = cs_error_set(err, CS_ERR_NOMEM, "%s: out of memory writing the model", origin);
  free_initial_formulas(&w, w.r.model != NULL ? Model_getNumSpecies(w.r.model) : 0);
  SBMLDocument_free(doc);
  if (status != CS_OK) {
    free(w.yaml.s);
    free(w.line);
    return status;
  }
  model->yaml = w.yaml.s;
  model->line = w.line;
  model->n_lines = w.n_lines;
  return CS_OK;
}

void cs_sbml_model_free(cs_sbml_model *model)
{
  if (model == NULL)
    return;
  free(model->yaml);
  free(model->line);
  memset(model, 0, sizeof *model);
}
