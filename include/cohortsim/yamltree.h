/* A YAML document held as a libyaml node tree, with what is needed to read it strictly
 * and to say where a problem is.
 *
 * This is the generic half of reading a cohort file: loading one document (rejecting
 * anchors, aliases and multi-document streams), applying the --set overrides to the tree,
 * reading typed values (numbers, integers, strings, mappings with a fixed set of keys,
 * sequences), and formatting every error as "FILE:LINE:COLUMN: KEY.PATH: message", or
 * "--set ARG: KEY.PATH: message" for a node an override created. What the keys mean is
 * the cohort module's business, not this one's.
 *
 * The tree keeps the key path of the node being read: callers cs_ytree_enter a key or a
 * sequence index before reading beneath it and cs_ytree_leave it afterwards. After a
 * failure the path is left as it was at the failure; the message is already recorded.
 */
#ifndef COHORTSIM_YAMLTREE_H
#define COHORTSIM_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <yaml.h>

#include "cohortsim/status.h"

#define CS_YTREE_PATH_MAX 256
/* The most mappings and lists inside each other (a cohort needs 5 or 6 levels; libyaml's
 * time grows with the square of the depth), and the longest text (a cohort is a few
 * kilobytes). */
#define CS_YTREE_DEPTH_MAX 64
#define CS_YTREE_TEXT_MAX (16u << 20)

typedef struct cs_ytree {
  yaml_document_t document;
  int has_document;
  const char *origin;      /* file name used in messages; not owned */
  int n_file_nodes;        /* nodes 1..n_file_nodes come from the text */
  const char *const *sets; /* the --set arguments; not owned */
  int *set_of_node;        /* [id - n_file_nodes - 1]: the --set that created a node */
  int n_set_nodes;
  /* Nodes graft_first..graft_last were copied from another text (an SBML model written
   * in the cohort language) and are located by that text's origin and line. */
  const char *graft_origin; /* not owned */
  int graft_first, graft_last;
  char path[CS_YTREE_PATH_MAX];
  size_t path_length;
  cs_error *err;
} cs_ytree;

/* Parses `length` bytes of `text` into `tree` (which need not be initialised). A YAML
 * syntax error gives CS_ERR_SYNTAX; an anchor, an alias, more than one document, an
 * empty document, nesting deeper than CS_YTREE_DEPTH_MAX or a text longer than
 * CS_YTREE_TEXT_MAX gives CS_ERR_COHORT; memory exhaustion gives CS_ERR_NOMEM. `origin`
 * names the text in messages and must outlive the tree. Whatever the outcome, the tree
 * must be released with cs_ytree_destroy. */
cs_status cs_ytree_load(cs_ytree *tree, const char *text, size_t length, const char *origin,
                        cs_error *err);

/* Applies overrides "dotted.key.path=VALUE" in order, each replacing the value at the
 * path (a scalar or a whole mapping or sequence) by a plain scalar VALUE, or adding the
 * key when only the last component is missing. A malformed argument (no '=', an empty
 * key or path component) and a path whose intermediate keys are missing or not mappings
 * are CS_ERR_USAGE: the command line, not the file, is wrong. `sets` must outlive the
 * tree: later errors at the nodes an override created cite the argument. */
cs_status cs_ytree_apply_sets(cs_ytree *tree, int n_sets, const char *const *sets);

/* Copies every node of `source` into the tree, for a reader that writes part of a
 * cohort from another format (cohort_sbml.c). Must come before the overrides. The
 * copies are located in messages as "ORIGIN:LINE" with LINE = lines[their line in
 * source] (0-based lines; n_lines of them); `origin` must outlive the tree. Sets
 * *root_id to the id the copy of source's root has. CS_ERR_NOMEM on exhaustion. */
cs_status cs_ytree_graft(cs_ytree *tree, yaml_document_t *source, const int *lines, int n_lines,
                         const char *origin, int *root_id);

/* Releases the document and the bookkeeping; safe on a zeroed or failed tree. */
void cs_ytree_destroy(cs_ytree *tree);

/* True if `node` was created by a --set override rather than read from the text (such
 * a node has no position in the file, and its value is the command line's choice). */
int cs_ytree_is_override(const cs_ytree *tree, const yaml_node_t *node);

/* The document's root node (never NULL after a successful load). */
yaml_node_t *cs_ytree_root(cs_ytree *tree);

/* Records a failure located at `node` (or at no node when NULL) with the current key
 * path, formatted as described above, and returns `status`. */
cs_status cs_ytree_fail(cs_ytree *tree, const yaml_node_t *node, cs_status status,
                        const char *format, ...) __attribute__((format(printf, 4, 5)));

/* The same for a problem at byte `offset` of a scalar's text (an unknown name inside a
 * formula): the column is the scalar's, plus one past an opening quote, plus the offset.
 * Exact for a scalar on one line without escapes; an override is located by its
 * argument as above. */
cs_status cs_ytree_fail_in_scalar(cs_ytree *tree, const yaml_node_t *node, size_t offset,
                                  cs_status status, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

/* Extends the key path by ".key" (or "key" at the top) or "[index]" and returns the
 * previous length, which cs_ytree_leave restores. */
size_t cs_ytree_enter(cs_ytree *tree, const char *key);
size_t cs_ytree_enter_index(cs_ytree *tree, int index);
void cs_ytree_leave(cs_ytree *tree, size_t mark);

/* The text of a scalar node, or NULL for a mapping or sequence. */
const char *cs_ytree_scalar(const yaml_node_t *node);

/* True for a plain empty, "~" or "null" scalar: YAML's null, which reads as an empty
 * mapping where a mapping is expected (`untreated:` means the same as `untreated: {}`). */
int cs_ytree_is_null(const yaml_node_t *node);

/* A scalar's text quoted in a message, shortened to 80 characters (a formula may run to
 * megabytes, and the message must still say what is wrong after it):
 * "cannot read " CS_YTREE_QUOTE_FORMAT ": ...", CS_YTREE_QUOTE(text). */
#define CS_YTREE_QUOTE_FORMAT "'%.*s%s'"
#define CS_YTREE_QUOTE(text)                                                                       \
  (strlen(text) > 80 ? 77 : (int)strlen(text)), (text), (strlen(text) > 80 ? "..." : "")

/* Describes a node for "got ..." in messages: 'text' for a scalar (shortened when long),
 * "a mapping" or "a list". */
void cs_ytree_describe(const yaml_node_t *node, char *buffer, size_t size);

/* Checks that `node` is a mapping (or null, read as empty) whose keys are distinct
 * scalars and, when `allowed` (NULL-terminated) is given, all among the allowed keys;
 * an unknown key's message suggests the nearest allowed one. Sets *n_pairs. */
cs_status cs_ytree_mapping(cs_ytree *tree, const yaml_node_t *node, const char *const *allowed,
                           int *n_pairs);

/* Pair `index` of a mapping checked by cs_ytree_mapping: its key text, key node and value. */
const char *cs_ytree_key(cs_ytree *tree, const yaml_node_t *mapping, int index);
yaml_node_t *cs_ytree_key_node(cs_ytree *tree, const yaml_node_t *mapping, int index);
yaml_node_t *cs_ytree_value(cs_ytree *tree, const yaml_node_t *mapping, int index);

/* The value of `key` in a checked mapping, or NULL when the key is absent. */
yaml_node_t *cs_ytree_lookup(cs_ytree *tree, const yaml_node_t *mapping, const char *key);

/* The same, failing with CS_ERR_COHORT ("required key is missing") when absent. */
cs_status cs_ytree_require(cs_ytree *tree, const yaml_node_t *mapping, const char *key,
                           yaml_node_t **value);

/* Checks that `node` is a sequence and sets *n_items; cs_ytree_item returns item `index`. */
cs_status cs_ytree_sequence(cs_ytree *tree, const yaml_node_t *node, int *n_items);
yaml_node_t *cs_ytree_item(cs_ytree *tree, const yaml_node_t *sequence, int index);

/* Reads a scalar as text. */
cs_status cs_ytree_string(cs_ytree *tree, const yaml_node_t *node, const char **value);

/* The value of `key` in a checked mapping read as `true` or `false`; `fallback` when the
 * key is absent. */
cs_status cs_ytree_flag(cs_ytree *tree, const yaml_node_t *mapping, const char *key, bool fallback,
                        bool *value);

/* Reads a finite number: the whole scalar must be a decimal (or hexadecimal) floating
 * point literal as strtod reads it; NaN, infinities and overflow (1e999) are rejected. */
cs_status cs_ytree_number(cs_ytree *tree, const yaml_node_t *node, double *value);

/* Reads an integral number in [min, max]. */
cs_status cs_ytree_integer(cs_ytree *tree, const yaml_node_t *node, long min, long max,
                           long *value);

/* Parses `text` entirely as a number with strtod (no surrounding space), or as YAML's
 * .inf/.nan spellings. Returns 1 and sets *value (possibly non-finite: the caller
 * decides) on success, 0 when `text` is not a number. */
int cs_ytree_parse_number(const char *text, double *value);

/* The candidate (NULL-terminated list) nearest to `word` in edit distance, or NULL when
 * none is close enough to be a plausible typo. */
const char *cs_ytree_suggest(const char *word, const char *const *candidates);

#endif
