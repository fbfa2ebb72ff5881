/* The cohort's public entry points: a cohort file read (by the reader of its format:
 * YAML, cohort_yaml.c), and a cohort freed. What the sections mean and how they are
 * checked is the reader's; printing is cohort_print.c's.
 */
#include "cohortsim/cohort.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/sweep.h"
#include "cohortsim/yamltree.h"

#include "cohort_yaml.h"

cs_status cs_cohort_load_string(const char *text, const char *origin, int n_sets,
                                const char *const *sets, cs_cohort **cohort, cs_error *err)
{
  return cs_cohort_read_yaml(text, strlen(text), origin != NULL ? origin : "<string>", n_sets, sets,
                             cohort, err);
}

/* Reads a whole file into memory (the text is kept for provenance anyway); only a
 * little more than CS_YTREE_TEXT_MAX of a larger one, which the YAML reader refuses. */
cs_status cs_cohort_read_text(const char *path, char **text, size_t *length, cs_error *err)
{
  cs_status status = CS_OK;
  size_t capacity = 4096;
  *text = NULL;
  *length = 0;
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    cs_error_set(err, CS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return CS_ERR_IO;
  }
  char *buffer = malloc(capacity);
  while (buffer != NULL) {
    *length += fread(buffer + *length, 1, capacity - *length, file);
    if (*length < capacity || *length > CS_YTREE_TEXT_MAX)
      break;
    char *larger = realloc(buffer, 2 * capacity);
    if (larger == NULL) {
      free(buffer);
      buffer = NULL;
      break;
    }
    buffer = larger;
    capacity *= 2;
  }
  /* Constant codes (not cs_error_set's return) make plain that a failure is never OK. */
  if (buffer == NULL) {
    status = CS_ERR_NOMEM;
    cs_error_set(err, status, "%s: out of memory reading the file", path);
    goto cleanup;
  }
  if (ferror(file)) {
    status = CS_ERR_IO;
    cs_error_set(err, status, "%s: cannot read: %s", path, strerror(errno));
    goto cleanup;
  }
  /* Terminated, so the text can also be handled as a string (the driver broadcasts it). */
  char *terminated = realloc(buffer, *length + 1);
  if (terminated == NULL) {
    status = CS_ERR_NOMEM;
    cs_error_set(err, status, "%s: out of memory reading the file", path);
    goto cleanup;
  }
  terminated[*length] = '\0';
  *text = terminated;
  buffer = NULL;

cleanup:
  free(buffer);
  fclose(file);
  return status;
}

cs_status cs_cohort_load_file(const char *path, int n_sets, const char *const *sets,
                              cs_cohort **cohort, cs_error *err)
{
  *cohort = NULL;
  char *text = NULL;
  size_t length = 0;
  CS_CALL(cs_cohort_read_text(path, &text, &length, err));
  const cs_status status = cs_cohort_read_yaml(text, length, path, n_sets, sets, cohort, err);
  free(text);
  return status;
}

void cs_cohort_destroy(cs_cohort **cohort)
{
  if (cohort == NULL || *cohort == NULL)
    return;
  cs_cohort *c = *cohort;
  for (int a = 0; a < c->n_arms; a++) {
    free(c->arm[a].dose);
    free(c->arm[a].set);
  }
  free(c->arm);
  free(c->event);
  cs_sweep_free(&c->sweep);
  for (int t = 0; t < c->n_traits; t++)
    free(c->trait[t].set);
  free(c->trait);
  free(c->correlation_factor);
  free(c->correlation);
  free(c->sampled);
  for (int f = 0; f < c->n_formulas; f++)
    cs_formula_destroy(&c->formula[f]);
  free(c->formula);
  free(c->observable);
  free(c->recorded);
  free(c->reaction);
  free(c->drug);
  free(c->species);
  free(c->param);
  free(c->description);
  free(c->overrides);
  free(c->text);
  free(c->path);
  free(c);
  *cohort = NULL;
}
