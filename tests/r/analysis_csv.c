/* Test driver of tests/r/compare_r.sh: fits a data set given as CSV with the analysis
 * layer's functions and prints every estimate as "key value" lines, which the R script
 * compares with survival::coxph, glm and print(survfit, rmean = tau).
 *
 * usage: analysis_csv DATA.csv TAU
 * DATA.csv: a header line, then rows "time,event,binary,covariate..." (numbers only); the
 * covariates are named by the header. Cox regresses (time, event) on the covariates,
 * logistic regression regresses binary on them, RMST is of (time, event) to TAU, and the
 * paired RMST difference compares (time, event) with the same columns in reverse order
 * of the rows, and with an arm in which every patient is censored after TAU (whose RMST
 * has no error), which gives the influence-function standard error of one arm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/analysis.h"

#define MAX_COLUMNS 32
#define MAX_ROWS 100000

typedef struct table {
  size_t n, p;
  char name[MAX_COLUMNS][64];
  const char *name_ptr[MAX_COLUMNS];
  double *time, *x;
  unsigned char *event, *binary;
} table;

static int read_header(FILE *in, table *t)
{
  char line[4096];
  if (fgets(line, sizeof line, in) == NULL)
    return -1;
  line[strcspn(line, "\r\n")] = '\0';
  size_t column = 0;
  for (char *field = strtok(line, ","); field != NULL; field = strtok(NULL, ","), column++)
    if (column >= 3 && column - 3 < MAX_COLUMNS) {
      snprintf(t->name[column - 3], sizeof t->name[0], "%s", field);
      t->name_ptr[column - 3] = t->name[column - 3];
    }
  t->p = column - 3;
  return column >= 3 && t->p <= MAX_COLUMNS ? 0 : -1;
}

static int read_rows(FILE *in, table *t)
{
  t->time = malloc(MAX_ROWS * sizeof *t->time);
  t->event = malloc(MAX_ROWS);
  t->binary = malloc(MAX_ROWS);
  t->x = malloc(MAX_ROWS * t->p * sizeof *t->x + 1);
  if (t->time == NULL || t->event == NULL || t->binary == NULL || t->x == NULL)
    return -1;
  double values[MAX_COLUMNS + 3];
  char line[4096];
  while (fgets(line, sizeof line, in) != NULL && t->n < MAX_ROWS) {
    char *p = line;
    for (size_t c = 0; c < t->p + 3; c++) {
      char *end;
      values[c] = strtod(p, &end);
      if (end == p)
        return -1;
      p = *end == ',' ? end + 1 : end;
    }
    t->time[t->n] = values[0];
    t->event[t->n] = values[1] != 0;
    t->binary[t->n] = values[2] != 0;
    memcpy(t->x + t->n * t->p, values + 3, t->p * sizeof *values);
    t->n++;
  }
  return 0;
}

static void print_fit(const char *model, const table *t, const double *coef, const double *se,
                      const cs_fit_summary *s)
{
  for (size_t j = 0; j < t->p; j++) {
    printf("%s_coef_%s %.17g\n", model, t->name[j], coef[j]);
    printf("%s_se_%s %.17g\n", model, t->name[j], se[j]);
  }
  printf("%s_loglik %.17g\n", model, s->loglik);
  if (strcmp(model, "cox") == 0)
    printf("cox_concordance %.17g\n", s->concordance);
}

/* The paired RMST difference of the data against arm b and its standard error. */
static int print_paired(const table *t, double tau, const double *time_b,
                        const unsigned char *event_b, const char *name, cs_error *err)
{
  double difference, std_error;
  if (cs_rmst_paired_difference(t->n, t->time, t->event, time_b, event_b, tau, &difference,
                                &std_error, err) != CS_OK)
    return 1;
  printf("%s_difference %.17g\n%s_se %.17g\n", name, difference, name, std_error);
  return 0;
}

static int fit_all(const table *t, double tau, double *time_b, unsigned char *event_b)
{
  cs_error err = {0};
  cs_fit_summary s;
  double coef[MAX_COLUMNS], se[MAX_COLUMNS], rmst, rmst_se;
  if (cs_cox_fit(t->n, t->p, t->x, t->name_ptr, t->time, t->event, coef, se, &s, &err) != CS_OK)
    goto failed;
  print_fit("cox", t, coef, se, &s);
  if (cs_logit_fit(t->n, t->p, t->x, t->name_ptr, t->binary, coef, se, &s, &err) != CS_OK)
    goto failed;
  print_fit("logit", t, coef, se, &s);
  if (cs_rmst(t->n, t->time, t->event, tau, &rmst, &rmst_se, &err) != CS_OK)
    goto failed;
  printf("rmst %.17g\nrmst_se %.17g\n", rmst, rmst_se);
  for (size_t i = 0; i < t->n; i++) {
    time_b[i] = t->time[t->n - 1 - i];
    event_b[i] = t->event[t->n - 1 - i];
  }
  if (print_paired(t, tau, time_b, event_b, "paired_reversed", &err) != 0)
    goto failed;
  for (size_t i = 0; i < t->n; i++) {
    time_b[i] = tau + 1;
    event_b[i] = 0;
  }
  if (print_paired(t, tau, time_b, event_b, "paired_censored", &err) != 0)
    goto failed;
  return 0;
failed:
  fprintf(stderr, "analysis_csv: %s\n", err.message);
  return 1;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: analysis_csv DATA.csv TAU\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "r");
  table t = {0};
  const int bad = in == NULL || read_header(in, &t) != 0 || read_rows(in, &t) != 0;
  if (in != NULL)
    fclose(in);
  double *time_b = malloc((t.n + 1) * sizeof *time_b);
  unsigned char *event_b = malloc(t.n + 1);
  const int code = bad || time_b == NULL || event_b == NULL
                       ? 2
                       : fit_all(&t, strtod(argv[2], NULL), time_b, event_b);
  free(time_b);
  free(event_b);
  if (bad)
    fprintf(stderr, "analysis_csv: cannot read %s\n", argv[1]);
  free(t.time);
  free(t.event);
  free(t.binary);
  free(t.x);
  return code;
}
