/* Unit tests of the SBML reader (sbml.h) on small SBML texts: what each element becomes
 * in the cohort language (species in amounts and in concentrations, local parameters,
 * function definitions, initial assignments, assignment rules as observables, events,
 * mass action recognised or not), the time units, and every refusal with its message
 * naming the element's id and its line. The models are written one element per line,
 * so the line a message names is known.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cohortsim/cohort.h"
#include "cohortsim/sbml.h"

/* Lines 1 and 2 are these; the model's own elements start on line 3. */
static const char header_l3[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" "
                                "level=\"3\" version=\"2\">\n";

/* An SBML text: the header, then `model` (which opens <model ...>), then the closings. */
static char *document(const char *header, const char *model)
{
  const size_t n = strlen(header) + strlen(model) + 32;
  char *text = malloc(n);
  assert_non_null(text);
  snprintf(text, n, "%s%s</model>\n</sbml>\n", header, model);
  return text;
}

/* Reads `model` (L3v2) and returns its YAML; fails the test on an error. */
static char *read_ok(const char *model, double unit_days)
{
  char *xml = document(header_l3, model);
  cs_sbml_model m = {0};
  cs_error err = {0};
  const cs_status status = cs_sbml_read(xml, "m.xml", unit_days, &m, &err);
  free(xml);
  if (status != CS_OK)
    fail_msg("%s", err.message);
  char *yaml = m.yaml;
  m.yaml = NULL;
  cs_sbml_model_free(&m);
  return yaml;
}

/* Reads `model` and checks that it is refused with exactly `message`. */
static void read_refused(const char *header, const char *model, const char *message)
{
  char *xml = document(header, model);
  cs_sbml_model m = {0};
  cs_error err = {0};
  const cs_status status = cs_sbml_read(xml, "m.xml", 0, &m, &err);
  free(xml);
  assert_int_equal(status, CS_ERR_COHORT);
  assert_null(m.yaml);
  assert_string_equal(err.message, message);
}

static void expect_in(const char *yaml, const char *line)
{
  if (strstr(yaml, line) == NULL)
    fail_msg("expected '%s' in:\n%s", line, yaml);
}

/* Line 3 onwards: a compartment, species X (amount), parameters k and d, and the
 * listOf headers the tests fill. */
#define MODEL_OPEN "<model id=\"m\" timeUnits=\"day\">\n"
#define DAY_UNIT                                                                                   \
  "<listOfUnitDefinitions><unitDefinition id=\"day\"><listOfUnits><unit kind=\"second\" "          \
  "exponent=\"1\" scale=\"0\" multiplier=\"86400\"/></listOfUnits></unitDefinition>"               \
  "</listOfUnitDefinitions>\n"
#define COMPARTMENT                                                                                \
  "<listOfCompartments><compartment id=\"cell\" spatialDimensions=\"3\" size=\"2\" "               \
  "constant=\"true\"/></listOfCompartments>\n"
/* Species X in cell: `initial` is its initialAmount or initialConcentration attribute,
 * `amounts` its hasOnlySubstanceUnits. */
#define SPECIES_X_WITH(initial, amounts)                                                           \
  "<species id=\"X\" compartment=\"cell\" " initial " hasOnlySubstanceUnits=\"" amounts            \
  "\" boundaryCondition=\"false\" constant=\"false\"/>"
#define SPECIES_X                                                                                  \
  "<listOfSpecies>" SPECIES_X_WITH("initialAmount=\"100\"", "true") "</listOfSpecies>\n"
#define PARAMS                                                                                     \
  "<listOfParameters><parameter id=\"k\" value=\"0.1\" constant=\"true\"/>"                        \
  "<parameter id=\"d\" value=\"0.2\" constant=\"true\"/></listOfParameters>\n"
#define PREAMBLE MODEL_OPEN DAY_UNIT COMPARTMENT SPECIES_X PARAMS
#define MATH_OPEN "<math xmlns=\"http://www.w3.org/1998/Math/MathML\">"
/* Reaction `id` (with the attributes `attrs`) consuming `stoich` X at the propensity `law`
 * (MathML). */
#define X_REACTION(id, attrs, stoich, law)                                                         \
  "<reaction id=\"" id "\" " attrs "><listOfReactants><speciesReference species=\"X\" "            \
  "stoichiometry=\"" stoich "\" constant=\"true\"/></listOfReactants><kineticLaw>" MATH_OPEN law   \
  "</math></kineticLaw></reaction>"
#define DEATH_REACTION                                                                             \
  X_REACTION("death", "reversible=\"false\"", "1", "<apply><times/><ci>d</ci><ci>X</ci></apply>")  \
  "\n"
/* Death of X at d * X, on line 8. */
#define DEATH "<listOfReactions>\n" DEATH_REACTION "</listOfReactions>\n"

static void test_mass_action_and_units(void **state)
{
  (void)state;
  char *yaml = read_ok(PREAMBLE DEATH, 0);
  expect_in(yaml, "parameters:\n  cell: 2\n  k: 0.1\n  d: 0.2\n");
  expect_in(yaml, "species:\n  X: {initial: 100}\n");
  /* A unit of 86400 s is one day: no scaling. */
  expect_in(yaml, "  death: {reactants: {X: 1}, mass_action: \"d\"}\n");
  free(yaml);
  /* Hours: a propensity per hour is 24 per day. */
  char *hours = strdup(PREAMBLE DEATH);
  char *at = strstr(hours, "86400\"/>");
  memcpy(at, " 3600\"/>", 8);
  yaml = read_ok(hours, 0);
  expect_in(yaml, "  death: {reactants: {X: 1}, mass_action: \"d * 24\"}\n");
  free(yaml);
  free(hours);
}

/* A species' initial assignment that reads only parameters and compartments becomes its
 * `initial` expression (a patient's parameters flow into it), in concentration units
 * times its compartment; one that reads a species is evaluated by libsbml's converter. */
static void test_species_initial_assignments(void **state)
{
  (void)state;
  const char *model = MODEL_OPEN DAY_UNIT COMPARTMENT "<listOfSpecies>" SPECIES_X_WITH(
      "initialAmount=\"1\"",
      "true") "<species id=\"Y\" compartment=\"cell\" initialConcentration=\"1\" "
              "hasOnlySubstanceUnits=\"false\" boundaryCondition=\"false\" constant=\"false\"/>"
              "<species id=\"Z\" compartment=\"cell\" initialAmount=\"1\" "
              "hasOnlySubstanceUnits=\"true\" boundaryCondition=\"false\" constant=\"false\"/>"
              "</listOfSpecies>\n" PARAMS "<listOfInitialAssignments>"
              "<initialAssignment symbol=\"X\">" MATH_OPEN
              "<apply><times/><ci>k</ci><cn>1000</cn></apply></math></initialAssignment>"
              "<initialAssignment symbol=\"Y\">" MATH_OPEN
              "<apply><plus/><ci>k</ci><cn>1</cn></apply></math></initialAssignment>"
              "<initialAssignment symbol=\"Z\">" MATH_OPEN
              "<apply><times/><cn>2</cn><ci>X</ci></apply></math></initialAssignment>"
              "</listOfInitialAssignments>\n" DEATH;
  char *yaml = read_ok(model, 0);
  expect_in(yaml, "  X: {initial: \"(k * 1000)\"}\n");
  expect_in(yaml, "  Y: {initial: \"(k + 1) * cell\"}\n");
  expect_in(yaml, "  Z: {initial: 200}\n");
  free(yaml);
}

/* A kinetic law of any length is written whole (the cohort reader, not the SBML reader,
 * judges whether its formula is too large): 1000 nested sums, some 6 kB on one line. */
static void test_long_law(void **state)
{
  (void)state;
  enum { depth = 1000 };
  const char open[] = "<apply><plus/><cn>1</cn>", close[] = "</apply>";
  char *law = malloc(depth * (sizeof open + sizeof close) + 64);
  assert_non_null(law);
  char *at = law;
  for (int i = 0; i < depth; i++)
    at += sprintf(at, "%s", open);
  at += sprintf(at, "<ci>d</ci>");
  for (int i = 0; i < depth; i++)
    at += sprintf(at, "%s", close);
  const char *head = MODEL_OPEN DAY_UNIT COMPARTMENT SPECIES_X PARAMS "<listOfReactions>\n";
  const char *reaction = X_REACTION("death", "reversible=\"false\"", "1", "%s");
  char *model = malloc(strlen(head) + strlen(reaction) + strlen(law) + 64);
  assert_non_null(model);
  sprintf(model, "%s", head);
  sprintf(model + strlen(model), reaction, law);
  strcat(model, "\n</listOfReactions>\n");
  char *yaml = read_ok(model, 0);
  expect_in(yaml, "  death: {reactants: {X: 1}, rate: \"(1 + (1 + (1 + ");
  assert_true(strlen(yaml) > 5 * depth); /* beyond the 4096 bytes a line once had */
  free(yaml);
  free(model);
  free(law);
}

static void test_undeclared_time_unit(void **state)
{
  (void)state;
  const char *model = "<model id=\"m\">\n" COMPARTMENT SPECIES_X PARAMS DEATH;
  char *yaml = read_ok(model, 0);
  expect_in(yaml, "mass_action: \"d\"}");
  free(yaml);
  /* time_unit: minutes -> 1440 model units a day. */
  yaml = read_ok(model, 1 / 1440.0);
  expect_in(yaml, "mass_action: \"d * 1440\"}");
  free(yaml);
  assert_true(cs_sbml_unit_days("hours") == 1 / 24.0);
  assert_true(cs_sbml_unit_days("fortnights") == 0);
  /* A model that declares its unit takes no time_unit. */
  char *xml = document(header_l3, PREAMBLE DEATH);
  cs_sbml_model m = {0};
  cs_error err = {0};
  assert_int_equal(cs_sbml_read(xml, "m.xml", 1.0, &m, &err), CS_ERR_COHORT);
  assert_string_equal(err.message, "m.xml:3: model 'm': the model declares its time unit "
                                   "('day'): time_unit is only for a model that declares none");
  free(xml);
}

/* Level 2: the time is in seconds unless the model redefines `time`; local parameters
 * are Parameter elements of the kinetic law. */
static void test_level2(void **state)
{
  (void)state;
  static const char header_l2[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  "<sbml xmlns=\"http://www.sbml.org/sbml/level2/version4\" "
                                  "level=\"2\" version=\"4\">\n";
  static const char model[] =
      "<model id=\"m\">\n"
      "<listOfCompartments><compartment id=\"cell\" size=\"1\"/></listOfCompartments>\n"
      "<listOfSpecies><species id=\"X\" compartment=\"cell\" initialAmount=\"7\" "
      "hasOnlySubstanceUnits=\"true\"/></listOfSpecies>\n"
      "<listOfReactions>\n"
      "<reaction id=\"death\" reversible=\"false\"><listOfReactants><speciesReference "
      "species=\"X\"/></listOfReactants><kineticLaw>" MATH_OPEN
      "<apply><times/><ci>mu</ci><ci>X</ci></apply></math><listOfParameters><parameter "
      "id=\"mu\" value=\"0.5\"/></listOfParameters></kineticLaw></reaction>\n"
      "</listOfReactions>\n";
  char *xml = document(header_l2, model);
  cs_sbml_model m = {0};
  cs_error err = {0};
  if (cs_sbml_read(xml, "m.xml", 0, &m, &err) != CS_OK)
    fail_msg("%s", err.message);
  expect_in(m.yaml, "  death_mu: 0.5\n");
  expect_in(m.yaml, "  death: {reactants: {X: 1}, mass_action: \"death_mu * 86400\"}\n");
  cs_sbml_model_free(&m);
  free(xml);
}

/* X in a concentration of 50, and a saturating reaction that reads it. */
#define SPECIES_X_CONCENTRATION                                                                    \
  "<listOfSpecies>" SPECIES_X_WITH("initialConcentration=\"50\"", "false") "</listOfSpecies>\n"
#define SATURATION_REACTION                                                                        \
  X_REACTION("sat", "reversible=\"false\"", "1",                                                   \
             "<apply><divide/><ci>X</ci><apply><plus/><ci>k</ci><ci>X</ci></apply></apply>")       \
  "\n"

static void test_concentrations(void **state)
{
  (void)state;
  const char *model = MODEL_OPEN DAY_UNIT COMPARTMENT SPECIES_X_CONCENTRATION PARAMS
      "<listOfReactions>\n" DEATH_REACTION SATURATION_REACTION "</listOfReactions>\n";
  char *yaml = read_ok(model, 0);
  /* The count is concentration times size; in math X reads as X / cell. */
  expect_in(yaml, "  X: {initial: \"50 * cell\"}\n");
  expect_in(yaml, "  death: {reactants: {X: 1}, mass_action: \"d * 1 / cell\"}\n");
  expect_in(yaml, "  sat: {reactants: {X: 1}, rate: \"((X / cell) / (k + (X / cell)))\"}\n");
  free(yaml);
}

static void test_local_parameters_and_functions(void **state)
{
  (void)state;
  const char *model = MODEL_OPEN DAY_UNIT
      "<listOfFunctionDefinitions><functionDefinition id=\"hill2\">" MATH_OPEN
      "<lambda><bvar><ci>x</ci></bvar><bvar><ci>K</ci></bvar><apply><divide/><apply><times/>"
      "<ci>x</ci><ci>x</ci></apply><apply><plus/><apply><times/><ci>K</ci><ci>K</ci></apply>"
      "<apply><times/><ci>x</ci><ci>x</ci></apply></apply></apply></lambda></math>"
      "</functionDefinition></listOfFunctionDefinitions>\n" COMPARTMENT SPECIES_X PARAMS
      "<listOfReactions>\n"
      "<reaction id=\"R\" reversible=\"false\"><listOfReactants><speciesReference "
      "species=\"X\" stoichiometry=\"1\" "
      "constant=\"true\"/></listOfReactants><kineticLaw>" MATH_OPEN
      "<apply><times/><ci>k</ci><apply><ci>hill2</ci><ci>X</ci><ci>K</ci></apply></apply></math>"
      "<listOfLocalParameters><localParameter id=\"k\" value=\"3\"/><localParameter id=\"K\" "
      "value=\"40\"/></listOfLocalParameters></kineticLaw></reaction>\n"
      "</listOfReactions>\n";
  char *yaml = read_ok(model, 0);
  /* Local parameters become REACTION_PARAMETER, shadowing the global k in R's law. */
  expect_in(yaml, "  R_k: 3\n  R_K: 40\n");
  expect_in(yaml,
            "  R: {reactants: {X: 1}, rate: \"(R_k * ((X * X) / ((R_K * R_K) + (X * X))))\"}");
  free(yaml);
}

static void test_rules_events_initial_assignments(void **state)
{
  (void)state;
  const char *model = MODEL_OPEN DAY_UNIT COMPARTMENT SPECIES_X
      "<listOfParameters><parameter id=\"k\" value=\"0.1\" constant=\"true\"/>"
      "<parameter id=\"d\" value=\"0.2\" constant=\"true\"/>"
      "<parameter id=\"y\" value=\"0\" constant=\"false\"/></listOfParameters>\n"
      "<listOfInitialAssignments><initialAssignment symbol=\"d\">" MATH_OPEN
      "<apply><times/><cn>5</cn><ci>k</ci></apply></math></initialAssignment>"
      "</listOfInitialAssignments>\n"
      "<listOfRules><assignmentRule variable=\"y\">" MATH_OPEN
      "<apply><times/><cn>2</cn><ci>X</ci></apply></math></assignmentRule></listOfRules>\n"
      "<listOfEvents>\n"
      "<event id=\"reset\" useValuesFromTriggerTime=\"true\"><trigger initialValue=\"true\" "
      "persistent=\"true\">" MATH_OPEN "<apply><geq/><csymbol encoding=\"text\" "
      "definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol><cn>25</cn></apply>"
      "</math></trigger><listOfEventAssignments><eventAssignment variable=\"X\">" MATH_OPEN
      "<cn>50</cn></math></eventAssignment></listOfEventAssignments></event>\n"
      "<event id=\"cap\" useValuesFromTriggerTime=\"true\"><trigger initialValue=\"false\" "
      "persistent=\"true\">" MATH_OPEN "<apply><gt/><ci>y</ci><cn>300</cn></apply></math>"
      "</trigger><listOfEventAssignments><eventAssignment variable=\"X\">" MATH_OPEN
      "<cn>0</cn></math></eventAssignment></listOfEventAssignments></event>\n"
      "</listOfEvents>\n";
  char *yaml = read_ok(model, 0);
  /* The initial assignment is evaluated by libsbml's converter: d = 5k. */
  expect_in(yaml, "  d: 0.5\n");
  /* The rule is an observable, and inlined where the trigger reads it. */
  expect_in(yaml, "observables:\n  y: \"(2 * X)\"\n");
  expect_in(yaml, "events:\n  - name: reset\n    when: \"t >= 25\"\n    fires_at_start: false\n"
                  "    set:\n      X: \"50\"\n");
  expect_in(yaml, "  - name: cap\n    when: \"((((2 * X)) > 300))\"\n    set:\n      X: \"0\"\n");
  assert_null(strstr(yaml, "  y: 0"));
  free(yaml);
}

/* X at 0, and S a boundary species at 10. */
#define BOUNDARY_S                                                                                 \
  "<species id=\"S\" compartment=\"cell\" initialAmount=\"10\" hasOnlySubstanceUnits=\"true\" "    \
  "boundaryCondition=\"true\" constant=\"false\"/>"
#define SPECIES_X_AND_BOUNDARY_S                                                                   \
  "<listOfSpecies>" SPECIES_X_WITH("initialAmount=\"0\"", "true") BOUNDARY_S "</listOfSpecies>\n"

static void test_boundary_species_and_catalysts(void **state)
{
  (void)state;
  const char *model = MODEL_OPEN DAY_UNIT COMPARTMENT SPECIES_X_AND_BOUNDARY_S PARAMS
      "<listOfReactions>\n"
      "<reaction id=\"in\" reversible=\"false\"><listOfReactants><speciesReference species=\"S\" "
      "stoichiometry=\"1\" constant=\"true\"/></listOfReactants><listOfProducts>"
      "<speciesReference species=\"X\" stoichiometry=\"1\" constant=\"true\"/></listOfProducts>"
      "<kineticLaw>" MATH_OPEN "<apply><times/><ci>k</ci><ci>S</ci></apply></math></kineticLaw>"
      "</reaction>\n"
      "<reaction id=\"idle\" reversible=\"false\"><listOfReactants><speciesReference "
      "species=\"S\" stoichiometry=\"1\" "
      "constant=\"true\"/></listOfReactants><kineticLaw>" MATH_OPEN
      "<ci>k</ci></math></kineticLaw></reaction>\n"
      "</listOfReactions>\n";
  char *yaml = read_ok(model, 0);
  /* A boundary species is read, never changed: a rate law, not mass action. */
  expect_in(yaml, "  in: {products: {X: 1}, rate: \"(k * S)\"}\n");
  expect_in(yaml, "  # idle changes no species' count");
  free(yaml);
}

/* Level 3 Version 1, which still has fast reactions. */
static const char header_l3v1[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  "<sbml xmlns=\"http://www.sbml.org/sbml/level3/version1/core\" "
                                  "level=\"3\" version=\"1\">\n";

/* One refused element on line 8 (after PREAMBLE), with its message. */
static void refused_in(const char *header, const char *element, const char *message)
{
  char model[4096];
  snprintf(model, sizeof model, "%s%s", PREAMBLE, element);
  read_refused(header, model, message);
}

static void refused(const char *element, const char *message)
{
  refused_in(header_l3, element, message);
}

#define REACTION(attrs, stoich, law)                                                               \
  "<listOfReactions>" X_REACTION("R", attrs, stoich, law) "</listOfReactions>\n"

static void test_refusals(void **state)
{
  (void)state;
  refused("<listOfRules><rateRule variable=\"k\">" MATH_OPEN "<cn>1</cn></math></rateRule>"
          "</listOfRules>\n",
          "m.xml:8: rate rule 'k': rate rules (continuous ODE terms) are not supported in a "
          "stochastic simulation");
  refused("<listOfRules><algebraicRule>" MATH_OPEN "<apply><minus/><ci>k</ci><ci>d</ci></apply>"
          "</math></algebraicRule></listOfRules>\n",
          "m.xml:8: algebraic rule '': algebraic rules are not supported");
  refused_in(header_l3v1, REACTION("reversible=\"false\" fast=\"true\"", "1", "<ci>k</ci>"),
             "m.xml:8: reaction 'R': fast reactions (in equilibrium) are not supported");
  refused(REACTION("reversible=\"true\"", "1", "<ci>k</ci>"),
          "m.xml:8: reaction 'R': a reversible reaction's kinetic law is a net rate, not a "
          "propensity: write the two directions as two irreversible reactions");
  refused(REACTION("reversible=\"false\"", "1.5", "<ci>k</ci>"),
          "m.xml:8: reaction 'R': the stoichiometry of 'X' is 1.5: a stochastic simulation needs "
          "a whole number of copies (1 to 1000)");
  refused(REACTION("reversible=\"false\"", "1", "<apply><sin/><ci>k</ci></apply>"),
          "m.xml:8: reaction 'R': the MathML element 'sin' is not supported (no such function in "
          "cohortsim's formulas)");
  refused(REACTION("reversible=\"false\"", "1", "<ci>nothing</ci>"),
          "m.xml:8: reaction 'R': 'nothing' is not a species, compartment or parameter of the "
          "model");
  refused("<listOfEvents><event id=\"late\" useValuesFromTriggerTime=\"true\"><trigger "
          "initialValue=\"false\" persistent=\"true\">" MATH_OPEN "<apply><gt/><ci>X</ci>"
          "<cn>5</cn></apply></math></trigger><delay>" MATH_OPEN "<cn>1</cn></math></delay>"
          "<listOfEventAssignments><eventAssignment variable=\"X\">" MATH_OPEN "<cn>1</cn></math>"
          "</eventAssignment></listOfEventAssignments></event></listOfEvents>\n",
          "m.xml:8: event 'late': delayed events are not supported");
  refused("<listOfEvents><event id=\"first\" useValuesFromTriggerTime=\"true\"><trigger "
          "initialValue=\"false\" persistent=\"true\">" MATH_OPEN "<apply><gt/><ci>X</ci>"
          "<cn>5</cn></apply></math></trigger><priority>" MATH_OPEN "<cn>1</cn></math></priority>"
          "<listOfEventAssignments><eventAssignment variable=\"X\">" MATH_OPEN "<cn>1</cn></math>"
          "</eventAssignment></listOfEventAssignments></event></listOfEvents>\n",
          "m.xml:8: event 'first': event priorities are not supported (simultaneous events fire "
          "in file order)");
}

static void test_packages_and_bad_xml(void **state)
{
  (void)state;
  static const char distrib[] =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" "
      "xmlns:distrib=\"http://www.sbml.org/sbml/level3/version1/distrib/version1\" level=\"3\" "
      "version=\"2\" distrib:required=\"true\">\n";
  read_refused(distrib, "<model id=\"m\">\n",
               "m.xml:2: sbml: the package 'distrib' "
               "(http://www.sbml.org/sbml/level3/version1/distrib/version1) is not supported: "
               "SBML core only");
  cs_sbml_model m = {0};
  cs_error err = {0};
  assert_int_equal(cs_sbml_read("<sbml><model", "m.xml", 0, &m, &err), CS_ERR_COHORT);
  if (strncmp(err.message, "m.xml:", 6) != 0 || strstr(err.message, ": not valid SBML: ") == NULL)
    fail_msg("%s", err.message);
}

/* The same model through the graft (a cohort file beside the SBML file) and through the
 * import gives the same cohort, and an error in the grafted model names the SBML line. */
static void test_graft(void **state)
{
  (void)state;
  char dir[] = "/tmp/cs_test_sbml_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256], cohort_path[256];
  snprintf(path, sizeof path, "%s/m.xml", dir);
  snprintf(cohort_path, sizeof cohort_path, "%s/c.yaml", dir);
  char *xml = document(header_l3, PREAMBLE DEATH);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(xml, f);
  fclose(f);
  free(xml);
  f = fopen(cohort_path, "w");
  assert_non_null(f);
  fputs("name: m\nmethod: exact\nfollowup_days: 10\nreport_every_days: 0.1\n"
        "model: {sbml: m.xml}\narms:\n  baseline: {}\n",
        f);
  fclose(f);
  cs_cohort *grafted = NULL, *imported = NULL;
  cs_error err = {0};
  assert_int_equal(cs_cohort_load_file(cohort_path, 0, NULL, &grafted, &err), CS_OK);
  char *text = NULL;
  assert_int_equal(cs_sbml_import(path, 0, NULL, &text, &err), CS_OK);
  assert_int_equal(cs_cohort_load_string(text, "imported", 0, NULL, &imported, &err), CS_OK);
  assert_int_equal(grafted->n_params, imported->n_params);
  assert_int_equal(grafted->n_reactions, imported->n_reactions);
  assert_string_equal(grafted->reaction[0].name, "death");
  assert_true(grafted->reaction[0].rate.coef == imported->reaction[0].rate.coef);
  assert_non_null(grafted->sbml_text);
  assert_null(imported->sbml_text);
  cs_cohort_destroy(&grafted);
  cs_cohort_destroy(&imported);
  free(text);
  /* A --set on an SBML parameter; an unknown one is a usage error. */
  const char *sets[] = {"parameters.d=0.5"};
  assert_int_equal(cs_cohort_load_file(cohort_path, 1, sets, &grafted, &err), CS_OK);
  assert_true(grafted->param[cs_cohort_find_param(grafted, "d")].dist.value == 0.5);
  cs_cohort_destroy(&grafted);
  const char *bad_sets[] = {"parameters.dd=0.5"};
  assert_int_equal(cs_cohort_load_file(cohort_path, 1, bad_sets, &grafted, &err), CS_ERR_USAGE);
  /* A negative initial amount in the SBML is the resolver's error, at the SBML line. */
  xml = document(header_l3, PREAMBLE DEATH);
  char *amount = strstr(xml, "initialAmount=\"100\"");
  memcpy(amount, "initialAmount=\"-10\"", 19);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(xml, f);
  fclose(f);
  free(xml);
  cs_error err2 = {0};
  assert_int_equal(cs_cohort_load_file(cohort_path, 0, NULL, &grafted, &err2), CS_ERR_COHORT);
  char want[512];
  snprintf(want, sizeof want, "%s:6: species.X.initial: ", path);
  if (strncmp(err2.message, want, strlen(want)) != 0)
    fail_msg("got '%s', want it to start with '%s'", err2.message, want);
  remove(path);
  remove(cohort_path);
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mass_action_and_units),
      cmocka_unit_test(test_undeclared_time_unit),
      cmocka_unit_test(test_species_initial_assignments),
      cmocka_unit_test(test_long_law),
      cmocka_unit_test(test_level2),
      cmocka_unit_test(test_concentrations),
      cmocka_unit_test(test_local_parameters_and_functions),
      cmocka_unit_test(test_rules_events_initial_assignments),
      cmocka_unit_test(test_boundary_species_and_catalysts),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_packages_and_bad_xml),
      cmocka_unit_test(test_graft),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
