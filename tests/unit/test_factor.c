/* Unit tests of the rate-law factor table (factor.h): every kind has a row whose syntax
 * is consistent (its key, scale key and exponent key are among its allowed keys, and it
 * refers to a scale exactly when cs_factor has one to bind), what each kind reads, and
 * the drug factors' values at an effect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cohortsim/factor.h"

static int allows(const cs_factor_info *info, const char *key)
{
  for (const char *const *k = info->allowed; *k != NULL; k++)
    if (strcmp(*k, key) == 0)
      return 1;
  return 0;
}

static void test_every_row_allows_its_own_keys(void **state)
{
  (void)state;
  for (int k = 0; k < CS_FACTOR_KINDS; k++) {
    const cs_factor_info *info = &cs_factor_table[k];
    if (k == CS_FACTOR_BINOMIAL || k == CS_FACTOR_FORMULA) {
      /* Made by the reader from reactants and rate laws, never written as factors. */
      assert_null(info->key);
      assert_null(info->allowed);
      continue;
    }
    assert_non_null(info->key);
    assert_true(allows(info, info->key));
    if (info->scale_key != NULL)
      assert_true(allows(info, info->scale_key));
    if (info->exponent_key != NULL)
      assert_true(allows(info, info->exponent_key));
  }
}

static void test_scales_are_the_bounded_kinds(void **state)
{
  (void)state;
  assert_null(cs_factor_table[CS_FACTOR_SPECIES].scale_key);
  assert_string_equal(cs_factor_table[CS_FACTOR_LOGISTIC].scale_key, "capacity");
  assert_string_equal(cs_factor_table[CS_FACTOR_HILL].scale_key, "half");
  assert_string_equal(cs_factor_table[CS_FACTOR_HILL].exponent_key, "n");
  assert_string_equal(cs_factor_table[CS_FACTOR_SATURATE].scale_key, "half");
  assert_null(cs_factor_table[CS_FACTOR_EFFECT].scale_key);
  assert_null(cs_factor_table[CS_FACTOR_INHIBIT].scale_key);
}

static void test_what_each_kind_reads(void **state)
{
  (void)state;
  const cs_factor hill = {.kind = CS_FACTOR_HILL, .target = 2};
  assert_true(cs_factor_reads_species(&hill, 2));
  assert_false(cs_factor_reads_species(&hill, 1));
  assert_false(cs_factor_reads_drug(&hill));

  const cs_factor logistic = {.kind = CS_FACTOR_LOGISTIC, .target = -1, .n_sum = 2, .sum = {0, 3}};
  assert_true(cs_factor_reads_species(&logistic, 0));
  assert_true(cs_factor_reads_species(&logistic, 3));
  assert_false(cs_factor_reads_species(&logistic, 1));

  /* A drug factor's target is a drug index, never a species. */
  const cs_factor effect = {.kind = CS_FACTOR_EFFECT, .target = 0};
  assert_false(cs_factor_reads_species(&effect, 0));
  assert_true(cs_factor_reads_drug(&effect));

  const cs_factor binomial = {.kind = CS_FACTOR_BINOMIAL, .target = 1, .order = 2};
  assert_true(cs_factor_reads_species(&binomial, 1));
  assert_false(cs_factor_reads_species(&binomial, 0));
  assert_false(cs_factor_reads_drug(&binomial));
}

static void test_drug_factors_at_an_effect(void **state)
{
  (void)state;
  const cs_factor effect = {.kind = CS_FACTOR_EFFECT, .target = 0};
  const cs_factor inhibit = {.kind = CS_FACTOR_INHIBIT, .target = 0};
  assert_true(cs_factor_of_effect(&effect, 0.25) == 0.25);
  assert_true(cs_factor_of_effect(&inhibit, 0.25) == 0.75);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_row_allows_its_own_keys),
      cmocka_unit_test(test_scales_are_the_bounded_kinds),
      cmocka_unit_test(test_what_each_kind_reads),
      cmocka_unit_test(test_drug_factors_at_an_effect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
