/* Unit tests of formulas (formula.h): values of every operator and function against C's
 * own arithmetic, precedence and associativity, names resolved by a caller's table
 * (parameters, species, drugs, time, an inlined formula), folding of numbers, every
 * error with its message and column, the limits, and cs_formula_bound: exact cases and
 * a property test (the bound contains the value at 10,000 random points of random boxes
 * for 30 rate laws; fixed seed).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "cohortsim/formula.h"
#include "cs_test_support.h"

/* The caller's names: parameters k, K, n, kcat, Km, b; species S, E, P; drugs drug,
 * casp; the observable total = S + P (inlined). */
static const char *const param_names[] = {"k", "K", "n", "kcat", "Km", "b"};
static const char *const species_names[] = {"S", "E", "P"};
static const char *const drug_names[] = {"drug", "casp"};
#define N_PARAMS 6
#define N_SPECIES 3
#define N_DRUGS 2

typedef struct names {
  const cs_formula *total; /* the observable */
  bool params_only;
} names;

static int index_of(const char *const *list, int n, const char *name)
{
  for (int i = 0; i < n; i++)
    if (strcmp(list[i], name) == 0)
      return i;
  return -1;
}

static bool resolve(void *context, const char *name, cs_symbol *symbol)
{
  const names *table = context;
  int i = index_of(param_names, N_PARAMS, name);
  if (i >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_PARAM, .index = i};
    return true;
  }
  if (table->params_only)
    return false;
  if ((i = index_of(species_names, N_SPECIES, name)) >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_SPECIES, .index = i};
    return true;
  }
  if ((i = index_of(drug_names, N_DRUGS, name)) >= 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_DRUG, .index = i};
    return true;
  }
  if (table->total != NULL && strcmp(name, "total") == 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_INLINE, .inline_formula = table->total};
    return true;
  }
  return false;
}

static const double param[N_PARAMS] = {0.5, 20, 2, 3, 40, 1e-3};
static const int64_t count[N_SPECIES] = {30, 7, 0};
static const double drug[N_DRUGS] = {1.5, 0};
static const cs_formula_state state = {param, count, drug, 12.5};

/* The observable `total`, compiled once for the group. */
static cs_formula *total = NULL;

static int setup(void **unused)
{
  (void)unused;
  names plain = {0};
  cs_error err = {0};
  int column = 0;
  return cs_formula_compile("S + P", resolve, &plain, &total, &column, &err) == CS_OK ? 0 : -1;
}

static int teardown(void **unused)
{
  (void)unused;
  cs_formula_destroy(&total);
  return 0;
}

static names table_with_total(void)
{
  return (names){.total = total};
}

static cs_formula *compile(const char *text)
{
  names table = table_with_total();
  cs_formula *f = NULL;
  cs_error err = {0};
  int column = -1;
  const cs_status status = cs_formula_compile(text, resolve, &table, &f, &column, &err);
  if (status != CS_OK)
    fail_msg("'%s': %s", text, err.message);
  assert_int_equal(column, 0);
  return f;
}

static double value_of(const char *text)
{
  cs_formula *f = compile(text);
  const double v = cs_formula_eval(f, &state);
  cs_formula_destroy(&f);
  assert_null(f);
  return v;
}

/* Exact equality: the evaluator must compute what C computes. */
#define assert_value(text, expected)                                                               \
  do {                                                                                             \
    const double got_ = value_of(text), want_ = (expected);                                        \
    if (!(got_ == want_ || (isnan(got_) && isnan(want_))))                                         \
      fail_msg("'%s' = %.17g, expected %.17g", text, got_, want_);                                 \
  } while (0)

static void test_arithmetic(void **unused)
{
  (void)unused;
  assert_value("1 + 2*3", 7);
  assert_value("(1 + 2)*3", 9);
  assert_value("10 - 4 - 3", 3);
  assert_value("2/4/8", 2.0 / 4.0 / 8.0);
  assert_value("2^3^2", 512);
  assert_value("2^-1", 0.5);
  assert_value("-2^2", -4);
  assert_value("--3", 3);
  assert_value("+3", 3);
  assert_value(".5 + 1.5e2 + 2E-3", .5 + 1.5e2 + 2E-3);
  assert_value("1/0", INFINITY);
  assert_value("0/0", NAN);
  assert_value("k*S/(Km + S)", 0.5 * 30 / (40 + 30.0));
  assert_value("kcat*E*S/(Km+S)", 3.0 * 7 * 30 / (40 + 30.0));
}

static void test_logic(void **unused)
{
  (void)unused;
  assert_value("1 < 2", 1);
  assert_value("2 <= 2", 1);
  assert_value("1 > 2", 0);
  assert_value("2 >= 3", 0);
  assert_value("S == 30", 1);
  assert_value("S != 30", 0);
  assert_value("1 + 1 < 3", 1); /* arithmetic binds tighter */
  assert_value("1 && 0", 0);
  assert_value("1 and 2", 1);
  assert_value("0 || 0", 0);
  assert_value("0 or 3", 1);
  assert_value("!0", 1);
  assert_value("not 5", 0);
  assert_value("!(S > 10) || P == 0 && E > 1", 1); /* && before || */
  assert_value("0/0 && 1", 1);                     /* NaN is true, as in C */
}

static void test_functions(void **unused)
{
  (void)unused;
  assert_value("exp(1.5)", exp(1.5));
  assert_value("log(S)", log(30.0));
  assert_value("log10(1000)", log10(1000.0));
  assert_value("sqrt(2)", sqrt(2.0));
  assert_value("pow(k, 3)", pow(0.5, 3));
  assert_value("k^n", pow(0.5, 2));
  assert_value("min(3, S, 1.5)", 1.5);
  assert_value("max(3, S, 1.5)", 30);
  assert_value("min(7)", 7);
  assert_value("abs(-2.5)", 2.5);
  assert_value("floor(-2.5)", -3);
  assert_value("ceil(2.1)", 3);
  assert_value("hill(S, K, n)", 1.0 / (1.0 + pow(20.0 / 30.0, 2)));
  assert_value("hill(P, K, n)", 0);
  assert_value("effect(drug)", 1.5 / 2.5);
  assert_value("inhibit(drug)", 1.0 / 2.5);
  assert_value("inhibit(casp)", 1);
  assert_value("if(S > 10, 1, 2)", 1);
  assert_value("if(0, 1, 2)", 2);
  assert_value("piecewise(1, S < 10, 2, S < 40, 3)", 2);
  assert_value("piecewise(1, 0, 2, 0, 3)", 3);
  assert_value("piecewise(1, 0, 2, 0)", NAN);
  assert_value("piecewise(4)", 4);
  assert_value("exp (0)", 1); /* a space before '(' */
}

static void test_names(void **unused)
{
  (void)unused;
  assert_value("t", 12.5);
  assert_value("time*2", 25);
  assert_value("total", 30);
  assert_value("2*total + E", 67);
  assert_value("drug + casp", 1.5);
  assert_value("b", 1e-3);
  /* A resolver may claim t for a name of its own; without one, t is time. */
  cs_formula *f = NULL;
  cs_error err = {0};
  int column = 0;
  assert_int_equal(cs_formula_compile("t + 1", NULL, NULL, &f, &column, &err), CS_OK);
  assert_true(cs_formula_eval(f, &state) == 13.5);
  cs_formula_destroy(&f);
}

static void test_folding_and_reads(void **unused)
{
  (void)unused;
  cs_formula *f = compile("2*3 + exp(0) - min(1, 2)");
  assert_true(cs_formula_is_constant(f));
  assert_true(cs_formula_eval(f, NULL) == 6);
  assert_string_equal(cs_formula_text(f), "2*3 + exp(0) - min(1, 2)");
  assert_false(cs_formula_reads(f, CS_SYMBOL_PARAM, -1));
  cs_formula_destroy(&f);

  f = compile("k*S*effect(casp) + (t > 3)");
  assert_false(cs_formula_is_constant(f));
  assert_true(cs_formula_reads(f, CS_SYMBOL_PARAM, 0));
  assert_false(cs_formula_reads(f, CS_SYMBOL_PARAM, 1));
  assert_true(cs_formula_reads(f, CS_SYMBOL_PARAM, -1));
  assert_true(cs_formula_reads(f, CS_SYMBOL_SPECIES, 0));
  assert_false(cs_formula_reads(f, CS_SYMBOL_SPECIES, 2));
  assert_true(cs_formula_reads(f, CS_SYMBOL_DRUG, 1));
  assert_false(cs_formula_reads(f, CS_SYMBOL_DRUG, 0));
  assert_true(cs_formula_reads(f, CS_SYMBOL_TIME, -1));
  cs_formula_destroy(&f);

  f = compile("total"); /* what an inlined formula reads is read */
  assert_true(cs_formula_reads(f, CS_SYMBOL_SPECIES, 2));
  assert_false(cs_formula_reads(f, CS_SYMBOL_TIME, -1));
  cs_formula_destroy(&f);

  cs_formula_destroy(&f); /* NULL is fine */
  cs_formula_destroy(NULL);
}

/* Compiling `text` fails with `status`, `message` and the error at `column`. */
static void assert_error(const char *text, cs_status status, int column, const char *message)
{
  names table = table_with_total();
  cs_formula *f = (cs_formula *)&table; /* must come back NULL */
  cs_error err = {0};
  int got_column = 0;
  assert_int_equal(cs_formula_compile(text, resolve, &table, &f, &got_column, &err), status);
  assert_null(f);
  assert_int_equal(err.status, status);
  if (strcmp(err.message, message) != 0 || got_column != column)
    fail_msg("'%s': got column %d \"%s\", expected column %d \"%s\"", text, got_column, err.message,
             column, message);
}

static void test_errors(void **unused)
{
  (void)unused;
  assert_error("", CS_ERR_SYNTAX, 1, "the formula is empty");
  assert_error("  ", CS_ERR_SYNTAX, 3, "the formula is empty");
  assert_error("k + kk", CS_ERR_COHORT, 5, "unknown name 'kk'");
  assert_error("k*foo(S)", CS_ERR_COHORT, 3, "unknown function 'foo'");
  assert_error("(k + 1", CS_ERR_SYNTAX, 7, "expected ')', got the end");
  assert_error("k + * 2", CS_ERR_SYNTAX, 5, "expected a number, a name or '(', got '*'");
  assert_error("k 2", CS_ERR_SYNTAX, 3, "unexpected '2'");
  assert_error("2b", CS_ERR_SYNTAX, 2, "unexpected 'b'");
  assert_error("k S", CS_ERR_SYNTAX, 3, "unexpected 'S'");
  assert_error("k Km_and_a_long_name", CS_ERR_SYNTAX, 3, "unexpected 'Km_and_a_lon'");
  assert_error("1 < 2 < 3", CS_ERR_SYNTAX, 7, "unexpected '<'");
  assert_error("k and", CS_ERR_SYNTAX, 6, "expected a number, a name or '(', got the end");
  assert_error("or + 1", CS_ERR_SYNTAX, 1, "expected a number, a name or '(', got 'or'");
  assert_error("k and not", CS_ERR_SYNTAX, 10, "expected a number, a name or '(', got the end");
  assert_error("exp(1, 2)", CS_ERR_COHORT, 1, "exp() takes 1 argument, got 2");
  assert_error("hill(S, K)", CS_ERR_COHORT, 1, "hill() takes 3 arguments, got 2");
  assert_error("1 + min()", CS_ERR_COHORT, 5, "min() takes at least 1 argument, got 0");
  assert_error("max(1 2)", CS_ERR_SYNTAX, 7,
               "expected ',' or ')' in the arguments of max(), got '2'");
  assert_error("effect(k)", CS_ERR_COHORT, 8, "effect() takes a drug's name");
  assert_error("inhibit( 2*drug)", CS_ERR_COHORT, 10, "inhibit() takes a drug's name");
  assert_error("1e999", CS_ERR_COHORT, 1, "the number 1e999 is too large");
  assert_error("k != ", CS_ERR_SYNTAX, 6, "expected a number, a name or '(', got the end");
  assert_error("k # 1", CS_ERR_SYNTAX, 3, "unexpected '#'");
  assert_error("inf", CS_ERR_COHORT, 1, "unknown name 'inf'");
  assert_error("k \x01", CS_ERR_SYNTAX, 3, "unexpected byte 0x01");
}

static void test_limits(void **unused)
{
  (void)unused;
  /* 64 levels of parentheses are fine, 65 are not. */
  char text[40000];
  size_t n = 0;
  for (int i = 0; i < 63; i++)
    text[n++] = '(';
  text[n++] = 'k';
  for (int i = 0; i < 63; i++)
    text[n++] = ')';
  text[n] = '\0';
  assert_value(text, 0.5);
  n = 0;
  for (int i = 0; i < 64; i++)
    text[n++] = '(';
  text[n++] = 'k';
  for (int i = 0; i < 64; i++)
    text[n++] = ')';
  text[n] = '\0';
  /* The formula itself is the first level: the name is the 65th. */
  assert_error(text, CS_ERR_COHORT, 65, "the formula is nested too deeply (more than 64 levels)");
  /* 5,000 terms of a sum are 9,999 operations; 5,001 are too many. */
  n = 0;
  for (int i = 0; i < 5001; i++) {
    memcpy(text + n, i == 0 ? "S" : "+S", i == 0 ? 1 : 2);
    n += i == 0 ? 1 : 2;
  }
  text[n] = '\0';
  assert_error(text, CS_ERR_COHORT, (int)n + 1,
               "the formula is too long (more than 10000 operations)");
  text[n - 2] = '\0';
  assert_value(text, 5000.0 * 30);
  /* Each name pending beside a deeper operand takes a stack slot. */
  n = 0;
  for (int i = 0; i < 40; i++) {
    memcpy(text + n, "k+(", 3);
    n += 3;
  }
  text[n++] = 'k';
  for (int i = 0; i < 40; i++)
    text[n++] = ')';
  text[n] = '\0';
  assert_value(text, 41 * 0.5);
}

/* ---- bounds -------------------------------------------------------------------------- */

static cs_interval bound_of(const char *text, double drug_lo, double drug_hi, double t_lo,
                            double t_hi)
{
  cs_formula *f = compile(text);
  const double lo[N_DRUGS] = {drug_lo, drug_lo}, hi[N_DRUGS] = {drug_hi, drug_hi};
  const cs_formula_box box = {param, count, lo, hi, t_lo, t_hi};
  const cs_interval r = cs_formula_bound(f, &box);
  cs_formula_destroy(&f);
  return r;
}

/* [lo, hi] contains [want_lo, want_hi] and exceeds it by a few ulps at most (the
 * widening of library functions' results). */
#define assert_bound(r, want_lo, want_hi)                                                          \
  do {                                                                                             \
    const double lo_ = (want_lo), hi_ = (want_hi);                                                 \
    if (!((r).lo <= lo_ && (r).lo >= lo_ - 1e-14 * fabs(lo_) && (r).hi >= hi_ &&                   \
          (r).hi <= hi_ + 1e-14 * fabs(hi_)))                                                      \
      fail_msg("[%.17g, %.17g], expected [%.17g, %.17g]", (r).lo, (r).hi, lo_, hi_);               \
  } while (0)

static void test_bound_cases(void **unused)
{
  (void)unused;
  /* Without intervals, the bound is the value (widened by a few ulps at most). */
  cs_interval r = bound_of("kcat*E*S/(Km+S)", 1, 1, 0, 0);
  assert_bound(r, 3.0 * 7 * 30 / 70, 3.0 * 7 * 30 / 70);
  r = bound_of("k*effect(drug)", 1, 3, 0, 0);
  assert_bound(r, 0.5 * 0.5, 0.5 * 0.75);
  r = bound_of("inhibit(drug)", 1, 3, 0, 0);
  assert_bound(r, 0.25, 0.5);
  r = bound_of("1/(drug - 2)", 1, 3, 0, 0); /* a divisor that may be 0 */
  assert_bound(r, -INFINITY, INFINITY);
  r = bound_of("if(t < 5, 1, 10)", 0, 0, 0, 4);
  assert_bound(r, 1, 1);
  r = bound_of("if(t < 5, 1, 10)", 0, 0, 5, 9);
  assert_bound(r, 10, 10);
  r = bound_of("if(t < 5, 1, 10)", 0, 0, 4, 6);
  assert_bound(r, 1, 10);
  r = bound_of("piecewise(1, t < 5, 2, t < 8, 3)", 0, 0, 6, 7);
  assert_bound(r, 2, 2);
  r = bound_of("(drug - 2)^2", 1, 4, 0, 0);
  assert_bound(r, 0, 4);
  /* A zero may be -0: pow(-0, -1) is -inf. */
  r = bound_of("(drug*-1)^(t - 2)", 0, 0, 0, 1);
  assert_true(r.lo == -INFINITY && r.hi == INFINITY);
  assert_value("(P*-1)^-1", -INFINITY);
  r = bound_of("min(drug, 2) + max(drug, 2)", 1, 3, 0, 0);
  assert_bound(r, 3, 5);
  r = bound_of("abs(drug - 2)", 1, 4, 0, 0);
  assert_bound(r, 0, 2);
  /* sqrt of a possibly negative value: the values that are numbers are in [0, 1]; a
   * comparison with them is not decided (NaN < 2 is false). */
  r = bound_of("sqrt(drug)", -1, 1, 0, 0);
  assert_bound(r, 0, 1);
  r = bound_of("sqrt(drug) < 2", -1, 1, 0, 0);
  assert_bound(r, 0, 1);
  r = bound_of("sqrt(drug) < 2", 0, 1, 0, 0);
  assert_bound(r, 1, 1);
}

/* Realistic rate laws and a few hard cases, over the names of the test table. */
static const char *const rate_laws[] = {
    "kcat*E*S/(Km + S)",
    "kcat*E*S/(Km + S)*inhibit(drug)",
    "k*S*effect(casp)",
    "k*S*(1 - effect(drug))*inhibit(casp)",
    "k*hill(S, K, n)",
    "k*hill(drug*100, K, n)",
    "k*hill(drug, 0.5, t)",
    "b*S*(1 - S/1000)",
    "if(t < 10, k*S, 0.1*k*S)",
    "piecewise(k, drug < 0.5, 2*k, drug < 1, 3*k)",
    "piecewise(k*S, t > 5 && drug > 1)",
    "min(k*S, kcat) + max(drug, casp)",
    "k*S*exp(-drug*t)",
    "k*exp(-t/10)*log(1 + drug)",
    "log10(drug + 1e-3)*S",
    "sqrt(drug)*E + sqrt(t)",
    "k*(drug^2)/(0.25 + drug^2)",
    "k*pow(drug, n)/(pow(K/100, n) + pow(drug, n))",
    "(drug - 1)^3 + (drug - 1)^2 - 1/(drug + 1)",
    "drug^-2 + t^0.5",
    "(drug - casp)^-1",
    "abs(drug - 1)*floor(t) - ceil(drug*3)",
    "k*effect(drug)*effect(casp)*inhibit(drug)",
    "if(drug > casp, drug/casp, casp/drug)",
    "(drug > 0.5) + (casp <= 1) + (t == 3) + (drug != casp) + !(t >= 5)",
    "1/(1 - effect(drug)) - 1",
    "exp(drug*50) - exp(casp*50)",
    "sqrt(drug - 0.5) + log(casp - 0.2)",
    "if(sqrt(drug - 1) < 0.5, 1, 100)",
    "min(sqrt(drug - 1), 5) + max(log(casp), -3)",
    "hill(drug - 1, casp, t - 2)",
    "0*(1/(drug - 1))",
};

static double uniform_in(gsl_rng *rng, double lo, double hi)
{
  return lo + (hi - lo) * gsl_rng_uniform(rng);
}

/* The bound holds at every point of the box where the value is a number. */
static void test_bound_contains_values(void **unused)
{
  (void)unused;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 20261202);
  const size_t n_laws = sizeof rate_laws / sizeof rate_laws[0];
  assert_true(n_laws >= 30);
  size_t checked = 0;
  for (size_t law = 0; law < n_laws; law++) {
    cs_formula *f = compile(rate_laws[law]);
    for (int box_i = 0; box_i < 100; box_i++) {
      /* A box: drug concentrations in [0, 3] (sometimes one point), time in [0, 20]. */
      double lo[N_DRUGS], hi[N_DRUGS];
      for (int d = 0; d < N_DRUGS; d++) {
        lo[d] = uniform_in(rng, 0, 3);
        hi[d] = gsl_rng_uniform(rng) < 0.1 ? lo[d] : lo[d] + uniform_in(rng, 0, 3 - lo[d]);
      }
      const double t_lo = floor(uniform_in(rng, 0, 20) * 4) / 4; /* hits t == 3 */
      const double t_hi = t_lo + (gsl_rng_uniform(rng) < 0.2 ? 0 : uniform_in(rng, 0, 5));
      const cs_formula_box box = {param, count, lo, hi, t_lo, t_hi};
      const cs_interval b = cs_formula_bound(f, &box);
      for (int point = 0; point < 100; point++) {
        double c[N_DRUGS];
        for (int d = 0; d < N_DRUGS; d++) /* corners now and then */
          c[d] = point == 0 ? lo[d] : point == 1 ? hi[d] : uniform_in(rng, lo[d], hi[d]);
        const double t = point == 0 ? t_lo : point == 1 ? t_hi : uniform_in(rng, t_lo, t_hi);
        const cs_formula_state s = {param, count, c, t};
        const double v = cs_formula_eval(f, &s);
        if (isnan(v))
          continue;
        if (!(b.lo <= v && v <= b.hi))
          fail_msg("'%s' = %.17g at drug %.17g casp %.17g t %.17g, outside [%.17g, %.17g]",
                   rate_laws[law], v, c[0], c[1], t, b.lo, b.hi);
        checked++;
      }
    }
    cs_formula_destroy(&f);
  }
  gsl_rng_free(rng);
  /* Most points have a number for a value (the NaN ones are of the few hard cases). */
  assert_true(checked > n_laws * 10000 * 9 / 10);
}

/* A random formula of depth at most `depth` over the test table's names, appended to
 * `out`: every operator and function, numbers that make edge cases likely (0, 1, -1). */
static void random_formula(gsl_rng *rng, int depth, char *out, size_t size)
{
  static const char *const leaves[] = {"0", "1",    "2",    "0.5", "3", "k",    "S",
                                       "P", "drug", "casp", "t",   "n", "1e300"};
  static const char *const binary[] = {
      "+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=", "&&", "||"};
  static const char *const unary[] = {"exp", "log", "log10", "sqrt", "abs", "floor", "ceil"};
  const size_t used = strlen(out);
  char a[1024] = "", b[1024] = "", c[1024] = "";
  const unsigned long choice = depth == 0 ? 0 : gsl_rng_uniform_int(rng, 8);
  switch (choice) {
  case 0:
  case 1:
    snprintf(out + used, size - used, "%s",
             leaves[gsl_rng_uniform_int(rng, sizeof leaves / sizeof leaves[0])]);
    return;
  case 2:
  case 3:
    random_formula(rng, depth - 1, a, sizeof a);
    random_formula(rng, depth - 1, b, sizeof b);
    snprintf(out + used, size - used, "(%s %s %s)", a,
             binary[gsl_rng_uniform_int(rng, sizeof binary / sizeof binary[0])], b);
    return;
  case 4:
    random_formula(rng, depth - 1, a, sizeof a);
    snprintf(out + used, size - used, "%s(%s)",
             unary[gsl_rng_uniform_int(rng, sizeof unary / sizeof unary[0])], a);
    return;
  case 5:
    random_formula(rng, depth - 1, a, sizeof a);
    snprintf(out + used, size - used, gsl_rng_uniform(rng) < 0.5 ? "-%s" : "!%s", a);
    return;
  case 6:
    random_formula(rng, depth - 1, a, sizeof a);
    random_formula(rng, depth - 1, b, sizeof b);
    random_formula(rng, depth - 1, c, sizeof c);
    {
      static const char *const three[] = {"min(%s, %s, %s)",       "max(%s, %s, %s)",
                                          "hill(%s, %s, %s)",      "if(%s, %s, %s)",
                                          "piecewise(%s, %s, %s)", "pow(%s, %s) + %s"};
      snprintf(out + used, size - used,
               three[gsl_rng_uniform_int(rng, sizeof three / sizeof three[0])], a, b, c);
    }
    return;
  default:
    random_formula(rng, depth - 1, a, sizeof a);
    random_formula(rng, depth - 1, b, sizeof b);
    snprintf(out + used, size - used,
             gsl_rng_uniform(rng) < 0.5 ? "effect(drug)*%s + piecewise(%s, casp > 1)"
                                        : "inhibit(casp)*%s - %s",
             a, b);
    return;
  }
}

/* The same property over random formulas of the whole grammar, in boxes whose drug
 * levels and time may also be negative or wide. */
static void test_bound_random_formulas(void **unused)
{
  (void)unused;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 9);
  size_t checked = 0;
  for (int i = 0; i < 3000; i++) {
    char text[4096] = "";
    random_formula(rng, 4, text, sizeof text);
    cs_formula *f = compile(text);
    for (int box_i = 0; box_i < 10; box_i++) {
      double lo[N_DRUGS], hi[N_DRUGS];
      for (int d = 0; d < N_DRUGS; d++) {
        lo[d] = uniform_in(rng, -1, 3);
        hi[d] = gsl_rng_uniform(rng) < 0.2 ? lo[d] : lo[d] + uniform_in(rng, 0, 4);
      }
      const double t_lo = floor(uniform_in(rng, -2, 6));
      const double t_hi = t_lo + (gsl_rng_uniform(rng) < 0.3 ? 0 : floor(uniform_in(rng, 0, 4)));
      const cs_formula_box box = {param, count, lo, hi, t_lo, t_hi};
      const cs_interval bound = cs_formula_bound(f, &box);
      for (int point = 0; point < 20; point++) {
        double x[N_DRUGS];
        for (int d = 0; d < N_DRUGS; d++)
          x[d] = point == 0 ? lo[d] : point == 1 ? hi[d] : uniform_in(rng, lo[d], hi[d]);
        const double t = point < 2 ? (point == 0 ? t_lo : t_hi) : uniform_in(rng, t_lo, t_hi);
        const cs_formula_state s = {param, count, x, t};
        const double v = cs_formula_eval(f, &s);
        if (isnan(v))
          continue;
        if (!(bound.lo <= v && v <= bound.hi))
          fail_msg("'%s' = %.17g at drug %.17g casp %.17g t %.17g, outside [%.17g, %.17g]", text, v,
                   x[0], x[1], t, bound.lo, bound.hi);
        checked++;
      }
    }
    cs_formula_destroy(&f);
  }
  gsl_rng_free(rng);
  assert_true(checked > 3000 * 10 * 20 / 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arithmetic),
      cmocka_unit_test(test_logic),
      cmocka_unit_test(test_functions),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_folding_and_reads),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_bound_cases),
      cmocka_unit_test(test_bound_contains_values),
      cmocka_unit_test(test_bound_random_formulas),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
