/* libFuzzer harness of expressions and formulas ("kH*b", "2*amount/kd", "N0 + 2*M0",
 * "hill(N, kd, 2)*effect(C)"). Each input is used three ways:
 *
 * - as a reaction's rate in a fixed cohort (escaped as a YAML double-quoted string, so
 *   every byte reaches the reader), and as the value of a --set override of a dose
 *   amount (as on the command line); the model is then compiled from every cohort that
 *   loads;
 * - compiled directly as a formula over parameters, species, drugs, time and an inlined
 *   observable, evaluated, and bounded over boxes of drug levels and time: the bound
 *   must contain the value at every corner and at the midpoint of each box (where the
 *   value is a number), and a failed compilation must name a column inside the text.
 *   A violation aborts, which libFuzzer reports as a crash. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
#include "cohortsim/formula.h"
#include "cohortsim/model.h"
#include "fuzz_support.h"

static const char cohort_head[] = "name: fuzz_expr\n"
                                  "method: exact\n"
                                  "followup_days: 20\n"
                                  "report_every_days: 2\n"
                                  "parameters: {b: 1.0, d: 0.7, kd: 1.2, amount: 2.0, n0: 60}\n"
                                  "species: {N: {initial: n0}}\n"
                                  "drugs: {C: {half_life_days: 1.0}}\n"
                                  "reactions:\n"
                                  "  birth: {change: {N: +1}, rate: b, factors: [{species: N}]}\n"
                                  "  drug_death: {change: {N: -1}, factors: [{species: N}, "
                                  "{effect: C}], rate: \"";
static const char cohort_tail[] = "\"}\n"
                                  "arms:\n"
                                  "  untreated: {}\n"
                                  "  treated: {doses: {C: {amount: amount, every_days: 1, "
                                  "count: 3}}}\n"
                                  "outcomes: {tumour: [N], reference_cells: 1000, "
                                  "mrd_negative_below: 0.01, relapse_at: 0.05, "
                                  "lethal_cells: 400}\n";

/* Loads the cohort and compiles its model; any status is fine. */
static void load(const char *text, int n_sets, const char *const *sets)
{
  cs_error err = {0};
  cs_cohort *cohort = NULL;
  if (cs_cohort_load_string(text, "fuzz_expr.yaml", n_sets, sets, &cohort, &err) == CS_OK) {
    cs_model *model = NULL;
    if (cs_model_create(cohort, &model, &err) == CS_OK)
      cs_model_destroy(&model);
  }
  cs_cohort_destroy(&cohort);
}

/* The fixed cohort with `expr` as the drug's killing rate. Every byte but printable
 * ASCII is written as a \xHH escape, so the YAML layer passes it to the parser. */
static char *cohort_with_rate(const uint8_t *expr, size_t size)
{
  char *text = malloc(sizeof cohort_head + 4 * size + sizeof cohort_tail);
  if (text == NULL)
    return NULL;
  char *p = text + sprintf(text, "%s", cohort_head);
  for (size_t i = 0; i < size; i++) {
    const uint8_t c = expr[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      *p++ = (char)c;
    else
      p += sprintf(p, "\\x%02x", c);
  }
  strcpy(p, cohort_tail);
  return text;
}

/* ---- formulas, directly ---- */

/* Parameters b d kd (0..2), species N M (0..1), drugs C D (0..1); "total" is the
 * observable N + M. */
static const char *const formula_names[] = {"b", "d", "kd", "N", "M", "C", "D"};
static const cs_symbol_kind formula_kinds[] = {
    CS_SYMBOL_PARAM,   CS_SYMBOL_PARAM, CS_SYMBOL_PARAM, CS_SYMBOL_SPECIES,
    CS_SYMBOL_SPECIES, CS_SYMBOL_DRUG,  CS_SYMBOL_DRUG};
static const int formula_index[] = {0, 1, 2, 0, 1, 0, 1};

static bool resolve(void *context, const char *name, cs_symbol *symbol)
{
  const cs_formula *total = context;
  for (size_t i = 0; i < sizeof formula_names / sizeof formula_names[0]; i++)
    if (strcmp(name, formula_names[i]) == 0) {
      *symbol = (cs_symbol){.kind = formula_kinds[i], .index = formula_index[i]};
      return true;
    }
  if (total != NULL && strcmp(name, "total") == 0) {
    *symbol = (cs_symbol){.kind = CS_SYMBOL_INLINE, .inline_formula = total};
    return true;
  }
  return false;
}

static const double formula_param[] = {0.7, 1.5, 0.0};
static const int64_t formula_count[] = {40, 0};

/* The boxes: drug levels [lo, hi] and time [lo, hi] per box, some of them points. */
static const struct {
  double drug_lo[2], drug_hi[2], t_lo, t_hi;
} formula_boxes[] = {
    {{0.25, 0}, {2, 0.5}, 1, 4},
    {{1, 1}, {1, 1}, 0, 0},
    {{0, 0.5}, {3, 0.5}, 0, 30},
    {{0.999, 2}, {1.001, 2.5}, 2.5, 2.75},
};

static void check_formula(const char *text)
{
  static cs_formula *total = NULL;
  cs_error err = {0};
  int column = 0;
  if (total == NULL && cs_formula_compile("N + M", resolve, NULL, &total, &column, &err) != CS_OK)
    abort();
  cs_formula *f = NULL;
  if (cs_formula_compile(text, resolve, total, &f, &column, &err) != CS_OK) {
    if (f != NULL || column < 1 || (size_t)column > strlen(text) + 1 || err.message[0] == '\0')
      abort();
    return;
  }
  if (strcmp(cs_formula_text(f), text) != 0)
    abort();
  for (size_t b = 0; b < sizeof formula_boxes / sizeof formula_boxes[0]; b++) {
    const double *lo = formula_boxes[b].drug_lo, *hi = formula_boxes[b].drug_hi;
    const cs_formula_box box = {formula_param,         formula_count,        lo, hi,
                                formula_boxes[b].t_lo, formula_boxes[b].t_hi};
    const cs_interval bound = cs_formula_bound(f, &box);
    /* Corners 0..7 (a bit per drug and one for time), then the midpoint. */
    for (int corner = 0; corner <= 8; corner++) {
      double drug[2];
      for (int i = 0; i < 2; i++)
        drug[i] = corner == 8 ? (lo[i] + hi[i]) / 2 : (corner >> i & 1) ? hi[i] : lo[i];
      const double t = corner == 8  ? (box.time_lo + box.time_hi) / 2
                       : corner & 4 ? box.time_hi
                                    : box.time_lo;
      const cs_formula_state state = {formula_param, formula_count, drug, t};
      const double value = cs_formula_eval(f, &state);
      if (!isnan(value) && !(bound.lo <= value && value <= bound.hi)) {
        fprintf(stderr, "'%s' = %.17g at C %.17g D %.17g t %.17g, outside [%.17g, %.17g]\n", text,
                value, drug[0], drug[1], t, bound.lo, bound.hi);
        abort();
      }
    }
  }
  cs_formula_destroy(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = cohort_with_rate(data, size);
  if (text != NULL)
    load(text, 0, NULL);
  free(text);

  /* The same bytes as an override: the rate is valid again, the dose amount is not. */
  char *expr = fuzz_string(data, size);
  static const char key[] = "arms.treated.doses.C.amount=";
  char *set = expr == NULL ? NULL : malloc(sizeof key + size);
  text = cohort_with_rate((const uint8_t *)"kd", 2);
  if (set != NULL && text != NULL) {
    const char *sets[] = {set};
    sprintf(set, "%s%s", key, expr);
    load(text, 1, sets);
  }
  free(text);
  free(set);
  if (expr != NULL)
    check_formula(expr);
  free(expr);
  return 0;
}
