/* What the resolver derives from a cohort's values (cohort_resolve.h). */
#include "cohort_resolve.h"

#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

/* Index of parameter `param` among the sampled ones, or -1 if it is fixed. */
static int sampled_index(const cs_cohort *c, int param)
{
  for (int k = 0; k < c->n_sampled; k++)
    if (c->sampled[k] == param)
      return k;
  return -1;
}

cs_status cs_cohort_factor_correlations(cs_cohort *c, cs_error *err)
{
  const size_t n = (size_t)c->n_sampled;
  gsl_matrix *m = gsl_matrix_alloc(n, n);
  if (m == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory factoring the correlations");
  gsl_matrix_set_identity(m);
  for (int i = 0; i < c->n_correlations; i++) {
    const size_t a = (size_t)sampled_index(c, c->correlation[i].param[0]);
    const size_t b = (size_t)sampled_index(c, c->correlation[i].param[1]);
    gsl_matrix_set(m, a, b, c->correlation[i].rho);
    gsl_matrix_set(m, b, a, c->correlation[i].rho);
  }
  /* GSL reports a matrix that is not positive definite through its error handler, which
   * aborts by default; the handler is switched off for this call so that a bad file is
   * an error message whoever calls the core, and restored after. */
  gsl_error_handler_t *previous = gsl_set_error_handler_off();
  const int rc = gsl_linalg_cholesky_decomp1(m);
  gsl_set_error_handler(previous);
  cs_status status = CS_OK;
  if (rc != GSL_SUCCESS) {
    status = cs_error_set(err, CS_ERR_COHORT,
                          "the correlation matrix of the sampled parameters is not positive "
                          "definite: these correlations cannot all hold at once (e.g. a and b "
                          "both strongly correlated with c but not with each other); weaken "
                          "some of them");
    goto cleanup;
  }
  c->correlation_factor = calloc(n * n, sizeof *c->correlation_factor);
  if (c->correlation_factor == NULL) {
    status = cs_error_set(err, CS_ERR_NOMEM, "out of memory factoring the correlations");
    goto cleanup;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j <= i; j++)
      c->correlation_factor[i * n + j] = gsl_matrix_get(m, i, j);

cleanup:
  gsl_matrix_free(m);
  return status;
}
