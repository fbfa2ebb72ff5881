/* `cohortsim import MODEL.xml`: an SBML model as a complete cohort file (sbml.h). The
 * network is the SBML reader's text, exactly what a cohort with `model: {sbml: PATH}`
 * grafts, so the two give the same cohort and the same output for the same seed. */
#include "cohortsim/sbml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
#include "cohortsim/yamltree.h"

#include "sbml_impl.h"

/* Follow-up and reporting interval: the command line's, else these defaults. */
typedef struct import_settings {
  const char *followup_days, *report_every_days;
} import_settings;

static cs_status read_sets(int n_sets, const char *const *sets, import_settings *s, cs_error *err)
{
  *s = (import_settings){"10", "0.1"};
  for (int i = 0; i < n_sets; i++) {
    const char *eq = strchr(sets[i], '=');
    const size_t key = eq != NULL ? (size_t)(eq - sets[i]) : 0;
    const char **slot = NULL;
    if (key == strlen("followup_days") && strncmp(sets[i], "followup_days", key) == 0)
      slot = &s->followup_days;
    else if (key == strlen("report_every_days") && strncmp(sets[i], "report_every_days", key) == 0)
      slot = &s->report_every_days;
    double value = 0;
    CS_CHECK(slot != NULL, err, CS_ERR_USAGE,
             "--set %s: import takes --set followup_days=DAYS and --set report_every_days=DAYS "
             "only (edit the written file for the rest)",
             sets[i]);
    CS_CHECK(cs_ytree_parse_number(eq + 1, &value) && isfinite(value) && value > 0, err,
             CS_ERR_USAGE, "--set %s: expected a number of days > 0", sets[i]);
    *slot = eq + 1;
  }
  return CS_OK;
}

static const char *base_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash != NULL ? slash + 1 : path;
}

cs_status cs_sbml_import(const char *path, int n_sets, const char *const *sets, char **text,
                         cs_error *err)
{
  *text = NULL;
  import_settings settings;
  CS_CALL(read_sets(n_sets, sets, &settings, err));
  char *xml = NULL;
  size_t length = 0;
  CS_CALL(cs_cohort_read_text(path, &xml, &length, err));
  if (length > CS_YTREE_TEXT_MAX) {
    free(xml);
    return cs_error_set(err, CS_ERR_COHORT,
                        "%s: larger than %u MiB, the most a model file may hold", path,
                        CS_YTREE_TEXT_MAX >> 20);
  }
  cs_sbml_model model = {0};
  cs_status status = cs_sbml_read(xml, path, 0, &model, err);
  if (status != CS_OK) {
    free(xml);
    return status;
  }
  cs_sbml_text head = {0}, out = {0}, check = {0};
  cs_sbml_text_add(&head,
                   "# The SBML model '%s' as a cohort, written by `cohortsim import %s`.\n"
                   "# Time: %s.\n"
                   "# A starting point to edit: distributions over parameters, arms, "
                   "observables, outcomes (docs/sbml.md).\n"
                   "name: %s\n"
                   "description: \"Imported from the SBML file %s\"\n"
                   "method: exact\n"
                   "followup_days: %s\n"
                   "report_every_days: %s\n",
                   model.name, base_name(path), model.time_note, model.name, base_name(path),
                   settings.followup_days, settings.report_every_days);
  static const char arms[] = "arms:\n  baseline: {}\n";
  cs_sbml_text_add(&out, "%s\n%s\n%s", cs_sbml_text_string(&head), model.yaml, arms);
  /* Checked as the same cohort on the SBML file, so an import never writes a file that
   * `run` would refuse, and an error is located at the model's line, not the text's. */
  cs_sbml_text_add(&check, "%smodel: {sbml: %s}\n%s", cs_sbml_text_string(&head), base_name(path),
                   arms);
  cs_sbml_model_free(&model);
  if (head.failed || out.failed || check.failed)
    status = cs_error_set(err, CS_ERR_NOMEM, "%s: out of memory writing the cohort", path);
  cs_cohort *cohort = NULL;
  if (status == CS_OK)
    status = cs_cohort_load_embedded(check.s, path, xml, 0, NULL, &cohort, err);
  cs_cohort_destroy(&cohort);
  free(xml);
  free(head.s);
  free(check.s);
  if (status != CS_OK) {
    free(out.s);
    return status;
  }
  *text = out.s;
  return CS_OK;
}
