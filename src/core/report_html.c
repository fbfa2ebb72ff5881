/* The HTML page of `cohortsim report`: markup and its escaping, nothing about the data. */
#include "report_html.h"

#include <stdarg.h>
#include <stdlib.h>

void cs_html_escape(FILE *out, const char *text)
{
  for (const char *c = text; *c != '\0'; c++)
    switch (*c) {
    case '&':
      fputs("&amp;", out);
      break;
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&#39;", out);
      break;
    default:
      fputc(*c, out);
    }
}

/* vprintf into memory, escaped; a failed allocation writes nothing, and the stream's
 * error state is what the caller checks at the end. */
static void escape_vprintf(FILE *out, const char *format, va_list args)
{
  va_list copy;
  va_copy(copy, args);
  const int length = vsnprintf(NULL, 0, format, copy);
  va_end(copy);
  char *text = length >= 0 ? malloc((size_t)length + 1) : NULL;
  if (text == NULL)
    return;
  vsnprintf(text, (size_t)length + 1, format, args);
  cs_html_escape(out, text);
  free(text);
}

void cs_html_printf(FILE *out, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  escape_vprintf(out, format, args);
  va_end(args);
}

/* Colours and type chosen for print and screen: a serif-free body, tabular numbers so
 * columns of figures line up, figures that scale down on a narrow window. */
static const char style_sheet[] =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;color:#222;margin:0;"
    "background:#fafafa;line-height:1.45}"
    "main{max-width:1100px;margin:0 auto;padding:24px 32px 48px;background:#fff;"
    "box-shadow:0 0 12px rgba(0,0,0,.06)}"
    "h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 8px;"
    "padding-bottom:4px;border-bottom:2px solid #e3e3e3}h3{font-size:15px;margin:18px 0 6px}"
    "p.note{color:#555;font-size:13.5px;max-width:900px}"
    "nav{background:#f3f5f8;border:1px solid #e0e4ea;padding:8px 16px;font-size:14px}"
    "nav ol{margin:4px 0;padding-left:22px;columns:2}nav a{color:#0b5394;text-decoration:none}"
    "table{border-collapse:collapse;font-size:13.5px;margin:8px 0;"
    "font-variant-numeric:tabular-nums}"
    "th{background:#f0f2f5;text-align:left;font-weight:600}"
    "th,td{border:1px solid #dde1e6;padding:4px 10px}td.num{text-align:right}"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px;border-radius:2px;"
    "vertical-align:-1px}"
    ".figures{display:flex;flex-wrap:wrap;gap:12px}"
    "svg{background:#fff;max-width:100%;height:auto}"
    "svg text{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif}"
    "pre{background:#f6f8fa;border:1px solid #e0e4ea;padding:10px;font-size:12px;"
    "overflow:auto;max-height:360px}"
    "details{margin:8px 0}summary{cursor:pointer;color:#0b5394}";

void cs_html_begin(FILE *out, const char *title)
{
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        out);
  cs_html_escape(out, title);
  fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<h1>", style_sheet);
  cs_html_escape(out, title);
  fputs("</h1>\n", out);
}

/* Once the page has loaded, it records on its root element how many of its figures
 * rendered with a size ("K/N"), so an automated check of the page in a browser
 * (tests/e2e/report.sh) reads one attribute instead of injecting a script. */
static const char figure_check[] =
    "addEventListener('load',function(){var f=document.querySelectorAll('svg,img'),k=0;"
    "f.forEach(function(e){var b=e.getBoundingClientRect();if(b.width>0&&b.height>0&&"
    "(e.tagName!=='IMG'||(e.complete&&e.naturalWidth>0)))k++;});"
    "document.documentElement.setAttribute('data-figures-rendered',k+'/'+f.length);});";

void cs_html_end(FILE *out)
{
  fprintf(out, "</main>\n<script>%s</script>\n</body>\n</html>\n", figure_check);
}

void cs_html_contents(FILE *out, size_t n, const char *const *ids, const char *const *titles)
{
  fputs("<nav><strong>Contents</strong><ol>\n", out);
  for (size_t i = 0; i < n; i++) {
    fputs("<li><a href=\"#", out);
    cs_html_escape(out, ids[i]);
    fputs("\">", out);
    cs_html_escape(out, titles[i]);
    fputs("</a></li>\n", out);
  }
  fputs("</ol></nav>\n", out);
}

void cs_html_section_begin(FILE *out, const char *id, const char *title)
{
  fputs("<section id=\"", out);
  cs_html_escape(out, id);
  fputs("\">\n<h2>", out);
  cs_html_escape(out, title);
  fputs("</h2>\n", out);
}

void cs_html_section_end(FILE *out)
{
  fputs("</section>\n", out);
}

void cs_html_note(FILE *out, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  fputs("<p class=\"note\">", out);
  escape_vprintf(out, format, args);
  fputs("</p>\n", out);
  va_end(args);
}

void cs_html_table_begin(FILE *out, size_t n, const char *const *headers)
{
  fputs("<table>\n<tr>", out);
  for (size_t i = 0; i < n; i++) {
    fputs("<th>", out);
    cs_html_escape(out, headers[i]);
    fputs("</th>", out);
  }
  fputs("</tr>\n", out);
}

void cs_html_row_begin(FILE *out, const char *swatch_colour, const char *label)
{
  fputs("<tr><td>", out);
  if (swatch_colour != NULL)
    fprintf(out, "<span class=\"swatch\" style=\"background:%s\"></span>", swatch_colour);
  cs_html_escape(out, label);
  fputs("</td>", out);
}

void cs_html_cell(FILE *out, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  fputs("<td>", out);
  escape_vprintf(out, format, args);
  fputs("</td>", out);
  va_end(args);
}

void cs_html_row_end(FILE *out)
{
  fputs("</tr>\n", out);
}

void cs_html_table_end(FILE *out)
{
  fputs("</table>\n", out);
}
