/* A cohort built on an SBML model: the graft of the model's sections into the cohort's
 * YAML tree (cohort_sbml.h). The SBML reader (sbml_read.c) writes the model in the
 * cohort language; the graft parses that text and copies it into the tree, so that the
 * cohort reader reads, resolves and checks it exactly as a hand-written cohort, and
 * `--set parameters.K=...`, distributions, arms and traits work on SBML parameters
 * unchanged. Nothing here knows libsbml.
 */
#include "cohort_sbml.h"

#include <stdlib.h>
#include <string.h>

#include "cohortsim/sbml.h"

static const char *const model_keys[] = {"sbml", "time_unit", NULL};

static int pair_index(cs_ytree *tree, const yaml_node_t *mapping, const char *key)
{
  const int n = (int)(mapping->data.mapping.pairs.top - mapping->data.mapping.pairs.start);
  for (int i = 0; i < n; i++) {
    const char *text = cs_ytree_scalar(
        yaml_document_get_node(&tree->document, mapping->data.mapping.pairs.start[i].key));
    if (text != NULL && strcmp(text, key) == 0)
      return i;
  }
  return -1;
}

static yaml_node_t *node_at(cs_ytree *tree, int id)
{
  return yaml_document_get_node(&tree->document, id);
}

static cs_status nomem(cs_ytree *tree)
{
  return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading the model", tree->origin);
}

/* Every pair of the cohort's mapping `ours` replaces the model's pair of the same key in
 * `theirs`, or is appended to it. */
static cs_status overlay(cs_ytree *tree, int theirs, int ours)
{
  const yaml_node_t *mine = node_at(tree, ours);
  const int n = (int)(mine->data.mapping.pairs.top - mine->data.mapping.pairs.start);
  for (int i = 0; i < n; i++) {
    const yaml_node_pair_t pair = node_at(tree, ours)->data.mapping.pairs.start[i];
    const char *key = cs_ytree_scalar(node_at(tree, pair.key));
    yaml_node_t *target = node_at(tree, theirs);
    const int at = key != NULL ? pair_index(tree, target, key) : -1;
    if (at >= 0)
      target->data.mapping.pairs.start[at].value = pair.value;
    else if (!yaml_document_append_mapping_pair(&tree->document, theirs, pair.key, pair.value))
      return nomem(tree);
  }
  return CS_OK;
}

/* The cohort's species entries change keys of the model's species. */
static cs_status overlay_species(cs_ytree *tree, int theirs, int ours)
{
  int n = 0;
  const size_t mark = cs_ytree_enter(tree, "species");
  CS_CALL(cs_ytree_mapping(tree, node_at(tree, ours), NULL, &n));
  for (int i = 0; i < n; i++) {
    const yaml_node_pair_t pair = node_at(tree, ours)->data.mapping.pairs.start[i];
    const char *name = cs_ytree_scalar(node_at(tree, pair.key));
    const int at = pair_index(tree, node_at(tree, theirs), name);
    const size_t inner = cs_ytree_enter(tree, name);
    if (at < 0)
      return cs_ytree_fail(tree, node_at(tree, pair.key), CS_ERR_COHORT,
                           "'%s' is not a species of the SBML model", name);
    int n_keys = 0;
    CS_CALL(cs_ytree_mapping(tree, node_at(tree, pair.value), NULL, &n_keys));
    CS_CALL(overlay(tree, node_at(tree, theirs)->data.mapping.pairs.start[at].value, pair.value));
    cs_ytree_leave(tree, inner);
  }
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

static cs_status append_items(cs_ytree *tree, int theirs, int ours)
{
  int n = 0;
  const size_t mark = cs_ytree_enter(tree, "events");
  CS_CALL(cs_ytree_sequence(tree, node_at(tree, ours), &n));
  cs_ytree_leave(tree, mark);
  for (int i = 0; i < n; i++) {
    const int item = node_at(tree, ours)->data.sequence.items.start[i];
    if (!yaml_document_append_sequence_item(&tree->document, theirs, item))
      return nomem(tree);
  }
  return CS_OK;
}

/* One section of the model (key node `key`, value node `value`) put into the root. */
static cs_status merge_section(cs_ytree *tree, int root, int key, int value)
{
  const char *name = cs_ytree_scalar(node_at(tree, key));
  const int at = pair_index(tree, node_at(tree, root), name);
  if (at < 0) {
    if (!yaml_document_append_mapping_pair(&tree->document, root, key, value))
      return nomem(tree);
    return CS_OK;
  }
  yaml_node_pair_t *ours = &node_at(tree, root)->data.mapping.pairs.start[at];
  const yaml_node_t *mine = node_at(tree, ours->value);
  if (strcmp(name, "reactions") == 0) {
    cs_ytree_enter(tree, "reactions");
    return cs_ytree_fail(tree, node_at(tree, ours->key), CS_ERR_COHORT,
                         "the reactions come from the SBML model (model.sbml): a cohort on an "
                         "SBML model has none of its own");
  }
  if (cs_ytree_is_null(mine)) {
    ours->value = value;
    return CS_OK;
  }
  const int mine_id = ours->value;
  if (strcmp(name, "events") == 0)
    CS_CALL(append_items(tree, value, mine_id));
  else if (strcmp(name, "species") == 0)
    CS_CALL(overlay_species(tree, value, mine_id));
  else {
    int n = 0;
    const size_t mark = cs_ytree_enter(tree, name);
    CS_CALL(cs_ytree_mapping(tree, mine, NULL, &n));
    cs_ytree_leave(tree, mark);
    CS_CALL(overlay(tree, value, mine_id));
  }
  node_at(tree, root)->data.mapping.pairs.start[at].value = value;
  return CS_OK;
}

/* The SBML file's path: as written if absolute, else beside the cohort file. */
static char *model_path(const char *cohort_path, const char *path)
{
  const char *slash = strrchr(cohort_path, '/');
  const size_t dir = path[0] == '/' || slash == NULL ? 0 : (size_t)(slash - cohort_path) + 1;
  char *joined = malloc(dir + strlen(path) + 1);
  if (joined == NULL)
    return NULL;
  memcpy(joined, cohort_path, dir);
  strcpy(joined + dir, path);
  return joined;
}

static cs_status read_model_key(cs_ytree *tree, const yaml_node_t *model, const char **path,
                                double *unit_days)
{
  int n = 0;
  CS_CALL(cs_ytree_mapping(tree, model, model_keys, &n));
  yaml_node_t *node = NULL;
  CS_CALL(cs_ytree_require(tree, model, "sbml", &node));
  size_t mark = cs_ytree_enter(tree, "sbml");
  CS_CALL(cs_ytree_string(tree, node, path));
  if ((*path)[0] == '\0')
    return cs_ytree_fail(tree, node, CS_ERR_COHORT, "expected the path of an SBML file");
  cs_ytree_leave(tree, mark);
  *unit_days = 0;
  node = cs_ytree_lookup(tree, model, "time_unit");
  if (node == NULL)
    return CS_OK;
  mark = cs_ytree_enter(tree, "time_unit");
  const char *unit = NULL;
  CS_CALL(cs_ytree_string(tree, node, &unit));
  *unit_days = cs_sbml_unit_days(unit);
  if (*unit_days == 0)
    return cs_ytree_fail(tree, node, CS_ERR_COHORT,
                         "expected seconds, minutes, hours or days, got '%s'", unit);
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

/* Parses the model's YAML and grafts it into the tree; sets *root_id. */
static cs_status graft_model(cs_ytree *tree, const cs_sbml_model *model, const char *origin,
                             int *root_id)
{
  yaml_parser_t parser;
  yaml_document_t document;
  if (!yaml_parser_initialize(&parser))
    return nomem(tree);
  yaml_parser_set_input_string(&parser, (const unsigned char *)model->yaml, strlen(model->yaml));
  const int loaded = yaml_parser_load(&parser, &document);
  yaml_parser_delete(&parser);
  /* The text is this program's own: a failure to parse it is a bug or exhaustion. */
  if (!loaded)
    return nomem(tree);
  const cs_status status =
      cs_ytree_graft(tree, &document, model->line, model->n_lines, origin, root_id);
  yaml_document_delete(&document);
  return status;
}

cs_status cs_cohort_sbml_graft(cs_ytree *tree, cs_cohort *cohort, const char *embedded)
{
  const yaml_node_t *root = cs_ytree_root(tree);
  if (root == NULL || root->type != YAML_MAPPING_NODE)
    return CS_OK; /* the reader says what is wrong */
  const int root_id = (int)(root - tree->document.nodes.start) + 1;
  const yaml_node_t *model_node = cs_ytree_lookup(tree, root, "model");
  if (model_node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(tree, "model");
  const char *path = NULL;
  double unit_days = 0;
  CS_CALL(read_model_key(tree, model_node, &path, &unit_days));
  cohort->sbml_path = model_path(cohort->path, path);
  if (cohort->sbml_path == NULL)
    return nomem(tree);
  if (embedded != NULL) {
    cohort->sbml_text = strdup(embedded);
    if (cohort->sbml_text == NULL)
      return nomem(tree);
  } else {
    size_t length = 0;
    cs_error problem = {0};
    const cs_status status =
        cs_cohort_read_text(cohort->sbml_path, &cohort->sbml_text, &length, &problem);
    if (status == CS_ERR_NOMEM)
      return nomem(tree);
    if (status != CS_OK) {
      cs_ytree_enter(tree, "sbml");
      return cs_ytree_fail(tree, cs_ytree_lookup(tree, model_node, "sbml"), status, "%s",
                           problem.message);
    }
    /* cs_cohort_read_text stops a little past the limit: a larger file is refused, not
     * read in part. */
    if (length > CS_YTREE_TEXT_MAX) {
      cs_ytree_enter(tree, "sbml");
      return cs_ytree_fail(tree, cs_ytree_lookup(tree, model_node, "sbml"), CS_ERR_COHORT,
                           "%s is larger than %u MiB, the most a model file may hold",
                           cohort->sbml_path, CS_YTREE_TEXT_MAX >> 20);
    }
  }
  cs_ytree_leave(tree, mark);
  cs_sbml_model model = {0};
  CS_CALL(cs_sbml_read(cohort->sbml_text, cohort->sbml_path, unit_days, &model, tree->err));
  int model_root = 0;
  cs_status status = graft_model(tree, &model, cohort->sbml_path, &model_root);
  cs_sbml_model_free(&model);
  CS_CALL(status);
  const yaml_node_t *sections = node_at(tree, model_root);
  const int n = (int)(sections->data.mapping.pairs.top - sections->data.mapping.pairs.start);
  for (int i = 0; i < n && status == CS_OK; i++) {
    const yaml_node_pair_t pair = node_at(tree, model_root)->data.mapping.pairs.start[i];
    status = merge_section(tree, root_id, pair.key, pair.value);
  }
  return status;
}
