#include "cohortsim/yamltree.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- locations and messages ---------------------------------------------------------- */

static int node_id(const cs_ytree *tree, const yaml_node_t *node)
{
  return (int)(node - tree->document.nodes.start) + 1;
}

int cs_ytree_is_override(const cs_ytree *tree, const yaml_node_t *node)
{
  if (node == NULL)
    return 0;
  const int id = node_id(tree, node);
  return id > tree->n_file_nodes && id - tree->n_file_nodes <= tree->n_set_nodes;
}

/* "FILE:LINE:COLUMN" (libyaml counts from 0, people from 1) or "--set ARG" for a node
 * an override created: such nodes have no position in any file. */
static void format_location(const cs_ytree *tree, const yaml_node_t *node, char *buffer,
                            size_t size)
{
  if (node == NULL) {
    snprintf(buffer, size, "%s", tree->origin);
    return;
  }
  const int id = node_id(tree, node);
  if (id >= tree->graft_first && id <= tree->graft_last && tree->graft_origin != NULL) {
    /* A section's own key was written from no element of the model: no line. */
    if (node->start_mark.line == SIZE_MAX)
      snprintf(buffer, size, "%s", tree->graft_origin);
    else
      snprintf(buffer, size, "%s:%zu", tree->graft_origin, node->start_mark.line + 1);
    return;
  }
  if (cs_ytree_is_override(tree, node)) {
    snprintf(buffer, size, "--set %s", tree->sets[tree->set_of_node[id - tree->n_file_nodes - 1]]);
    return;
  }
  snprintf(buffer, size, "%s:%zu:%zu", tree->origin, node->start_mark.line + 1,
           node->start_mark.column + 1);
}

static cs_status fail_at(cs_ytree *tree, const char *location, cs_status status, const char *format,
                         va_list args)
{
  char message[768];
  vsnprintf(message, sizeof message, format, args);
  if (tree->path_length == 0)
    return cs_error_set(tree->err, status, "%s: %s", location, message);
  return cs_error_set(tree->err, status, "%s: %s: %s", location, tree->path, message);
}

cs_status cs_ytree_fail(cs_ytree *tree, const yaml_node_t *node, cs_status status,
                        const char *format, ...)
{
  char location[CS_YTREE_PATH_MAX + 64];
  format_location(tree, node, location, sizeof location);
  va_list args;
  va_start(args, format);
  const cs_status result = fail_at(tree, location, status, format, args);
  va_end(args);
  return result;
}

cs_status cs_ytree_fail_in_scalar(cs_ytree *tree, const yaml_node_t *node, size_t offset,
                                  cs_status status, const char *format, ...)
{
  char location[CS_YTREE_PATH_MAX + 64];
  format_location(tree, node, location, sizeof location);
  const int id = node != NULL ? node_id(tree, node) : 0;
  const int grafted =
      tree->graft_origin != NULL && id >= tree->graft_first && id <= tree->graft_last;
  if (node != NULL && node->type == YAML_SCALAR_NODE && !cs_ytree_is_override(tree, node) &&
      !grafted) {
    const yaml_scalar_style_t style = node->data.scalar.style;
    const size_t quote =
        style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    snprintf(location, sizeof location, "%s:%zu:%zu", tree->origin, node->start_mark.line + 1,
             node->start_mark.column + 1 + quote + offset);
  }
  va_list args;
  va_start(args, format);
  const cs_status result = fail_at(tree, location, status, format, args);
  va_end(args);
  return result;
}

/* For problems found while scanning events, before any node exists. */
static cs_status fail_at_mark(cs_ytree *tree, yaml_mark_t mark, cs_status status,
                              const char *format, ...) __attribute__((format(printf, 4, 5)));

static cs_status fail_at_mark(cs_ytree *tree, yaml_mark_t mark, cs_status status,
                              const char *format, ...)
{
  char location[CS_YTREE_PATH_MAX + 64];
  snprintf(location, sizeof location, "%s:%zu:%zu", tree->origin, mark.line + 1, mark.column + 1);
  va_list args;
  va_start(args, format);
  const cs_status result = fail_at(tree, location, status, format, args);
  va_end(args);
  return result;
}

size_t cs_ytree_enter(cs_ytree *tree, const char *key)
{
  const size_t mark = tree->path_length;
  const size_t room = sizeof tree->path - mark;
  const int n = snprintf(tree->path + mark, room, "%s%s", mark == 0 ? "" : ".", key);
  tree->path_length = n < 0 || (size_t)n >= room ? sizeof tree->path - 1 : mark + (size_t)n;
  return mark;
}

size_t cs_ytree_enter_index(cs_ytree *tree, int index)
{
  const size_t mark = tree->path_length;
  const size_t room = sizeof tree->path - mark;
  const int n = snprintf(tree->path + mark, room, "[%d]", index);
  tree->path_length = n < 0 || (size_t)n >= room ? sizeof tree->path - 1 : mark + (size_t)n;
  return mark;
}

void cs_ytree_leave(cs_ytree *tree, size_t mark)
{
  assert(mark <= tree->path_length);
  tree->path_length = mark;
  tree->path[mark] = '\0';
}

/* ---- loading ------------------------------------------------------------------------- */

static cs_status parser_failure(cs_ytree *tree, const yaml_parser_t *parser)
{
  if (parser->error == YAML_MEMORY_ERROR)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading the file",
                        tree->origin);
  const char *problem = parser->problem != NULL ? parser->problem : "unknown problem";
  /* The reader (encoding) stage knows only a byte offset, not a line. */
  if (parser->error == YAML_READER_ERROR)
    return cs_error_set(tree->err, CS_ERR_SYNTAX, "%s: byte %zu: YAML syntax error: %s",
                        tree->origin, parser->problem_offset, problem);
  if (parser->context == NULL)
    return fail_at_mark(tree, parser->problem_mark, CS_ERR_SYNTAX, "YAML syntax error: %s",
                        problem);
  return fail_at_mark(tree, parser->problem_mark, CS_ERR_SYNTAX,
                      "YAML syntax error: %s (%s at line %zu, column %zu)", problem,
                      parser->context, parser->context_mark.line + 1,
                      parser->context_mark.column + 1);
}

static const char *event_anchor(const yaml_event_t *event)
{
  const yaml_char_t *anchor = NULL;
  if (event->type == YAML_SCALAR_EVENT)
    anchor = event->data.scalar.anchor;
  else if (event->type == YAML_SEQUENCE_START_EVENT)
    anchor = event->data.sequence_start.anchor;
  else if (event->type == YAML_MAPPING_START_EVENT)
    anchor = event->data.mapping_start.anchor;
  return (const char *)anchor;
}

/* Anchors and aliases are rejected: an alias would make one node the value of several
 * keys (so an override of one would silently change the others, and an error in it could
 * only cite one place), and an alias to an enclosing node would make the tree cyclic. */
static cs_status check_event(cs_ytree *tree, const yaml_event_t *event, int *n_documents,
                             int *depth)
{
  if (event->type == YAML_MAPPING_START_EVENT || event->type == YAML_SEQUENCE_START_EVENT) {
    if (++*depth > CS_YTREE_DEPTH_MAX)
      return fail_at_mark(tree, event->start_mark, CS_ERR_COHORT,
                          "nesting deeper than %d levels of mappings and lists: a cohort "
                          "needs a few",
                          CS_YTREE_DEPTH_MAX);
  } else if (event->type == YAML_MAPPING_END_EVENT || event->type == YAML_SEQUENCE_END_EVENT) {
    --*depth;
  }
  if (event->type == YAML_ALIAS_EVENT)
    return fail_at_mark(tree, event->start_mark, CS_ERR_COHORT,
                        "aliases (*%s) are not supported: write the value out",
                        (const char *)event->data.alias.anchor);
  const char *anchor = event_anchor(event);
  if (anchor != NULL)
    return fail_at_mark(tree, event->start_mark, CS_ERR_COHORT,
                        "anchors (&%s) are not supported: write each value out", anchor);
  if (event->type == YAML_SCALAR_EVENT &&
      strlen((const char *)event->data.scalar.value) != event->data.scalar.length)
    return fail_at_mark(tree, event->start_mark, CS_ERR_COHORT, "a value contains a NUL character");
  if (event->type == YAML_DOCUMENT_START_EVENT && ++*n_documents > 1)
    return fail_at_mark(tree, event->start_mark, CS_ERR_COHORT,
                        "a second YAML document: a cohort file holds exactly one");
  return CS_OK;
}

/* libyaml's document loader resolves aliases silently, knows nothing of documents
 * beyond the first and nests without limit, so the text is first scanned as an event
 * stream, which stops at the first excess. This pass also reports every syntax error,
 * with libyaml's own position. */
static cs_status scan_events(cs_ytree *tree, const char *text, size_t length)
{
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading the file",
                        tree->origin);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
  cs_status status = CS_OK;
  int n_documents = 0, depth = 0;
  int done = 0;
  while (status == CS_OK && !done) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      status = parser_failure(tree, &parser);
      break;
    }
    status = check_event(tree, &event, &n_documents, &depth);
    done = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  return status;
}

cs_status cs_ytree_load(cs_ytree *tree, const char *text, size_t length, const char *origin,
                        cs_error *err)
{
  memset(tree, 0, sizeof *tree);
  tree->origin = origin;
  tree->err = err;
  CS_CHECK(length <= CS_YTREE_TEXT_MAX, err, CS_ERR_COHORT,
           "%s: the text is larger than %u MiB, the most a cohort file may hold", origin,
           CS_YTREE_TEXT_MAX >> 20);
  CS_CALL(scan_events(tree, text, length));

  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return cs_error_set(err, CS_ERR_NOMEM, "%s: out of memory reading the file", origin);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
  cs_status status = CS_OK;
  if (!yaml_parser_load(&parser, &tree->document)) {
    status = parser_failure(tree, &parser);
  } else {
    tree->has_document = 1;
    tree->n_file_nodes = (int)(tree->document.nodes.top - tree->document.nodes.start);
    const yaml_node_t *root = yaml_document_get_root_node(&tree->document);
    if (root == NULL || cs_ytree_is_null(root))
      status = cs_error_set(err, CS_ERR_COHORT, "%s: the file is empty", origin);
  }
  yaml_parser_delete(&parser);
  return status;
}

/* ---- grafting ------------------------------------------------------------------------ */

static size_t grafted_line(const yaml_node_t *node, const int *lines, int n_lines)
{
  const size_t line = node->start_mark.line;
  return line < (size_t)n_lines && lines[line] > 0 ? (size_t)lines[line] - 1 : SIZE_MAX;
}

cs_status cs_ytree_graft(cs_ytree *tree, yaml_document_t *source, const int *lines, int n_lines,
                         const char *origin, int *root_id)
{
  assert(tree->n_set_nodes == 0);
  const int offset = (int)(tree->document.nodes.top - tree->document.nodes.start);
  const int n = (int)(source->nodes.top - source->nodes.start);
  /* Nodes first (ids are kept, shifted by the offset), then the links between them,
   * which may point forwards. */
  for (int i = 0; i < n; i++) {
    const yaml_node_t *node = &source->nodes.start[i];
    int id = 0;
    if (node->type == YAML_SCALAR_NODE)
      id = yaml_document_add_scalar(&tree->document, node->tag, node->data.scalar.value,
                                    (int)node->data.scalar.length, node->data.scalar.style);
    else if (node->type == YAML_MAPPING_NODE)
      id = yaml_document_add_mapping(&tree->document, node->tag, node->data.mapping.style);
    else if (node->type == YAML_SEQUENCE_NODE)
      id = yaml_document_add_sequence(&tree->document, node->tag, node->data.sequence.style);
    if (id != offset + i + 1)
      return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading the model", origin);
    yaml_node_t *copy = yaml_document_get_node(&tree->document, id);
    copy->start_mark = (yaml_mark_t){.line = grafted_line(node, lines, n_lines)};
    copy->end_mark = copy->start_mark;
  }
  for (int i = 0; i < n; i++) {
    const yaml_node_t *node = &source->nodes.start[i];
    int ok = 1;
    if (node->type == YAML_MAPPING_NODE)
      for (const yaml_node_pair_t *p = node->data.mapping.pairs.start;
           ok && p < node->data.mapping.pairs.top; p++)
        ok = yaml_document_append_mapping_pair(&tree->document, offset + i + 1, offset + p->key,
                                               offset + p->value);
    else if (node->type == YAML_SEQUENCE_NODE)
      for (const yaml_node_item_t *item = node->data.sequence.items.start;
           ok && item < node->data.sequence.items.top; item++)
        ok = yaml_document_append_sequence_item(&tree->document, offset + i + 1, offset + *item);
    if (!ok)
      return cs_error_set(tree->err, CS_ERR_NOMEM, "%s: out of memory reading the model", origin);
  }
  tree->graft_origin = origin;
  tree->graft_first = offset + 1;
  tree->graft_last = offset + n;
  /* The copies count as the file's own nodes: overrides are numbered after them. */
  tree->n_file_nodes = offset + n;
  *root_id = offset + 1;
  return CS_OK;
}

void cs_ytree_destroy(cs_ytree *tree)
{
  if (tree == NULL)
    return;
  if (tree->has_document)
    yaml_document_delete(&tree->document);
  tree->has_document = 0;
  free(tree->set_of_node);
  tree->set_of_node = NULL;
  tree->n_set_nodes = 0;
}

yaml_node_t *cs_ytree_root(cs_ytree *tree)
{
  return yaml_document_get_root_node(&tree->document);
}

/* ---- overrides ----------------------------------------------------------------------- */

/* Index of the pair whose key is `key`, or -1. Works on any node or none (non-mappings
 * have no pairs), so it serves before the tree has been checked. */
static int find_pair(cs_ytree *tree, const yaml_node_t *mapping, const char *key)
{
  if (mapping == NULL || mapping->type != YAML_MAPPING_NODE)
    return -1;
  const yaml_node_pair_t *pairs = mapping->data.mapping.pairs.start;
  const int n = (int)(mapping->data.mapping.pairs.top - pairs);
  for (int i = 0; i < n; i++) {
    const char *text = cs_ytree_scalar(yaml_document_get_node(&tree->document, pairs[i].key));
    if (text != NULL && strcmp(text, key) == 0)
      return i;
  }
  return -1;
}

/* Adds a plain scalar (so "0.8" reads as a number, as if typed in the file) and notes
 * which --set created it. Returns the node id, 0 on failure. */
static int add_set_scalar(cs_ytree *tree, int set, const char *value, size_t length)
{
  if (length > (size_t)INT_MAX)
    return 0;
  const int id = yaml_document_add_scalar(&tree->document, NULL, (const yaml_char_t *)value,
                                          (int)length, YAML_PLAIN_SCALAR_STYLE);
  if (id == 0)
    return 0;
  assert(id == tree->n_file_nodes + tree->n_set_nodes + 1);
  tree->set_of_node[tree->n_set_nodes++] = set;
  return id;
}

/* libyaml refuses a value that is not valid UTF-8 and runs out of memory with the same
 * return value; a value that is plain ASCII can only have failed for memory. */
static cs_status add_failure(cs_ytree *tree, const char *arg, const char *value)
{
  for (const char *c = value; *c != '\0'; c++)
    if ((unsigned char)*c >= 0x80)
      return cs_error_set(tree->err, CS_ERR_USAGE,
                          "--set %s: the value is not valid UTF-8 (or out of memory)", arg);
  return cs_error_set(tree->err, CS_ERR_NOMEM, "--set %s: out of memory", arg);
}

/* Splits "a.b.c=VALUE" into its components (written into `keys`, NUL-separated) and
 * value. Returns the number of components, 0 if the argument is malformed. */
static int split_set(const char *arg, char *keys, size_t size, const char **value)
{
  const char *eq = strchr(arg, '=');
  if (eq == NULL || eq == arg || (size_t)(eq - arg) >= size)
    return 0;
  const size_t length = (size_t)(eq - arg);
  memcpy(keys, arg, length);
  keys[length] = '\0';
  *value = eq + 1;
  int n = 1;
  for (size_t i = 0; i < length; i++) {
    if (keys[i] != '.')
      continue;
    if (i == 0 || keys[i - 1] == '\0' || i + 1 == length)
      return 0;
    keys[i] = '\0';
    n++;
  }
  return n;
}

static cs_status apply_set(cs_ytree *tree, int set)
{
  const char *arg = tree->sets[set];
  char keys[CS_YTREE_PATH_MAX];
  const char *value = NULL;
  const int n_keys = split_set(arg, keys, sizeof keys, &value);
  if (n_keys == 0)
    return cs_error_set(tree->err, CS_ERR_USAGE,
                        "--set %s: expected KEY.PATH=VALUE, e.g. parameters.b=0.8", arg);

  /* Walk by node id: adding a node may move the node array, so no pointer is kept
   * across an addition. */
  int mapping = node_id(tree, cs_ytree_root(tree));
  const char *key = keys;
  for (int k = 0; k < n_keys; k++, key += strlen(key) + 1) {
    /* `keys` is the argument's prefix with '.' replaced by NUL, so the path up to a
     * component is that prefix of `arg`. */
    const int parent_length = k == 0 ? 0 : (int)(key - keys) - 1;
    const int path_length = (int)(key - keys + (ptrdiff_t)strlen(key));
    const yaml_node_t *node = yaml_document_get_node(&tree->document, mapping);
    if (node->type != YAML_MAPPING_NODE && k == 0)
      return cs_error_set(tree->err, CS_ERR_USAGE, "--set %s: the top level of %s is not a mapping",
                          arg, tree->origin);
    if (node->type != YAML_MAPPING_NODE)
      return cs_error_set(tree->err, CS_ERR_USAGE,
                          "--set %s: %.*s is not a mapping, so it has no key '%s'", arg,
                          parent_length, arg, key);
    const int pair = find_pair(tree, node, key);
    if (pair < 0 && k + 1 < n_keys)
      return cs_error_set(tree->err, CS_ERR_USAGE,
                          "--set %s: %.*s: no such key in %s, so there is nothing to override", arg,
                          path_length, arg, tree->origin);
    if (k + 1 < n_keys) {
      mapping = node->data.mapping.pairs.start[pair].value;
      continue;
    }
    const int value_id = add_set_scalar(tree, set, value, strlen(value));
    if (value_id == 0)
      return add_failure(tree, arg, value);
    if (pair >= 0) {
      yaml_node_t *parent = yaml_document_get_node(&tree->document, mapping);
      parent->data.mapping.pairs.start[pair].value = value_id;
      return CS_OK;
    }
    const int key_id = add_set_scalar(tree, set, key, strlen(key));
    if (key_id == 0)
      return add_failure(tree, arg, key);
    if (!yaml_document_append_mapping_pair(&tree->document, mapping, key_id, value_id))
      return cs_error_set(tree->err, CS_ERR_NOMEM, "--set %s: out of memory", arg);
  }
  return CS_OK;
}

cs_status cs_ytree_apply_sets(cs_ytree *tree, int n_sets, const char *const *sets)
{
  tree->sets = sets;
  if (n_sets <= 0)
    return CS_OK;
  /* Each override adds at most two nodes: the value and, for a new key, the key. */
  tree->set_of_node = malloc(2 * (size_t)n_sets * sizeof *tree->set_of_node);
  if (tree->set_of_node == NULL)
    return cs_error_set(tree->err, CS_ERR_NOMEM, "out of memory applying --set");
  for (int s = 0; s < n_sets; s++)
    CS_CALL(apply_set(tree, s));
  return CS_OK;
}

/* ---- reading ------------------------------------------------------------------------- */

const char *cs_ytree_scalar(const yaml_node_t *node)
{
  if (node == NULL || node->type != YAML_SCALAR_NODE)
    return NULL;
  return (const char *)node->data.scalar.value;
}

int cs_ytree_is_null(const yaml_node_t *node)
{
  const char *text = cs_ytree_scalar(node);
  if (text == NULL || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return 0;
  return strcmp(text, "") == 0 || strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
         strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0;
}

void cs_ytree_describe(const yaml_node_t *node, char *buffer, size_t size)
{
  const char *text = cs_ytree_scalar(node);
  if (node != NULL && node->type == YAML_MAPPING_NODE)
    snprintf(buffer, size, "a mapping");
  else if (node != NULL && node->type == YAML_SEQUENCE_NODE)
    snprintf(buffer, size, "a list");
  else if (text == NULL || text[0] == '\0')
    snprintf(buffer, size, "nothing");
  else if (strlen(text) > 40)
    snprintf(buffer, size, "'%.37s...'", text);
  else
    snprintf(buffer, size, "'%s'", text);
}

static cs_status expected(cs_ytree *tree, const yaml_node_t *node, const char *what)
{
  char got[64];
  cs_ytree_describe(node, got, sizeof got);
  return cs_ytree_fail(tree, node, CS_ERR_COHORT, "expected %s, got %s", what, got);
}

static int is_allowed(const char *key, const char *const *allowed)
{
  for (int i = 0; allowed[i] != NULL; i++)
    if (strcmp(key, allowed[i]) == 0)
      return 1;
  return 0;
}

static cs_status unknown_key(cs_ytree *tree, const yaml_node_t *key_node, const char *key,
                             const char *const *allowed)
{
  cs_ytree_enter(tree, key);
  const char *suggestion = cs_ytree_suggest(key, allowed);
  if (suggestion != NULL)
    return cs_ytree_fail(tree, key_node, CS_ERR_COHORT, "unknown key (did you mean '%s'?)",
                         suggestion);
  char list[512] = "";
  for (int i = 0; allowed[i] != NULL; i++) {
    const size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", i == 0 ? "" : ", ", allowed[i]);
  }
  return cs_ytree_fail(tree, key_node, CS_ERR_COHORT, "unknown key (expected one of: %s)", list);
}

cs_status cs_ytree_mapping(cs_ytree *tree, const yaml_node_t *node, const char *const *allowed,
                           int *n_pairs)
{
  *n_pairs = 0;
  if (cs_ytree_is_null(node))
    return CS_OK;
  if (node == NULL || node->type != YAML_MAPPING_NODE)
    return expected(tree, node, "a mapping");
  const int n = (int)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
  for (int i = 0; i < n; i++) {
    const yaml_node_t *key_node = cs_ytree_key_node(tree, node, i);
    const char *key = cs_ytree_scalar(key_node);
    if (key == NULL)
      return expected(tree, key_node, "a name as key");
    for (int j = 0; j < i; j++) {
      const yaml_node_t *first = cs_ytree_key_node(tree, node, j);
      if (strcmp(key, cs_ytree_scalar(first)) != 0)
        continue;
      char where[CS_YTREE_PATH_MAX + 64];
      format_location(tree, first, where, sizeof where);
      cs_ytree_enter(tree, key);
      return cs_ytree_fail(tree, key_node, CS_ERR_COHORT, "duplicate key (first given at %s)",
                           where);
    }
    if (allowed != NULL && !is_allowed(key, allowed))
      return unknown_key(tree, key_node, key, allowed);
  }
  *n_pairs = n;
  return CS_OK;
}

yaml_node_t *cs_ytree_key_node(cs_ytree *tree, const yaml_node_t *mapping, int index)
{
  return yaml_document_get_node(&tree->document, mapping->data.mapping.pairs.start[index].key);
}

const char *cs_ytree_key(cs_ytree *tree, const yaml_node_t *mapping, int index)
{
  return cs_ytree_scalar(cs_ytree_key_node(tree, mapping, index));
}

yaml_node_t *cs_ytree_value(cs_ytree *tree, const yaml_node_t *mapping, int index)
{
  return yaml_document_get_node(&tree->document, mapping->data.mapping.pairs.start[index].value);
}

yaml_node_t *cs_ytree_lookup(cs_ytree *tree, const yaml_node_t *mapping, const char *key)
{
  const int pair = find_pair(tree, mapping, key);
  return pair < 0 ? NULL : cs_ytree_value(tree, mapping, pair);
}

cs_status cs_ytree_require(cs_ytree *tree, const yaml_node_t *mapping, const char *key,
                           yaml_node_t **value)
{
  *value = cs_ytree_lookup(tree, mapping, key);
  if (*value != NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(tree, key);
  const cs_status status = cs_ytree_fail(tree, mapping, CS_ERR_COHORT, "required key is missing");
  cs_ytree_leave(tree, mark);
  return status;
}

cs_status cs_ytree_sequence(cs_ytree *tree, const yaml_node_t *node, int *n_items)
{
  *n_items = 0;
  if (node == NULL || node->type != YAML_SEQUENCE_NODE)
    return expected(tree, node, "a list");
  *n_items = (int)(node->data.sequence.items.top - node->data.sequence.items.start);
  return CS_OK;
}

yaml_node_t *cs_ytree_item(cs_ytree *tree, const yaml_node_t *sequence, int index)
{
  return yaml_document_get_node(&tree->document, sequence->data.sequence.items.start[index]);
}

cs_status cs_ytree_string(cs_ytree *tree, const yaml_node_t *node, const char **value)
{
  *value = cs_ytree_scalar(node);
  if (*value == NULL)
    return expected(tree, node, "a string");
  return CS_OK;
}

cs_status cs_ytree_flag(cs_ytree *tree, const yaml_node_t *mapping, const char *key, bool fallback,
                        bool *value)
{
  const yaml_node_t *node = cs_ytree_lookup(tree, mapping, key);
  *value = fallback;
  if (node == NULL)
    return CS_OK;
  const size_t mark = cs_ytree_enter(tree, key);
  const char *text = cs_ytree_scalar(node);
  if (text != NULL && strcmp(text, "true") == 0)
    *value = true;
  else if (text != NULL && strcmp(text, "false") == 0)
    *value = false;
  else
    return expected(tree, node, "true or false");
  cs_ytree_leave(tree, mark);
  return CS_OK;
}

/* YAML spells infinity and NaN ".inf" and ".nan"; strtod does not read them, but they
 * are numbers all the same, to be rejected as non-finite rather than as text. */
static int parse_yaml_special(const char *text, double *value)
{
  const double sign = *text == '-' ? -1.0 : 1.0;
  if (*text == '+' || *text == '-')
    text++;
  if (strlen(text) != 4)
    return 0;
  char lower[5] = "";
  for (size_t i = 0; i < 4; i++)
    lower[i] = (char)tolower((unsigned char)text[i]);
  if (strcmp(lower, ".inf") == 0)
    *value = sign * HUGE_VAL;
  else if (strcmp(lower, ".nan") == 0)
    *value = NAN;
  else
    return 0;
  return 1;
}

int cs_ytree_parse_number(const char *text, double *value)
{
  if (text[0] == '\0' || isspace((unsigned char)text[0]))
    return 0;
  if (parse_yaml_special(text, value))
    return 1;
  char *end = NULL;
  const double v = strtod(text, &end);
  if (end == text || *end != '\0')
    return 0;
  *value = v;
  return 1;
}

cs_status cs_ytree_number(cs_ytree *tree, const yaml_node_t *node, double *value)
{
  const char *text = cs_ytree_scalar(node);
  double v = 0;
  if (text == NULL || !cs_ytree_parse_number(text, &v))
    return expected(tree, node, "a number");
  if (!isfinite(v))
    return expected(tree, node, "a finite number");
  *value = v;
  return CS_OK;
}

cs_status cs_ytree_integer(cs_ytree *tree, const yaml_node_t *node, long min, long max, long *value)
{
  double v = 0;
  CS_CALL(cs_ytree_number(tree, node, &v));
  if (v != floor(v))
    return expected(tree, node, "an integer");
  if (v < (double)min || v > (double)max) {
    char what[96];
    if (max == LONG_MAX)
      snprintf(what, sizeof what, "an integer >= %ld", min);
    else
      snprintf(what, sizeof what, "an integer from %ld to %ld", min, max);
    return expected(tree, node, what);
  }
  *value = (long)v;
  return CS_OK;
}

/* ---- suggestions --------------------------------------------------------------------- */

/* Levenshtein distance, for "did you mean"; words longer than the table are never close. */
static size_t edit_distance(const char *a, const char *b)
{
  enum { LONGEST = 64 };
  const size_t na = strlen(a);
  const size_t nb = strlen(b);
  if (na >= LONGEST || nb >= LONGEST)
    return (size_t)-1;
  size_t row[LONGEST + 1];
  for (size_t j = 0; j <= nb; j++)
    row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      const size_t above = row[j];
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      size_t best = above + 1 < row[j - 1] + 1 ? above + 1 : row[j - 1] + 1;
      if (substitute < best)
        best = substitute;
      row[j] = best;
      diagonal = above;
    }
  }
  return row[nb];
}

const char *cs_ytree_suggest(const char *word, const char *const *candidates)
{
  const char *best = NULL;
  size_t best_distance = (size_t)-1;
  for (int i = 0; candidates[i] != NULL; i++) {
    const size_t d = edit_distance(word, candidates[i]);
    const size_t longer =
        strlen(word) > strlen(candidates[i]) ? strlen(word) : strlen(candidates[i]);
    /* A third of the letters wrong is still a typo; more is a different word. */
    if (d <= 3 && 3 * d <= longer && d < best_distance) {
      best = candidates[i];
      best_distance = d;
    }
  }
  return best;
}
