/* MathML (libsbml's AST) -> cohortsim formula text.
 *
 * Every compound subexpression is bracketed, so the formula language's precedence and
 * its one-comparison rule never change the meaning. What the formula language has no
 * word for (trigonometry, delay, rateOf, the distrib package's functions) is refused
 * with the element's id and line. Function definitions are already expanded by
 * libsbml's converter when this runs (sbml_read.c); initial assignments likewise.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbml_impl.h"

/* Assignment rules may refer to each other (SBML forbids cycles, but a file may be
 * wrong): deeper than this is refused rather than recursed without end. */
#define CS_SBML_RULE_DEPTH 64

void cs_sbml_text_add(cs_sbml_text *t, const char *format, ...)
{
  if (t->failed)
    return;
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = vsnprintf(NULL, 0, format, args);
  va_end(args);
  if (n < 0) {
    t->failed = 1;
    va_end(again);
    return;
  }
  if (t->length + (size_t)n + 1 > t->capacity) {
    size_t capacity = t->capacity == 0 ? 1024 : t->capacity;
    while (capacity < t->length + (size_t)n + 1)
      capacity *= 2;
    char *s = realloc(t->s, capacity);
    if (s == NULL) {
      t->failed = 1;
      va_end(again);
      return;
    }
    t->s = s;
    t->capacity = capacity;
  }
  vsnprintf(t->s + t->length, (size_t)n + 1, format, again);
  va_end(again);
  t->length += (size_t)n;
}

const char *cs_sbml_text_string(const cs_sbml_text *t)
{
  return t->s != NULL && !t->failed ? t->s : "";
}

void cs_sbml_text_number(cs_sbml_text *t, double value)
{
  char buffer[40];
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    if (strtod(buffer, NULL) == value)
      break;
  }
  cs_sbml_text_add(t, value < 0 ? "(%s)" : "%s", buffer);
}

cs_status cs_sbml_refuse(cs_sbml_reader *r, const void *element, const char *kind, const char *id,
                         const char *format, ...)
{
  char message[768];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  return cs_error_set(r->err, CS_ERR_COHORT, "%s:%u: %s '%s': %s", r->origin,
                      element != NULL ? SBase_getLine((const SBase_t *)element) : 0, kind, id,
                      message);
}

void cs_sbml_local_name(const char *reaction, const char *parameter, char *name, size_t size)
{
  snprintf(name, size, "%s_%s", reaction, parameter);
}

typedef struct math_site {
  const SBase_t *element;
  const char *kind, *id;
} math_site;

static cs_status translate(cs_sbml_reader *r, const ASTNode_t *node, const math_site *site,
                           cs_sbml_text *out);

static cs_status refuse_at(cs_sbml_reader *r, const math_site *site, const char *format,
                           const char *what)
{
  return cs_sbml_refuse(r, site->element, site->kind, site->id, format, what);
}

static const LocalParameter_t *local_parameter(const cs_sbml_reader *r, const char *name)
{
  if (r->reaction == NULL)
    return NULL;
  KineticLaw_t *law = Reaction_getKineticLaw(r->reaction);
  if (law == NULL)
    return NULL;
  for (unsigned i = 0; i < KineticLaw_getNumLocalParameters(law); i++) {
    const LocalParameter_t *p = KineticLaw_getLocalParameter(law, i);
    if (strcmp(LocalParameter_getId(p), name) == 0)
      return p;
  }
  /* Level 2 keeps a reaction's own parameters as Parameter objects. */
  for (unsigned i = 0; i < KineticLaw_getNumParameters(law); i++) {
    const Parameter_t *p = KineticLaw_getParameter(law, i);
    if (strcmp(Parameter_getId(p), name) == 0)
      return (const LocalParameter_t *)p;
  }
  return NULL;
}

static const Rule_t *assignment_rule(const cs_sbml_reader *r, const char *name)
{
  const Rule_t *rule = Model_getRuleByVar(r->model, name);
  return rule != NULL && Rule_isAssignment(rule) ? rule : NULL;
}

static cs_status translate_name(cs_sbml_reader *r, const char *name, const math_site *site,
                                cs_sbml_text *out)
{
  if (local_parameter(r, name) != NULL) {
    char local[256];
    cs_sbml_local_name(Reaction_getId(r->reaction), name, local, sizeof local);
    cs_sbml_text_add(out, "%s", local);
    return CS_OK;
  }
  const Rule_t *rule = assignment_rule(r, name);
  if (rule != NULL) {
    if (r->depth >= CS_SBML_RULE_DEPTH)
      return refuse_at(r, site, "assignment rules nested deeper than 64 (a cycle?) at '%s'", name);
    r->depth++;
    cs_sbml_text_add(out, "(");
    const cs_status status = translate(r, Rule_getMath(rule), site, out);
    cs_sbml_text_add(out, ")");
    r->depth--;
    return status;
  }
  const Species_t *species = Model_getSpeciesById(r->model, name);
  if (species != NULL) {
    /* The suite's convention (and SBML's): a species whose hasOnlySubstanceUnits is
     * false stands for its concentration in math; the state is its amount. */
    if (Species_getHasOnlySubstanceUnits(species))
      cs_sbml_text_add(out, "%s", name);
    else
      cs_sbml_text_add(out, "(%s / %s)", name, Species_getCompartment(species));
    return CS_OK;
  }
  const Compartment_t *compartment = Model_getCompartmentById(r->model, name);
  if (compartment != NULL && !Compartment_isSetSize(compartment))
    return refuse_at(r, site, "compartment '%s' is read but has no size", name);
  if (compartment != NULL || Model_getParameterById(r->model, name) != NULL) {
    cs_sbml_text_add(out, "%s", name);
    return CS_OK;
  }
  if (Model_getReactionById(r->model, name) != NULL)
    return refuse_at(r, site,
                     "reads reaction '%s' (a reaction's rate as a value) which is not "
                     "supported",
                     name);
  return refuse_at(r, site, "'%s' is not a species, compartment or parameter of the model", name);
}

/* Children joined by an infix operator; `empty` when there are none. */
static cs_status infix(cs_sbml_reader *r, const ASTNode_t *node, const char *op, const char *empty,
                       const math_site *site, cs_sbml_text *out)
{
  const unsigned n = ASTNode_getNumChildren(node);
  if (n == 0) {
    cs_sbml_text_add(out, "%s", empty);
    return CS_OK;
  }
  cs_sbml_text_add(out, "(");
  for (unsigned i = 0; i < n; i++) {
    if (i > 0)
      cs_sbml_text_add(out, " %s ", op);
    CS_CALL(translate(r, ASTNode_getChild(node, i), site, out));
  }
  cs_sbml_text_add(out, ")");
  return CS_OK;
}

static cs_status call(cs_sbml_reader *r, const ASTNode_t *node, const char *function,
                      const math_site *site, cs_sbml_text *out)
{
  cs_sbml_text_add(out, "%s(", function);
  for (unsigned i = 0; i < ASTNode_getNumChildren(node); i++) {
    if (i > 0)
      cs_sbml_text_add(out, ", ");
    CS_CALL(translate(r, ASTNode_getChild(node, i), site, out));
  }
  cs_sbml_text_add(out, ")");
  return CS_OK;
}

static const char *relation_operator(ASTNodeType_t type)
{
  switch (type) {
  case AST_RELATIONAL_EQ:
    return "==";
  case AST_RELATIONAL_GEQ:
    return ">=";
  case AST_RELATIONAL_GT:
    return ">";
  case AST_RELATIONAL_LEQ:
    return "<=";
  case AST_RELATIONAL_LT:
    return "<";
  case AST_RELATIONAL_NEQ:
    return "!=";
  default:
    return NULL;
  }
}

/* a < b < c is (a < b) && (b < c): the formula language allows one comparison, not a
 * chain. */
static cs_status relation(cs_sbml_reader *r, const ASTNode_t *node, const char *op,
                          const math_site *site, cs_sbml_text *out)
{
  const unsigned n = ASTNode_getNumChildren(node);
  if (n < 2)
    return refuse_at(r, site, "a comparison '%s' with fewer than two operands", op);
  cs_sbml_text_add(out, "(");
  for (unsigned i = 0; i + 1 < n; i++) {
    if (i > 0)
      cs_sbml_text_add(out, " && ");
    cs_sbml_text_add(out, "(");
    CS_CALL(translate(r, ASTNode_getChild(node, i), site, out));
    cs_sbml_text_add(out, " %s ", op);
    CS_CALL(translate(r, ASTNode_getChild(node, i + 1), site, out));
    cs_sbml_text_add(out, ")");
  }
  cs_sbml_text_add(out, ")");
  return CS_OK;
}

static cs_status binary(cs_sbml_reader *r, const ASTNode_t *node, const char *op,
                        const math_site *site, cs_sbml_text *out)
{
  if (ASTNode_getNumChildren(node) != 2)
    return refuse_at(r, site, "'%s' needs two operands", op);
  cs_sbml_text_add(out, "(");
  CS_CALL(translate(r, ASTNode_getChild(node, 0), site, out));
  cs_sbml_text_add(out, " %s ", op);
  CS_CALL(translate(r, ASTNode_getChild(node, 1), site, out));
  cs_sbml_text_add(out, ")");
  return CS_OK;
}

/* quotient(a, b) is a/b truncated towards zero; rem(a, b) = a - b*quotient(a, b). */
static cs_status quotient(cs_sbml_reader *r, const ASTNode_t *node, int remainder,
                          const math_site *site, cs_sbml_text *out)
{
  if (ASTNode_getNumChildren(node) != 2)
    return refuse_at(r, site, "'%s' needs two operands", remainder ? "rem" : "quotient");
  cs_sbml_text a = {0}, b = {0};
  cs_status status = translate(r, ASTNode_getChild(node, 0), site, &a);
  if (status == CS_OK)
    status = translate(r, ASTNode_getChild(node, 1), site, &b);
  if (status == CS_OK && !a.failed && !b.failed) {
    const char *as = cs_sbml_text_string(&a), *bs = cs_sbml_text_string(&b);
    if (remainder)
      cs_sbml_text_add(out, "(%s - %s * if(%s / %s >= 0, floor(%s / %s), ceil(%s / %s)))", as, bs,
                       as, bs, as, bs, as, bs);
    else
      cs_sbml_text_add(out, "if(%s / %s >= 0, floor(%s / %s), ceil(%s / %s))", as, bs, as, bs, as,
                       bs);
  }
  out->failed |= a.failed | b.failed;
  free(a.s);
  free(b.s);
  return status;
}

/* log and root: with one operand a call of `one_operand`; with two, `before` child 1
 * `between` child 0 `after`, since libsbml puts the log's base and the root's degree
 * first and the formula language wants them second. */
static cs_status one_or_two_operands(cs_sbml_reader *r, const ASTNode_t *node, const char *name,
                                     const char *one_operand, const char *before,
                                     const char *between, const char *after, const math_site *site,
                                     cs_sbml_text *out)
{
  const unsigned n = ASTNode_getNumChildren(node);
  if (n == 1)
    return call(r, node, one_operand, site, out);
  if (n != 2)
    return refuse_at(r, site, "'%s' needs one or two operands", name);
  cs_sbml_text_add(out, "%s", before);
  CS_CALL(translate(r, ASTNode_getChild(node, 1), site, out));
  cs_sbml_text_add(out, "%s", between);
  CS_CALL(translate(r, ASTNode_getChild(node, 0), site, out));
  cs_sbml_text_add(out, "%s", after);
  return CS_OK;
}

/* log_b(x) = log(x) / log(b). */
static cs_status logarithm(cs_sbml_reader *r, const ASTNode_t *node, const math_site *site,
                           cs_sbml_text *out)
{
  return one_or_two_operands(r, node, "log", "log10", "(log(", ") / log(", "))", site, out);
}

/* The n-th root of x is x ^ (1 / n). */
static cs_status root(cs_sbml_reader *r, const ASTNode_t *node, const math_site *site,
                      cs_sbml_text *out)
{
  return one_or_two_operands(r, node, "root", "sqrt", "((", ") ^ (1 / ", "))", site, out);
}

/* (a != 0) + (b != 0) + ...: how many operands are true. */
static cs_status count_true(cs_sbml_reader *r, const ASTNode_t *node, const math_site *site,
                            cs_sbml_text *out)
{
  for (unsigned i = 0; i < ASTNode_getNumChildren(node); i++) {
    cs_sbml_text_add(out, i > 0 ? " + (" : "(");
    CS_CALL(translate(r, ASTNode_getChild(node, i), site, out));
    cs_sbml_text_add(out, " != 0)");
  }
  return CS_OK;
}

static cs_status exclusive_or(cs_sbml_reader *r, const ASTNode_t *node, const math_site *site,
                              cs_sbml_text *out)
{
  /* Odd parity of the true operands: the count is not twice its half rounded down. */
  if (ASTNode_getNumChildren(node) == 0) {
    cs_sbml_text_add(out, "0");
    return CS_OK;
  }
  cs_sbml_text_add(out, "(floor((");
  CS_CALL(count_true(r, node, site, out));
  cs_sbml_text_add(out, ") / 2) * 2 != (");
  CS_CALL(count_true(r, node, site, out));
  cs_sbml_text_add(out, "))");
  return CS_OK;
}

static cs_status translate_time(cs_sbml_reader *r, const math_site *site, cs_sbml_text *out)
{
  /* The formula language's name for the time is t (or time); a model that uses either
   * as an id would capture it. */
  if (Model_getSpeciesById(r->model, "t") != NULL ||
      Model_getParameterById(r->model, "t") != NULL ||
      Model_getCompartmentById(r->model, "t") != NULL)
    return refuse_at(r, site, "reads the time, but the model has an element named '%s'", "t");
  if (r->time_scale == 1)
    cs_sbml_text_add(out, "t");
  else {
    cs_sbml_text_add(out, "(t * ");
    cs_sbml_text_number(out, r->time_scale);
    cs_sbml_text_add(out, ")");
  }
  return CS_OK;
}

static cs_status translate(cs_sbml_reader *r, const ASTNode_t *node, const math_site *site,
                           cs_sbml_text *out)
{
  if (node == NULL)
    return refuse_at(r, site, "%s", "has no math");
  const ASTNodeType_t type = ASTNode_getType(node);
  const char *relational = relation_operator(type);
  if (relational != NULL)
    return relation(r, node, relational, site, out);
  switch (type) {
  case AST_INTEGER:
    cs_sbml_text_number(out, (double)ASTNode_getInteger(node));
    return CS_OK;
  case AST_REAL:
  case AST_REAL_E:
  case AST_RATIONAL:
  case AST_NAME_AVOGADRO:
    cs_sbml_text_number(out, ASTNode_getReal(node));
    return CS_OK;
  case AST_CONSTANT_E:
    cs_sbml_text_number(out, exp(1.0));
    return CS_OK;
  case AST_CONSTANT_PI:
    cs_sbml_text_number(out, 4 * atan(1.0));
    return CS_OK;
  case AST_CONSTANT_TRUE:
    cs_sbml_text_add(out, "1");
    return CS_OK;
  case AST_CONSTANT_FALSE:
    cs_sbml_text_add(out, "0");
    return CS_OK;
  case AST_NAME:
    return translate_name(r, ASTNode_getName(node), site, out);
  case AST_NAME_TIME:
    return translate_time(r, site, out);
  case AST_PLUS:
    return infix(r, node, "+", "0", site, out);
  case AST_TIMES:
    return infix(r, node, "*", "1", site, out);
  case AST_MINUS:
    if (ASTNode_getNumChildren(node) == 1) {
      cs_sbml_text_add(out, "(-");
      CS_CALL(translate(r, ASTNode_getChild(node, 0), site, out));
      cs_sbml_text_add(out, ")");
      return CS_OK;
    }
    return binary(r, node, "-", site, out);
  case AST_DIVIDE:
    return binary(r, node, "/", site, out);
  case AST_POWER:
  case AST_FUNCTION_POWER:
    return binary(r, node, "^", site, out);
  case AST_LOGICAL_AND:
    return infix(r, node, "&&", "1", site, out);
  case AST_LOGICAL_OR:
    return infix(r, node, "||", "0", site, out);
  case AST_LOGICAL_NOT:
    return call(r, node, "!", site, out);
  case AST_LOGICAL_XOR:
    return exclusive_or(r, node, site, out);
  case AST_LOGICAL_IMPLIES:
    if (ASTNode_getNumChildren(node) != 2)
      return refuse_at(r, site, "'%s' needs two operands", "implies");
    cs_sbml_text_add(out, "(!(");
    CS_CALL(translate(r, ASTNode_getChild(node, 0), site, out));
    cs_sbml_text_add(out, ") || ");
    CS_CALL(translate(r, ASTNode_getChild(node, 1), site, out));
    cs_sbml_text_add(out, ")");
    return CS_OK;
  case AST_FUNCTION_ABS:
    return call(r, node, "abs", site, out);
  case AST_FUNCTION_CEILING:
    return call(r, node, "ceil", site, out);
  case AST_FUNCTION_FLOOR:
    return call(r, node, "floor", site, out);
  case AST_FUNCTION_EXP:
    return call(r, node, "exp", site, out);
  case AST_FUNCTION_LN:
    return call(r, node, "log", site, out);
  case AST_FUNCTION_LOG:
    return logarithm(r, node, site, out);
  case AST_FUNCTION_ROOT:
    return root(r, node, site, out);
  case AST_FUNCTION_MAX:
    return call(r, node, "max", site, out);
  case AST_FUNCTION_MIN:
    return call(r, node, "min", site, out);
  case AST_FUNCTION_PIECEWISE:
    return call(r, node, "piecewise", site, out);
  case AST_FUNCTION_QUOTIENT:
    return quotient(r, node, 0, site, out);
  case AST_FUNCTION_REM:
    return quotient(r, node, 1, site, out);
  case AST_FUNCTION_DELAY:
    return refuse_at(r, site, "the function '%s' is not supported", "delay");
  case AST_FUNCTION_RATE_OF:
    return refuse_at(r, site, "the function '%s' is not supported", "rateOf");
  case AST_FUNCTION:
    return refuse_at(r, site, "calls '%s', which is not a function definition of the model",
                     ASTNode_getName(node) != NULL ? ASTNode_getName(node) : "?");
  default:
    break;
  }
  const char *name = ASTNode_getName(node);
  return refuse_at(r, site,
                   "the MathML element '%s' is not supported (no such function in "
                   "cohortsim's formulas)",
                   name != NULL ? name : "?");
}

cs_status cs_sbml_math(cs_sbml_reader *r, const ASTNode_t *math, const SBase_t *element,
                       const char *kind, const char *id, cs_sbml_text *out)
{
  const math_site site = {element, kind, id};
  r->depth = 0;
  return translate(r, math, &site, out);
}

static int reads_state(cs_sbml_reader *r, const ASTNode_t *node, int depth)
{
  if (node == NULL || depth > CS_SBML_RULE_DEPTH)
    return 0;
  const ASTNodeType_t type = ASTNode_getType(node);
  if (type == AST_NAME_TIME)
    return 1;
  if (type == AST_NAME) {
    const char *name = ASTNode_getName(node);
    if (local_parameter(r, name) != NULL)
      return 0;
    const Rule_t *rule = assignment_rule(r, name);
    if (rule != NULL)
      return reads_state(r, Rule_getMath(rule), depth + 1);
    return Model_getSpeciesById(r->model, name) != NULL;
  }
  for (unsigned i = 0; i < ASTNode_getNumChildren(node); i++)
    if (reads_state(r, ASTNode_getChild(node, i), depth))
      return 1;
  return 0;
}

int cs_sbml_math_reads_state(cs_sbml_reader *r, const ASTNode_t *math)
{
  return reads_state(r, math, 0);
}
