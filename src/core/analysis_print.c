/* The readable tables of `cohortsim analyze`. */
#include <math.h>
#include <stdio.h>

#include "analysis_run.h"

static const char *arm_name(const cs_analysis_data *d, int a)
{
  return d->cohort->arm[d->arm[a]].name;
}

/* exp(estimate) with its 95% Wald interval, e.g. "1.52 (1.20-1.93)", or "-" without a
 * fit. */
static void format_ratio(double coef, double se, double scale, char *out, size_t size)
{
  if (isnan(coef))
    snprintf(out, size, "-");
  else
    snprintf(out, size, "%.3g (%.3g-%.3g)", exp(coef * scale), exp((coef - CS_Z95 * se) * scale),
             exp((coef + CS_Z95 * se) * scale));
}

/* A p-value, or "-" where there is none. */
static void format_p(double p, char *out, size_t size)
{
  if (isnan(p))
    snprintf(out, size, "-");
  else
    snprintf(out, size, "%.3g", p);
}

static void print_fit(const cs_analysis_data *d, const cs_analysis_fit *f, const cs_fit_kind *kind,
                      FILE *out)
{
  fprintf(out, "%s", kind->title);
  if (!isnan(f->summary.concordance))
    fprintf(out, ", concordance %.3f", f->summary.concordance);
  fprintf(out, "\n  %-24s %-5s %-26s %-30s %9s\n", "covariate", "scale", kind->ratio, "per unit",
          "p");
  for (size_t j = 0; j < d->p; j++) {
    char per_sd[64], per_unit[64], p[16];
    format_ratio(f->coef[j], f->se[j], d->sd[j], per_sd, sizeof per_sd);
    format_ratio(f->coef[j], f->se[j], 1, per_unit, sizeof per_unit);
    format_p(cs_wald_p(f->coef[j], f->se[j]), p, sizeof p);
    fprintf(out, "  %-24s %-5s %-26s %-30s %9s\n", d->name[j], d->log_scale[j] ? "log" : "-",
            per_sd, per_unit, p);
  }
  if (f->summary.note[0] != '\0')
    fprintf(out, "  note: %s\n", f->summary.note);
}

static void print_prcc(const cs_analysis_data *d, const cs_analysis_arm *r, FILE *out)
{
  fprintf(out, "Partial rank correlations (Marino et al. 2008), PRCC (p)\n  %-24s", "covariate");
  for (int k = 0; k < CS_PRCC_OUTCOMES; k++)
    fprintf(out, " %-22s", cs_prcc_outcome_name[k]);
  fputc('\n', out);
  for (size_t j = 0; j < d->p; j++) {
    fprintf(out, "  %-24s", d->name[j]);
    for (int k = 0; k < CS_PRCC_OUTCOMES; k++) {
      char cell[32];
      snprintf(cell, sizeof cell, "%+.3f (%.2g)", r->prcc[k][j], r->prcc_p[k][j]);
      fprintf(out, " %-22s", isnan(r->prcc[k][j]) ? "-" : cell);
    }
    fputc('\n', out);
  }
  for (int k = 0; k < CS_PRCC_OUTCOMES; k++)
    if (r->prcc_note[k][0] != '\0')
      fprintf(out, "  note (%s): %s\n", cs_prcc_outcome_name[k], r->prcc_note[k]);
}

static void print_groups(const cs_subgroups *s, const char *const *label, FILE *out)
{
  for (int g = 0; g < s->n_groups; g++) {
    char median[16];
    snprintf(median, sizeof median, "%.1f", s->median_os[g]);
    fprintf(out, "    %-20s n %6zu  median OS %8s  RMST %8.1f\n", label[g], s->count[g],
            isnan(s->median_os[g]) ? "NR" : median, s->rmst_os[g]);
  }
  fprintf(out, "    log-rank p %.3g\n", s->logrank_p);
}

static void print_subgroups(const cs_analysis_data *d, const cs_analysis_results *res,
                            const cs_analysis_arm *r, FILE *out)
{
  static const char *const trait_label[] = {"without", "with"};
  for (size_t j = 0; j < d->p; j++)
    if (d->is_trait[j]) {
      fprintf(out, "  OS by %s\n", d->name[j]);
      print_groups(&r->by_trait[j], trait_label, out);
    }
  if (res->by < 0)
    return;
  char low[48], mid[64], high[48];
  snprintf(low, sizeof low, "<= %.4g", res->tertile_cut[0]);
  snprintf(mid, sizeof mid, "(%.4g, %.4g]", res->tertile_cut[0], res->tertile_cut[1]);
  snprintf(high, sizeof high, "> %.4g", res->tertile_cut[1]);
  const char *const label[] = {low, mid, high};
  fprintf(out, "  OS by tertile of %s%s\n", d->log_scale[res->by] ? "log " : "", d->name[res->by]);
  print_groups(&r->by_tertile, label, out);
}

static void print_arm(const cs_analysis_data *d, const cs_analysis_results *res, int a, FILE *out)
{
  const cs_analysis_arm *r = &res->arm[a];
  fprintf(out, "\n== arm %s: %zu patients, %zu deaths, %zu relapses or deaths, %zu cleared ==\n",
          arm_name(d, a), d->n, r->os_events, r->rfs_events, r->n_cleared);
  for (int k = 0; k < CS_FITS; k++)
    print_fit(d, &r->fit[k], &cs_fit_kinds[k], out);
  print_prcc(d, r, out);
  fprintf(out, "Overall survival: RMST to %g days %.1f (SE %.2f)\n", d->tau, r->rmst_os,
          r->rmst_os_se);
  print_subgroups(d, res, r, out);
}

static void print_pairs(const cs_analysis_data *d, const cs_analysis_results *res, FILE *out)
{
  const size_t k = (size_t)d->n_arms;
  if (k < 2)
    return;
  fprintf(out, "\n== paired comparisons (every arm has the same patients) ==\n");
  fprintf(out, "  %-32s %-34s %9s  %-20s %9s\n", "arms (A - B)", "RMST difference (95% CI), days",
          "p", "cleared only A / B", "McNemar p");
  for (size_t a = 0; a < k; a++)
    for (size_t b = a + 1; b < k; b++) {
      const double diff = res->rmst_difference[a * k + b], se = res->rmst_difference_se[a * k + b];
      char pair[2 * CS_NAME_MAX + 4], ci[64], only[48], p[16];
      snprintf(pair, sizeof pair, "%s - %s", arm_name(d, (int)a), arm_name(d, (int)b));
      snprintf(ci, sizeof ci, "%.1f (%.1f to %.1f)", diff, diff - CS_Z95 * se, diff + CS_Z95 * se);
      snprintf(only, sizeof only, "%zu / %zu", res->cleared_only_a[a * k + b],
               res->cleared_only_a[b * k + a]);
      format_p(cs_wald_p(diff, se), p, sizeof p);
      fprintf(out, "  %-32s %-34s %9s  %-20s %9.3g\n", pair, ci, p, only,
              res->mcnemar_p[a * k + b]);
    }
}

void cs_analysis_print(const cs_analysis_data *d, const cs_analysis_results *res, FILE *out)
{
  fprintf(out, "%s: %zu patients, %d arms, follow-up %g days; %zu covariates", d->path, d->n,
          d->n_arms, d->tau, d->p);
  fprintf(out, " (ratios per SD and per unit of the covariate, on the log scale where 'log')\n");
  for (int a = 0; a < d->n_arms; a++)
    print_arm(d, res, a, out);
  print_pairs(d, res, out);
}
