/* The command line: subcommands, their options, messages and exit codes. The only place
 * that prints errors or decides the exit code. */
#include <errno.h>
#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/cohort.h"
#include "cs_version.h"
#include "driver.h"
#include "summary.h"

/* Exit codes (docs/user-guide.md lists them). */
enum {
  EXIT_OK = 0,
  EXIT_FAILURE_RUNTIME = 1,
  EXIT_USAGE = 2,
  EXIT_BAD_COHORT = 3,
  EXIT_IO = 4,
};

static const char usage_text[] =
    "usage: cohortsim COMMAND [options]\n"
    "\n"
    "  run [COHORT.yaml] [-o OUT.nc] [-n PATIENTS] [-s SEED] [--set KEY=VALUE]... [--quiet]\n"
    "        simulate a cohort (default cohort: " CS_DEFAULT_COHORT ")\n"
    "        under MPI: mpirun -n RANKS cohortsim run ... (or srun cohortsim run ...)\n"
    "  check COHORT.yaml [--set KEY=VALUE]...\n"
    "        validate a cohort file and print the resolved model and arms\n"
    "  summary OUT.nc\n"
    "        print the per-arm results of a run\n"
    "  --version, --help\n";

static int exit_code(cs_status status)
{
  switch (status) {
  case CS_OK:
    return EXIT_OK;
  case CS_ERR_USAGE:
    return EXIT_USAGE;
  case CS_ERR_SYNTAX:
  case CS_ERR_COHORT:
    return EXIT_BAD_COHORT;
  case CS_ERR_IO:
  case CS_ERR_NETCDF:
    return EXIT_IO;
  default:
    return EXIT_FAILURE_RUNTIME;
  }
}

static int report(cs_status status, const cs_error *err, bool print)
{
  if (status != CS_OK && print)
    fprintf(stderr, "cohortsim: error: %s\n",
            err->message[0] != '\0' ? err->message : cs_status_string(status));
  return exit_code(status);
}

static cs_status parse_count(const char *option, const char *text, uint64_t *value, cs_error *err)
{
  char *end;
  errno = 0;
  const unsigned long long parsed = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
    return cs_error_set(err, CS_ERR_USAGE, "%s expects a non-negative integer, got '%s'", option,
                        text);
  *value = parsed;
  return CS_OK;
}

/* Options shared by run and check: the --set list grows as it is parsed. */
typedef struct parsed_args {
  cs_run_options run;
  const char **sets;
  int n_sets;
  const char *positional;
} parsed_args;

static cs_status add_set(parsed_args *args, const char *value, cs_error *err)
{
  const char **grown = realloc(args->sets, (size_t)(args->n_sets + 1) * sizeof *grown);
  if (grown == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  args->sets = grown;
  args->sets[args->n_sets++] = value;
  return CS_OK;
}

static cs_status parse_args(int argc, char **argv, bool run_options, parsed_args *args,
                            cs_error *err)
{
  static const struct option long_options[] = {
      {"output", required_argument, NULL, 'o'}, {"patients", required_argument, NULL, 'n'},
      {"seed", required_argument, NULL, 's'},   {"set", required_argument, NULL, 'S'},
      {"quiet", no_argument, NULL, 'q'},        {NULL, 0, NULL, 0}};
  uint64_t number;
  int c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, run_options ? "o:n:s:q" : "", long_options, NULL)) != -1) {
    if (!run_options && c != 'S')
      c = '?';
    switch (c) {
    case 'o':
      args->run.output_path = optarg;
      break;
    case 'n':
      CS_CALL(parse_count("-n", optarg, &number, err));
      CS_CHECK(number > 0, err, CS_ERR_USAGE, "-n expects at least one patient");
      args->run.n_patients = (size_t)number;
      break;
    case 's':
      CS_CALL(parse_count("-s", optarg, &args->run.seed, err));
      break;
    case 'S':
      CS_CALL(add_set(args, optarg, err));
      break;
    case 'q':
      args->run.quiet = true;
      break;
    default:
      return cs_error_set(err, CS_ERR_USAGE, "unknown or incomplete option '%s' for '%s'\n%s",
                          argv[optind - 1], argv[0], usage_text);
    }
  }
  if (optind < argc)
    args->positional = argv[optind++];
  CS_CHECK(optind == argc, err, CS_ERR_USAGE, "unexpected argument '%s'\n%s", argv[optind],
           usage_text);
  args->run.sets = args->sets;
  args->run.n_sets = args->n_sets;
  return CS_OK;
}

static int command_run(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args args = {.run = {.cohort_path = CS_DEFAULT_COHORT,
                              .output_path = "cohortsim.nc",
                              .n_patients = 1000,
                              .seed = 1}};
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  /* Every rank parses the same arguments, so they agree without talking. */
  cs_status status = parse_args(argc, argv, true, &args, &err);
  if (status == CS_OK) {
    if (args.positional != NULL)
      args.run.cohort_path = args.positional;
    status = cs_driver_run(&args.run, &err);
  }
  if (status == CS_OK && rank == 0 && !args.run.quiet)
    fprintf(stderr, "cohortsim: wrote %s (%zu patients, seed %" PRIu64 ")\n",
            args.run.output_path, args.run.n_patients, args.run.seed);
  const int code = report(status, &err, rank == 0);
  free(args.sets);
  MPI_Finalize();
  return code;
}

static int command_check(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args args = {0};
  cs_cohort *cohort = NULL;
  cs_status status = parse_args(argc, argv, false, &args, &err);
  if (status == CS_OK && args.positional == NULL)
    status = cs_error_set(&err, CS_ERR_USAGE, "check needs a cohort file\n%s", usage_text);
  if (status == CS_OK)
    status = cs_cohort_load_file(args.positional, args.n_sets, args.sets, &cohort, &err);
  if (status == CS_OK) {
    cs_cohort_print(cohort, stdout);
    printf("%s: valid\n", args.positional);
  }
  cs_cohort_destroy(&cohort);
  free(args.sets);
  return report(status, &err, true);
}

static int command_summary(int argc, char **argv)
{
  cs_error err = {0};
  cs_status status = argc == 2 ? cs_summary_print(argv[1], stdout, &err)
                               : cs_error_set(&err, CS_ERR_USAGE, "usage: cohortsim summary OUT.nc");
  return report(status, &err, true);
}

int main(int argc, char **argv)
{
  /* GSL's default handler aborts; every GSL call's status is checked where it is made. */
  gsl_set_error_handler_off();
  if (argc < 2) {
    fputs(usage_text, stderr);
    return EXIT_USAGE;
  }
  const char *command = argv[1];
  if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
    fputs(usage_text, stdout);
    return EXIT_OK;
  }
  if (strcmp(command, "--version") == 0) {
    printf("cohortsim %s (git %s)\n", CS_VERSION_STRING, CS_GIT_REVISION);
    return EXIT_OK;
  }
  if (strcmp(command, "run") == 0)
    return command_run(argc - 1, argv + 1);
  if (strcmp(command, "check") == 0)
    return command_check(argc - 1, argv + 1);
  if (strcmp(command, "summary") == 0)
    return command_summary(argc - 1, argv + 1);
  fprintf(stderr, "cohortsim: error: unknown command '%s'\n%s", command, usage_text);
  return EXIT_USAGE;
}
