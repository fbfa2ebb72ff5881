/* libFuzzer harness of the cohort reader: cs_cohort_load_string on arbitrary bytes, with
 * --set overrides, then everything that reads the loaded cohort without simulating (the
 * printout of `cohortsim check`, the compiled model).
 *
 * Input: the cohort text, optionally followed by NUL-separated --set arguments
 * ("TEXT\0parameters.kd=2\0followup_days=30"), so the fuzzer mutates the overrides too.
 * Any status is fine; a crash, a sanitizer report or a leak is a finding. */
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
#include "cohortsim/model.h"
#include "fuzz_support.h"

#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = fuzz_string(data, size);
  if (text == NULL)
    return 0;
  const char *sets[MAX_SETS];
  int n_sets = 0;
  const char *end = text + size; /* the NUL fuzz_string appended */
  for (const char *p = text + strlen(text) + 1; p <= end && n_sets < MAX_SETS; p += strlen(p) + 1)
    sets[n_sets++] = p;

  cs_error err = {0};
  cs_cohort *cohort = NULL;
  if (cs_cohort_load_string(text, "fuzz.yaml", n_sets, sets, &cohort, &err) == CS_OK) {
    cs_cohort_print(cohort, fuzz_sink());
    cs_model *model = NULL;
    if (cs_model_create(cohort, &model, &err) == CS_OK)
      cs_model_destroy(&model);
  }
  cs_cohort_destroy(&cohort);
  free(text);
  return 0;
}
