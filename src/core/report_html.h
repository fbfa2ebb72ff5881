/* The HTML page of `cohortsim report` (private to src/core/report*.c): one self-contained
 * page, its style sheet inline, written to a stream section by section. Every piece of
 * text that comes from a file (arm, covariate and cohort names, the cohort's text) goes
 * through cs_html_escape, so no name can break the markup or inject a script. */
#ifndef COHORTSIM_REPORT_HTML_H
#define COHORTSIM_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes text with &, <, >, " and ' replaced by their entities. */
void cs_html_escape(FILE *out, const char *text);

/* printf into a buffer, then cs_html_escape: formatted text from any source. */
void cs_html_printf(FILE *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The page's head (title escaped, the inline style sheet) and the opening of its body. */
void cs_html_begin(FILE *out, const char *title);
void cs_html_end(FILE *out);

/* A table of contents: links to the sections' ids. */
void cs_html_contents(FILE *out, size_t n, const char *const *ids, const char *const *titles);

/* Opens section `id` with its heading; cs_html_section_end closes it. */
void cs_html_section_begin(FILE *out, const char *id, const char *title);
void cs_html_section_end(FILE *out);

/* A paragraph of explanatory text (escaped). */
void cs_html_note(FILE *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* A table: the header row (n cells, escaped), then rows: each opens with its label
 * (escaped) after a colour swatch (NULL: none), then cell by cell. */
void cs_html_table_begin(FILE *out, size_t n, const char *const *headers);
void cs_html_row_begin(FILE *out, const char *swatch_colour, const char *label);
void cs_html_cell(FILE *out, const char *format, ...) __attribute__((format(printf, 2, 3)));
void cs_html_row_end(FILE *out);
void cs_html_table_end(FILE *out);

#endif
