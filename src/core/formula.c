/* Formulas: a recursive-descent parser that emits postfix stack code as it reads, and the
 * evaluator of that code (formula.h).
 *
 * The parser emits an operator right after its operands, so the code comes out in the
 * order it runs and the stack height is known at each op. Folding happens at emission:
 * an operator whose operands are all numbers (then each is a single CS_OP_CONST at the
 * end of the code) is run at once and replaced by its value, with the evaluator itself,
 * so a folded formula gives the same bits as an unfolded one.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formula_impl.h"

/* ---- evaluation ---------------------------------------------------------------------- */

/* Runs `n_ops` ops of postfix code; `state` may be NULL when the code reads no symbol
 * (folding). No allocation, no recursion: this runs for every reaction firing. */
static double run(const cs_op *code, int n_ops, const cs_formula_state *state)
{
  double stack[CS_FORMULA_MAX_STACK];
  int sp = 0; /* the number of values on the stack */
  for (int i = 0; i < n_ops; i++) {
    const cs_op *op = &code[i];
    switch ((cs_op_code)op->code) {
    case CS_OP_CONST:
      stack[sp++] = op->value;
      break;
    case CS_OP_PARAM:
      stack[sp++] = state->param[op->index];
      break;
    case CS_OP_COUNT:
      stack[sp++] = (double)state->count[op->index];
      break;
    case CS_OP_DRUG:
      stack[sp++] = state->drug[op->index];
      break;
    case CS_OP_TIME:
      stack[sp++] = state->time;
      break;
    case CS_OP_NEG:
      stack[sp - 1] = -stack[sp - 1];
      break;
    case CS_OP_NOT:
      stack[sp - 1] = 1.0 - cs_formula_truth(stack[sp - 1]);
      break;
    case CS_OP_ADD:
      sp--;
      stack[sp - 1] += stack[sp];
      break;
    case CS_OP_SUB:
      sp--;
      stack[sp - 1] -= stack[sp];
      break;
    case CS_OP_MUL:
      sp--;
      stack[sp - 1] *= stack[sp];
      break;
    case CS_OP_DIV:
      sp--;
      stack[sp - 1] /= stack[sp];
      break;
    case CS_OP_POW:
      sp--;
      stack[sp - 1] = pow(stack[sp - 1], stack[sp]);
      break;
    case CS_OP_LT:
      sp--;
      stack[sp - 1] = stack[sp - 1] < stack[sp];
      break;
    case CS_OP_LE:
      sp--;
      stack[sp - 1] = stack[sp - 1] <= stack[sp];
      break;
    case CS_OP_GT:
      sp--;
      stack[sp - 1] = stack[sp - 1] > stack[sp];
      break;
    case CS_OP_GE:
      sp--;
      stack[sp - 1] = stack[sp - 1] >= stack[sp];
      break;
    case CS_OP_EQ:
      sp--;
      stack[sp - 1] = stack[sp - 1] == stack[sp];
      break;
    case CS_OP_NE:
      sp--;
      stack[sp - 1] = stack[sp - 1] != stack[sp];
      break;
    case CS_OP_AND:
      sp--;
      stack[sp - 1] = cs_formula_truth(stack[sp - 1]) * cs_formula_truth(stack[sp]);
      break;
    case CS_OP_OR:
      sp--;
      stack[sp - 1] = fmax(cs_formula_truth(stack[sp - 1]), cs_formula_truth(stack[sp]));
      break;
    case CS_OP_CALL:
      sp -= op->argc;
      stack[sp] = cs_formula_functions[op->index].value(&stack[sp], op->argc);
      sp++;
      break;
    }
  }
  return stack[0];
}

double cs_formula_eval(const cs_formula *formula, const cs_formula_state *state)
{
  return run(formula->code, formula->n_ops, state);
}

/* ---- the parser ---------------------------------------------------------------------- */

typedef struct parser {
  const char *text;
  size_t pos;
  cs_symbol_resolver resolve;
  void *context;
  cs_op *code;
  int n_ops, capacity;
  int depth, max_depth; /* stack height after the code so far, and its maximum */
  int nesting;
  cs_error *err;
  int error_column;
} parser;

static cs_status fail(parser *p, size_t pos, cs_status status, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first failure at byte `pos` of the text (column pos + 1). */
static cs_status fail(parser *p, size_t pos, cs_status status, const char *format, ...)
{
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  if (p->error_column == 0)
    p->error_column = (int)pos + 1;
  return cs_error_set(p->err, status, "%s", message);
}

static void skip_space(parser *p)
{
  while (p->text[p->pos] == ' ' || p->text[p->pos] == '\t')
    p->pos++;
}

static bool is_name_start(char c)
{
  return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
  return isalnum((unsigned char)c) || c == '_';
}

/* The length of the name at the current position (0: none). */
static size_t name_length(const parser *p)
{
  size_t n = 0;
  if (is_name_start(p->text[p->pos]))
    while (is_name_char(p->text[p->pos + n]))
      n++;
  return n;
}

/* Consumes `symbol` ("<=", "&&") or the word `word` ("and") if either is next. A word
 * must stand alone: "android" is a name, not "and". */
static bool accept(parser *p, const char *symbol, const char *word)
{
  skip_space(p);
  const char *at = p->text + p->pos;
  if (symbol != NULL && strncmp(at, symbol, strlen(symbol)) == 0) {
    p->pos += strlen(symbol);
    return true;
  }
  if (word != NULL && name_length(p) == strlen(word) && strncmp(at, word, strlen(word)) == 0) {
    p->pos += strlen(word);
    return true;
  }
  return false;
}

/* A description of what stands at `pos`, for "unexpected ..." messages: a word (the
 * first 12 characters of it), a character, a byte's code or the end. */
static void describe(const parser *p, size_t pos, char *out, size_t size)
{
  const unsigned char c = (unsigned char)p->text[pos];
  size_t word = 0;
  while (is_name_char(p->text[pos + word]))
    word++;
  if (c == '\0')
    snprintf(out, size, "the end");
  else if (is_name_start((char)c))
    snprintf(out, size, "'%.*s'", (int)(word < 12 ? word : 12), p->text + pos);
  else if (isprint(c))
    snprintf(out, size, "'%c'", c);
  else
    snprintf(out, size, "byte 0x%02x", c);
}

static cs_status grow(parser *p, int more)
{
  if (p->n_ops + more > CS_FORMULA_MAX_OPS)
    return fail(p, p->pos, CS_ERR_COHORT, "the formula is too long (more than %d operations)",
                CS_FORMULA_MAX_OPS);
  if (p->n_ops + more <= p->capacity)
    return CS_OK;
  int capacity = p->capacity > 0 ? p->capacity : 16;
  while (capacity < p->n_ops + more)
    capacity *= 2;
  cs_op *code = realloc(p->code, (size_t)capacity * sizeof *code);
  if (code == NULL)
    return fail(p, p->pos, CS_ERR_NOMEM, "out of memory compiling a formula");
  p->code = code;
  p->capacity = capacity;
  return CS_OK;
}

/* Tracks the stack height of code that pops `pops` values after pushing `peak` more. */
static cs_status track_depth(parser *p, int peak, int pops)
{
  if (p->depth + peak > CS_FORMULA_MAX_STACK)
    return fail(p, p->pos, CS_ERR_COHORT,
                "the formula is nested too deeply (more than %d pending values)",
                CS_FORMULA_MAX_STACK);
  if (p->depth + peak > p->max_depth)
    p->max_depth = p->depth + peak;
  p->depth += peak - pops;
  return CS_OK;
}

static cs_status emit_leaf(parser *p, cs_op_code code, int index, double value)
{
  CS_CALL(grow(p, 1));
  CS_CALL(track_depth(p, 1, 0));
  p->code[p->n_ops++] = (cs_op){.code = (uint8_t)code, .index = index, .value = value};
  return CS_OK;
}

/* Emits an operator (or a call of function `index`) of `argc` operands; folds it into
 * a number if every operand is one. */
static cs_status emit_operator(parser *p, cs_op_code code, int argc, int index)
{
  CS_CALL(grow(p, 1));
  CS_CALL(track_depth(p, 0, argc - 1));
  p->code[p->n_ops++] = (cs_op){.code = (uint8_t)code, .argc = (uint16_t)argc, .index = index};
  const int first = p->n_ops - 1 - argc;
  for (int i = first; i < p->n_ops - 1; i++)
    if (p->code[i].code != CS_OP_CONST)
      return CS_OK;
  const double value = run(&p->code[first], argc + 1, NULL);
  p->n_ops = first;
  p->code[p->n_ops++] = (cs_op){.code = CS_OP_CONST, .value = value};
  return CS_OK;
}

/* Copies an inlined formula's code (an observable's) in place of its name. */
static cs_status emit_inline(parser *p, const cs_formula *inlined)
{
  CS_CALL(grow(p, inlined->n_ops));
  CS_CALL(track_depth(p, inlined->max_depth, inlined->max_depth - 1));
  memcpy(&p->code[p->n_ops], inlined->code, (size_t)inlined->n_ops * sizeof *inlined->code);
  p->n_ops += inlined->n_ops;
  return CS_OK;
}

static cs_status parse_or(parser *p);
static cs_status parse_unary(parser *p);

static cs_status parse_number(parser *p)
{
  const size_t start = p->pos;
  const char *t = p->text;
  size_t end = start;
  while (isdigit((unsigned char)t[end]))
    end++;
  if (t[end] == '.')
    end++;
  while (isdigit((unsigned char)t[end]))
    end++;
  if ((t[end] == 'e' || t[end] == 'E') &&
      (isdigit((unsigned char)t[end + 1]) ||
       ((t[end + 1] == '+' || t[end + 1] == '-') && isdigit((unsigned char)t[end + 2])))) {
    end += 2;
    while (isdigit((unsigned char)t[end]))
      end++;
  }
  /* Only this decimal form goes to strtod, which would also read "0x1p3" or "nan". */
  char digits[128];
  if (end - start >= sizeof digits)
    return fail(p, start, CS_ERR_SYNTAX, "a number with too many digits");
  memcpy(digits, t + start, end - start);
  digits[end - start] = '\0';
  const double value = strtod(digits, NULL);
  if (!isfinite(value))
    return fail(p, start, CS_ERR_COHORT, "the number %s is too large", digits);
  p->pos = end;
  return emit_leaf(p, CS_OP_CONST, 0, value);
}

/* The arguments of a call of row `row` whose name starts at `name_pos`; the current
 * position is just after the '('. */
static cs_status parse_call(parser *p, int row, size_t name_pos)
{
  const cs_formula_function *f = &cs_formula_functions[row];
  int argc = 0;
  if (!accept(p, ")", NULL)) {
    do {
      skip_space(p);
      const size_t arg_pos = p->pos;
      const int arg_start = p->n_ops;
      CS_CALL(parse_or(p));
      if (f->drug_argument && !(p->n_ops == arg_start + 1 && p->code[arg_start].code == CS_OP_DRUG))
        return fail(p, arg_pos, CS_ERR_COHORT, "%s() takes a drug's name", f->name);
      argc++;
    } while (accept(p, ",", NULL));
    skip_space(p);
    if (!accept(p, ")", NULL)) {
      char got[16];
      describe(p, p->pos, got, sizeof got);
      return fail(p, p->pos, CS_ERR_SYNTAX, "expected ',' or ')' in the arguments of %s(), got %s",
                  f->name, got);
    }
  }
  if (argc < f->min_args || (f->max_args >= 0 && argc > f->max_args)) {
    if (f->min_args == f->max_args)
      return fail(p, name_pos, CS_ERR_COHORT, "%s() takes %d argument%s, got %d", f->name,
                  f->min_args, f->min_args == 1 ? "" : "s", argc);
    return fail(p, name_pos, CS_ERR_COHORT, "%s() takes at least %d argument%s, got %d", f->name,
                f->min_args, f->min_args == 1 ? "" : "s", argc);
  }
  return emit_operator(p, CS_OP_CALL, argc, row);
}

static cs_status parse_name(parser *p)
{
  const size_t start = p->pos;
  const size_t length = name_length(p);
  char name[128];
  if (length >= sizeof name)
    return fail(p, start, CS_ERR_COHORT, "a name longer than %zu characters", sizeof name - 1);
  memcpy(name, p->text + start, length);
  name[length] = '\0';
  p->pos += length;
  if (accept(p, "(", NULL)) {
    const int row = cs_formula_function_find(name);
    if (row < 0)
      return fail(p, start, CS_ERR_COHORT, "unknown function '%s'", name);
    return parse_call(p, row, start);
  }
  cs_symbol symbol = {0};
  if (p->resolve == NULL || !p->resolve(p->context, name, &symbol)) {
    if (strcmp(name, "t") != 0 && strcmp(name, "time") != 0)
      return fail(p, start, CS_ERR_COHORT, "unknown name '%s'", name);
    symbol.kind = CS_SYMBOL_TIME;
  }
  switch (symbol.kind) {
  case CS_SYMBOL_PARAM:
    return emit_leaf(p, CS_OP_PARAM, symbol.index, 0);
  case CS_SYMBOL_SPECIES:
    return emit_leaf(p, CS_OP_COUNT, symbol.index, 0);
  case CS_SYMBOL_DRUG:
    return emit_leaf(p, CS_OP_DRUG, symbol.index, 0);
  case CS_SYMBOL_TIME:
    return emit_leaf(p, CS_OP_TIME, 0, 0);
  case CS_SYMBOL_INLINE:
    return emit_inline(p, symbol.inline_formula);
  }
  return fail(p, start, CS_ERR_COHORT, "unknown name '%s'", name);
}

/* True if one of the operator words and, or, not stands at the current position. */
static bool at_operator_word(const parser *p)
{
  const char *at = p->text + p->pos;
  const size_t n = name_length(p);
  return (n == 3 && (strncmp(at, "and", 3) == 0 || strncmp(at, "not", 3) == 0)) ||
         (n == 2 && strncmp(at, "or", 2) == 0);
}

/* atom := NUMBER | NAME | NAME "(" args ")" | "(" expr ")" */
static cs_status parse_atom(parser *p)
{
  skip_space(p);
  const char c = p->text[p->pos];
  if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p->text[p->pos + 1])))
    return parse_number(p);
  if (is_name_start(c) && !at_operator_word(p))
    return parse_name(p);
  char got[16];
  if (accept(p, "(", NULL)) {
    CS_CALL(parse_or(p));
    skip_space(p);
    if (accept(p, ")", NULL))
      return CS_OK;
    describe(p, p->pos, got, sizeof got);
    return fail(p, p->pos, CS_ERR_SYNTAX, "expected ')', got %s", got);
  }
  describe(p, p->pos, got, sizeof got);
  return fail(p, p->pos, CS_ERR_SYNTAX, "expected a number, a name or '(', got %s", got);
}

/* power := atom ( "^" unary )? */
static cs_status parse_power(parser *p)
{
  CS_CALL(parse_atom(p));
  if (accept(p, "^", NULL)) {
    CS_CALL(parse_unary(p));
    CS_CALL(emit_operator(p, CS_OP_POW, 2, 0));
  }
  return CS_OK;
}

/* unary := ("-" | "+" | "!" | "not") unary | power */
static cs_status parse_unary(parser *p)
{
  skip_space(p);
  if (++p->nesting > CS_FORMULA_MAX_NESTING)
    return fail(p, p->pos, CS_ERR_COHORT, "the formula is nested too deeply (more than %d levels)",
                CS_FORMULA_MAX_NESTING);
  const char c = p->text[p->pos];
  if (c == '-' || c == '+' || (c == '!' && p->text[p->pos + 1] != '=')) {
    p->pos++;
    CS_CALL(parse_unary(p));
    if (c != '+')
      CS_CALL(emit_operator(p, c == '-' ? CS_OP_NEG : CS_OP_NOT, 1, 0));
  } else if (accept(p, NULL, "not")) {
    CS_CALL(parse_unary(p));
    CS_CALL(emit_operator(p, CS_OP_NOT, 1, 0));
  } else {
    CS_CALL(parse_power(p));
  }
  p->nesting--;
  return CS_OK;
}

/* product := unary ( ("*" | "/") unary )* */
static cs_status parse_product(parser *p)
{
  CS_CALL(parse_unary(p));
  for (;;) {
    cs_op_code code;
    if (accept(p, "*", NULL))
      code = CS_OP_MUL;
    else if (accept(p, "/", NULL))
      code = CS_OP_DIV;
    else
      return CS_OK;
    CS_CALL(parse_unary(p));
    CS_CALL(emit_operator(p, code, 2, 0));
  }
}

/* sum := product ( ("+" | "-") product )* */
static cs_status parse_sum(parser *p)
{
  CS_CALL(parse_product(p));
  for (;;) {
    cs_op_code code;
    if (accept(p, "+", NULL))
      code = CS_OP_ADD;
    else if (accept(p, "-", NULL))
      code = CS_OP_SUB;
    else
      return CS_OK;
    CS_CALL(parse_product(p));
    CS_CALL(emit_operator(p, code, 2, 0));
  }
}

/* cmp := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )? */
static cs_status parse_cmp(parser *p)
{
  CS_CALL(parse_sum(p));
  /* Two-character operators first, so "<=" is not read as "<". */
  static const struct {
    const char *symbol;
    cs_op_code code;
  } comparisons[] = {{"<=", CS_OP_LE}, {">=", CS_OP_GE}, {"==", CS_OP_EQ},
                     {"!=", CS_OP_NE}, {"<", CS_OP_LT},  {">", CS_OP_GT}};
  for (size_t i = 0; i < sizeof comparisons / sizeof comparisons[0]; i++)
    if (accept(p, comparisons[i].symbol, NULL)) {
      CS_CALL(parse_sum(p));
      return emit_operator(p, comparisons[i].code, 2, 0);
    }
  return CS_OK;
}

/* and := cmp ( ("&&" | "and") cmp )* */
static cs_status parse_and(parser *p)
{
  CS_CALL(parse_cmp(p));
  while (accept(p, "&&", "and")) {
    CS_CALL(parse_cmp(p));
    CS_CALL(emit_operator(p, CS_OP_AND, 2, 0));
  }
  return CS_OK;
}

/* or := and ( ("||" | "or") and )* */
static cs_status parse_or(parser *p)
{
  CS_CALL(parse_and(p));
  while (accept(p, "||", "or")) {
    CS_CALL(parse_and(p));
    CS_CALL(emit_operator(p, CS_OP_OR, 2, 0));
  }
  return CS_OK;
}

static cs_status parse(parser *p)
{
  skip_space(p);
  if (p->text[p->pos] == '\0')
    return fail(p, p->pos, CS_ERR_SYNTAX, "the formula is empty");
  CS_CALL(parse_or(p));
  skip_space(p);
  if (p->text[p->pos] != '\0') {
    char got[16];
    describe(p, p->pos, got, sizeof got);
    return fail(p, p->pos, CS_ERR_SYNTAX, "unexpected %s", got);
  }
  return CS_OK;
}

cs_status cs_formula_compile(const char *text, cs_symbol_resolver resolve, void *context,
                             cs_formula **formula, int *error_column, cs_error *err)
{
  *formula = NULL;
  *error_column = 0;
  parser p = {.text = text, .resolve = resolve, .context = context, .err = err};
  cs_formula *f = NULL;
  cs_status status = parse(&p);
  if (status != CS_OK)
    goto cleanup;
  f = calloc(1, sizeof *f);
  const size_t length = strlen(text);
  char *copy = malloc(length + 1);
  if (f == NULL || copy == NULL) {
    free(copy);
    status = fail(&p, 0, CS_ERR_NOMEM, "out of memory compiling a formula");
    goto cleanup;
  }
  memcpy(copy, text, length + 1);
  *f = (cs_formula){.text = copy, .code = p.code, .n_ops = p.n_ops, .max_depth = p.max_depth};
  p.code = NULL;
  *formula = f;
  f = NULL;
cleanup:
  free(f);
  free(p.code);
  if (status != CS_OK)
    *error_column = p.error_column;
  return status;
}

void cs_formula_destroy(cs_formula **formula)
{
  if (formula == NULL || *formula == NULL)
    return;
  free((*formula)->text);
  free((*formula)->code);
  free(*formula);
  *formula = NULL;
}

const char *cs_formula_text(const cs_formula *formula)
{
  return formula->text;
}

bool cs_formula_reads(const cs_formula *formula, cs_symbol_kind kind, int index)
{
  for (int i = 0; i < formula->n_ops; i++) {
    const cs_op *op = &formula->code[i];
    bool match = false;
    switch (kind) {
    case CS_SYMBOL_PARAM:
      match = op->code == CS_OP_PARAM;
      break;
    case CS_SYMBOL_SPECIES:
      match = op->code == CS_OP_COUNT;
      break;
    case CS_SYMBOL_DRUG:
      match = op->code == CS_OP_DRUG;
      break;
    case CS_SYMBOL_TIME:
      match = op->code == CS_OP_TIME; /* one time: any index matches */
      break;
    case CS_SYMBOL_INLINE:
      return false; /* inlined code is copied: the formula reads what it reads */
    }
    if (match && (index < 0 || kind == CS_SYMBOL_TIME || op->index == index))
      return true;
  }
  return false;
}

bool cs_formula_is_constant(const cs_formula *formula)
{
  return formula->n_ops == 1 && formula->code[0].code == CS_OP_CONST;
}
