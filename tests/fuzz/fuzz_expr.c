/* libFuzzer harness of the rate-expression parser ("kH*b", "2*amount/kd", a number).
 * The parser is internal to cohort_yaml.c and reached only through a cohort, so the input is
 * put where the reader parses expressions: once as a reaction's rate in a fixed cohort
 * (escaped as a YAML double-quoted string, so every byte reaches the parser), and once
 * as the value of a --set override of a dose amount (as on the command line). The
 * model is then compiled from every cohort that loads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
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
  free(expr);
  return 0;
}
