/* The command line: subcommands, their options, messages and exit codes. The only place
 * that prints errors or decides the exit code. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortsim/analysis.h"
#include "cohortsim/cohort.h"
#include "cohortsim/merge.h"
#include "cohortsim/report.h"
#include "cohortsim/sbml.h"
#include "cohortsim/verify.h"
#include "cs_version.h"
#include "driver.h"
#include "mpi_session.h"
#include "output_path.h"
#include "scheduler.h"
#include "summary.h"
#include "trajectory_csv.h"

/* Exit codes (docs/user-guide.md lists them). 75 is EX_TEMPFAIL of sysexits.h: try again
 * later, which is what a job script should do with an interrupted run. */
enum {
  EXIT_OK = 0,
  EXIT_FAILURE_RUNTIME = 1,
  EXIT_USAGE = 2,
  EXIT_BAD_COHORT = 3,
  EXIT_IO = 4,
  EXIT_MISMATCH = 5,
  EXIT_INTERRUPTED = 75,
};

static const char usage_text[] =
    "usage: cohortsim COMMAND [options]\n"
    "\n"
    "  run [COHORT.yaml] [-o OUT.nc] [-n PATIENTS] [-s SEED] [--set KEY=VALUE]...\n"
    "      [--resume | --restart] [--shard K/N] [--quiet]\n"
    "        simulate a cohort (default cohort: " CS_DEFAULT_COHORT ")\n"
    "        --resume: continue OUT.nc.partial; --restart: discard it (and replace an\n"
    "        existing OUT.nc when done)\n"
    "        under MPI: mpirun -n RANKS cohortsim run ... (or srun cohortsim run ...)\n"
    "  import MODEL.xml [-o COHORT.yaml] [--set followup_days=DAYS]\n"
    "      [--set report_every_days=DAYS]\n"
    "        write an SBML model as a cohort file (default: to standard output)\n"
    "  check COHORT.yaml [--set KEY=VALUE]...\n"
    "        validate a cohort file and print the resolved model and arms\n"
    "  summary OUT.nc\n"
    "        print the per-arm results of a run\n"
    "  verify OUT.nc [--sample K]\n"
    "        re-simulate K patients (default all) from the file alone, compare bit for bit\n"
    "  trajectory COHORT.yaml --patient I --arm NAME [-o traj.csv] [-s SEED]\n"
    "      [--set KEY=VALUE]... [--every DAYS]\n"
    "        one patient's path (every species and drug) as CSV\n"
    "  merge SHARD.nc... -o OUT.nc\n"
    "        join the shards of one cohort (--shard K/N runs) into the file of a single run\n"
    "  analyze OUT.nc [--arm NAME]... [--by COVARIATE] [-o ANALYSIS.nc]\n"
    "        Cox and logistic regressions on the covariates, sensitivity ranking, subgroups,\n"
    "        paired arm comparisons (docs/analysis.md)\n"
    "  report OUT.nc [-o report.html] [--by COVARIATE]\n"
    "        one self-contained HTML page of the run: tables, survival, burden, regressions,\n"
    "        sensitivity, subgroups (docs/report.md); default -o: OUT.html\n"
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
  case CS_ERR_BAD_FILE:
    return EXIT_IO;
  case CS_ERR_MISMATCH:
    return EXIT_MISMATCH;
  case CS_ERR_INTERRUPTED:
    return EXIT_INTERRUPTED;
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

/* True if text is one or more decimal digits and nothing else. strtoull alone would
 * also take leading blanks, a sign, and (with '-') wrap around. */
static bool all_digits(const char *text, size_t length)
{
  if (length == 0)
    return false;
  for (size_t i = 0; i < length; i++)
    if (!isdigit((unsigned char)text[i]))
      return false;
  return true;
}

static cs_status parse_count(const char *option, const char *text, uint64_t *value, cs_error *err)
{
  char *end;
  errno = 0;
  const unsigned long long parsed = strtoull(text, &end, 10);
  if (errno != 0 || !all_digits(text, strlen(text)))
    return cs_error_set(err, CS_ERR_USAGE, "%s expects a non-negative integer, got '%s'", option,
                        text);
  *value = parsed;
  return CS_OK;
}

static cs_status parse_days(const char *option, const char *text, double *value, cs_error *err)
{
  char *end;
  errno = 0;
  *value = strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(*value > 0) || *value > 1e9)
    return cs_error_set(err, CS_ERR_USAGE, "%s expects a positive number of days, got '%s'", option,
                        text);
  return CS_OK;
}

/* --shard K/N: shard K (0 <= K < N) of N, both digits only. */
static cs_status parse_shard(const char *text, int *index, int *count, cs_error *err)
{
  unsigned long k, n;
  char tail;
  const char *slash = strchr(text, '/');
  if (slash == NULL || !all_digits(text, (size_t)(slash - text)) ||
      !all_digits(slash + 1, strlen(slash + 1)) || sscanf(text, "%lu/%lu%c", &k, &n, &tail) != 2 ||
      n == 0 || k >= n || n > 1000000)
    return cs_error_set(err, CS_ERR_USAGE,
                        "--shard expects K/N with 0 <= K < N (e.g. 3/10), got '%s'", text);
  *index = (int)k;
  *count = (int)n;
  return CS_OK;
}

/* Everything any subcommand takes; each subcommand accepts its own subset. */
typedef struct parsed_args {
  cs_run_options run;
  const char **sets;
  int n_sets;
  const char **positional;
  int n_positional;
  uint64_t patient, sample;
  bool have_patient;
  const char *arm;
  const char **arms; /* every --arm, for analyze */
  int n_arms;
  const char *by;
  double every_days;
} parsed_args;

static cs_status add_to(const char ***list, int *n, const char *value, cs_error *err)
{
  const char **grown = realloc(*list, (size_t)(*n + 1) * sizeof *grown);
  if (grown == NULL)
    return cs_error_set(err, CS_ERR_NOMEM, "out of memory");
  *list = grown;
  (*list)[(*n)++] = value;
  return CS_OK;
}

enum {
  OPT_SET = 1000,
  OPT_RESUME,
  OPT_RESTART,
  OPT_SHARD,
  OPT_PATIENT,
  OPT_ARM,
  OPT_SAMPLE,
  OPT_EVERY,
  OPT_BY,
};

static cs_status parse_option(int c, const char *arg, parsed_args *a, cs_error *err)
{
  uint64_t number = 0;
  switch (c) {
  case 'o':
    a->run.output_path = arg;
    return CS_OK;
  case 'n':
    CS_CALL(parse_count("-n", arg, &number, err));
    CS_CHECK(number > 0, err, CS_ERR_USAGE, "-n expects at least one patient");
    CS_CHECK(number <= CS_MAX_PATIENTS, err, CS_ERR_USAGE,
             "-n expects at most %llu patients, got '%s'", (unsigned long long)CS_MAX_PATIENTS,
             arg);
    a->run.n_patients = (size_t)number;
    return CS_OK;
  case 's':
    return parse_count("-s", arg, &a->run.seed, err);
  case 'q':
    a->run.quiet = true;
    return CS_OK;
  case OPT_SET:
    return add_to(&a->sets, &a->n_sets, arg, err);
  case OPT_RESUME:
    a->run.resume = true;
    return CS_OK;
  case OPT_RESTART:
    a->run.restart = true;
    return CS_OK;
  case OPT_SHARD:
    return parse_shard(arg, &a->run.shard_index, &a->run.shard_count, err);
  case OPT_PATIENT:
    a->have_patient = true;
    return parse_count("--patient", arg, &a->patient, err);
  case OPT_ARM:
    a->arm = arg;
    return add_to(&a->arms, &a->n_arms, arg, err);
  case OPT_BY:
    a->by = arg;
    return CS_OK;
  case OPT_SAMPLE:
    CS_CALL(parse_count("--sample", arg, &a->sample, err));
    CS_CHECK(a->sample > 0, err, CS_ERR_USAGE, "--sample expects at least one patient");
    return CS_OK;
  case OPT_EVERY:
    return parse_days("--every", arg, &a->every_days, err);
  default:
    return CS_ERR_USAGE;
  }
}

/* True if `name` is one of the space-separated words of `allowed`. */
static bool allowed_option(const char *allowed, const char *name)
{
  const size_t length = strlen(name);
  for (const char *p = allowed; *p != '\0';) {
    const size_t word = strcspn(p, " ");
    if (word == length && strncmp(p, name, length) == 0)
      return true;
    p += word;
    p += strspn(p, " ");
  }
  return false;
}

/* Parses argv (argv[0] is the subcommand) accepting only the options in `allowed` (short
 * letters, and the long-only ones by name). */
static cs_status parse_args(int argc, char **argv, const char *allowed, parsed_args *a,
                            cs_error *err)
{
  static const struct option options[] = {{"output", required_argument, NULL, 'o'},
                                          {"patients", required_argument, NULL, 'n'},
                                          {"seed", required_argument, NULL, 's'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"set", required_argument, NULL, OPT_SET},
                                          {"resume", no_argument, NULL, OPT_RESUME},
                                          {"restart", no_argument, NULL, OPT_RESTART},
                                          {"shard", required_argument, NULL, OPT_SHARD},
                                          {"patient", required_argument, NULL, OPT_PATIENT},
                                          {"arm", required_argument, NULL, OPT_ARM},
                                          {"sample", required_argument, NULL, OPT_SAMPLE},
                                          {"every", required_argument, NULL, OPT_EVERY},
                                          {"by", required_argument, NULL, OPT_BY},
                                          {NULL, 0, NULL, 0}};
  int c, index;
  opterr = 0;
  optind = 1;
  for (;;) {
    c = getopt_long(argc, argv, "+o:n:s:q", options, &index);
    if (c == -1) {
      /* getopt stops at the first positional argument ("+"); options may follow it. */
      if (optind >= argc)
        break;
      if (strcmp(argv[optind], "--") == 0) {
        while (++optind < argc)
          CS_CALL(add_to(&a->positional, &a->n_positional, argv[optind], err));
        break;
      }
      CS_CALL(add_to(&a->positional, &a->n_positional, argv[optind++], err));
      continue;
    }
    const char short_name[2] = {(char)c, '\0'};
    const char *name = c < 256 ? short_name : options[index].name;
    if (c == '?' || c == ':')
      return cs_error_set(err, CS_ERR_USAGE, "unknown or incomplete option '%s' for '%s'\n%s",
                          argv[optind - 1], argv[0], usage_text);
    if (!allowed_option(allowed, name))
      return cs_error_set(err, CS_ERR_USAGE, "option '%s%s' is not for '%s'\n%s",
                          c < 256 ? "-" : "--", name, argv[0], usage_text);
    CS_CALL(parse_option(c, optarg, a, err));
  }
  a->run.sets = a->sets;
  a->run.n_sets = a->n_sets;
  return CS_OK;
}

static cs_status require_positional(const parsed_args *a, const char *command, int min, int max,
                                    const char *what, cs_error *err)
{
  if (a->n_positional < min)
    return cs_error_set(err, CS_ERR_USAGE, "%s\n%s", what, usage_text);
  if (max >= 0 && a->n_positional > max)
    return cs_error_set(err, CS_ERR_USAGE, "unexpected argument '%s' for '%s'\n%s",
                        a->positional[max], command, usage_text);
  return CS_OK;
}

static void free_args(parsed_args *a)
{
  free(a->sets);
  free(a->positional);
  free(a->arms);
}

static int command_run(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {.run = {.cohort_path = CS_DEFAULT_COHORT,
                           .output_path = "cohortsim.nc",
                           .n_patients = 1000,
                           .seed = 1,
                           .shard_index = 0,
                           .shard_count = 1}};
  cs_mpi_session_start(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  cs_scheduler_catch_signals();
  /* Every rank parses the same arguments, so they agree without talking. */
  cs_status status = parse_args(argc, argv, "o n s q set resume restart shard", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 0, 1, "", &err);
  if (status == CS_OK && a.run.resume && a.run.restart)
    status = cs_error_set(&err, CS_ERR_USAGE,
                          "--resume continues a checkpoint and --restart discards it: give one");
  if (status == CS_OK) {
    if (a.n_positional == 1)
      a.run.cohort_path = a.positional[0];
    status = cs_driver_run(&a.run, &err);
  }
  if (status == CS_OK && rank == 0 && !a.run.quiet)
    fprintf(stderr, "cohortsim: wrote %s (%zu patients, seed %" PRIu64 ")\n", a.run.output_path,
            a.run.n_patients, a.run.seed);
  const int code = report(status, &err, rank == 0);
  free_args(&a);
  cs_mpi_session_end();
  return code;
}

static int command_check(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {0};
  cs_cohort *cohort = NULL;
  cs_status status = parse_args(argc, argv, "set", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, 1, "check needs a cohort file", &err);
  if (status == CS_OK)
    status = cs_cohort_load_file(a.positional[0], a.n_sets, a.sets, &cohort, &err);
  if (status == CS_OK) {
    cs_cohort_print(cohort, stdout);
    printf("%s: valid\n", a.positional[0]);
  }
  cs_cohort_destroy(&cohort);
  free_args(&a);
  return report(status, &err, true);
}

/* Writes `text` to `path`, or to standard output when path is NULL. */
static cs_status write_text(const char *path, const char *text, cs_error *err)
{
  if (path == NULL) {
    fputs(text, stdout);
    return CS_OK;
  }
  FILE *file = fopen(path, "w");
  CS_CHECK(file != NULL, err, CS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  const bool written = fputs(text, file) >= 0;
  const bool closed = fclose(file) == 0;
  if (!written || !closed) {
    remove(path);
    return cs_error_set(err, CS_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  }
  return CS_OK;
}

static int command_import(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {0};
  char *text = NULL;
  cs_status status = parse_args(argc, argv, "o set", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, 1, "import needs an SBML file", &err);
  if (status == CS_OK)
    status = cs_sbml_import(a.positional[0], a.n_sets, a.sets, &text, &err);
  if (status == CS_OK)
    status = write_text(a.run.output_path, text, &err);
  free(text);
  free_args(&a);
  return report(status, &err, true);
}

static int command_summary(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {0};
  cs_status status = parse_args(argc, argv, "", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, 1, "summary needs an output file", &err);
  if (status == CS_OK)
    status = cs_summary_print(a.positional[0], stdout, &err);
  free_args(&a);
  return report(status, &err, true);
}

static int command_verify(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {0};
  cs_status status = parse_args(argc, argv, "sample", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, 1, "verify needs an output file", &err);
  if (status == CS_OK)
    status = cs_verify_file(a.positional[0], (size_t)a.sample, stdout, &err);
  free_args(&a);
  return report(status, &err, true);
}

/* The output checks of `run` (output_path.c) for a command's optional -o: a file name
 * in a writable directory, nothing or a regular file there (no device, FIFO, directory or
 * symbolic link), and none of the command's inputs. */
static cs_status check_optional_output(const parsed_args *a, cs_error *err)
{
  if (a->run.output_path == NULL)
    return CS_OK;
  return cs_output_path_check(a->run.output_path, a->n_positional, a->positional, err);
}

static int command_trajectory(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {.run = {.output_path = NULL, .seed = 1}};
  cs_status status = parse_args(argc, argv, "o s set patient arm every", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, 1, "trajectory needs a cohort file", &err);
  if (status == CS_OK && (!a.have_patient || a.arm == NULL))
    status = cs_error_set(&err, CS_ERR_USAGE, "trajectory needs --patient I and --arm NAME\n%s",
                          usage_text);
  if (status == CS_OK)
    status = check_optional_output(&a, &err);
  if (status == CS_OK) {
    const cs_trajectory_request request = {.cohort_path = a.positional[0],
                                           .n_sets = a.n_sets,
                                           .sets = a.sets,
                                           .seed = a.run.seed,
                                           .patient = (size_t)a.patient,
                                           .arm = a.arm,
                                           .every_days = a.every_days,
                                           .output_path = a.run.output_path};
    status = cs_trajectory_csv_write(&request, &err);
  }
  free_args(&a);
  return report(status, &err, true);
}

static int command_merge(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {0};
  cs_status status = parse_args(argc, argv, "o", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, -1, "merge needs shard files", &err);
  if (status == CS_OK && a.run.output_path == NULL)
    status = cs_error_set(&err, CS_ERR_USAGE, "merge needs -o OUT.nc\n%s", usage_text);
  if (status == CS_OK)
    status = check_optional_output(&a, &err);
  /* A merged file is a result like a run's: never replaced silently. */
  if (status == CS_OK && cs_output_path_exists(a.run.output_path))
    status = cs_error_set(&err, CS_ERR_IO, "'%s' exists: remove it or choose another -o",
                          a.run.output_path);
  if (status == CS_OK)
    status = cs_merge_shards(a.n_positional, a.positional, a.run.output_path, &err);
  if (status == CS_OK)
    fprintf(stderr, "cohortsim: merged %d shards into %s\n", a.n_positional, a.run.output_path);
  free_args(&a);
  return report(status, &err, true);
}

static int command_analyze(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {0};
  cs_status status = parse_args(argc, argv, "o arm by", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, 1, "analyze needs an output file", &err);
  if (status == CS_OK)
    status = check_optional_output(&a, &err);
  if (status == CS_OK) {
    const cs_analysis_request request = {.path = a.positional[0],
                                         .n_arms = a.n_arms,
                                         .arms = a.arms,
                                         .by = a.by,
                                         .output_path = a.run.output_path};
    status = cs_analysis_run(&request, stdout, &err);
  }
  free_args(&a);
  return report(status, &err, true);
}

static int command_report(int argc, char **argv)
{
  cs_error err = {0};
  parsed_args a = {0};
  cs_status status = parse_args(argc, argv, "o by", &a, &err);
  if (status == CS_OK)
    status = require_positional(&a, argv[0], 1, 1, "report needs an output file", &err);
  if (status == CS_OK)
    status = check_optional_output(&a, &err);
  if (status == CS_OK) {
    const cs_report_request request = {
        .path = a.positional[0], .by = a.by, .output_path = a.run.output_path};
    status = cs_report_write(&request, &err);
  }
  free_args(&a);
  return report(status, &err, true);
}

int main(int argc, char **argv)
{
  /* GSL's default handler aborts; every GSL call's status is checked where it is made. */
  gsl_set_error_handler_off();
  if (argc < 2) {
    fprintf(stderr, "cohortsim: error: no command given\n%s", usage_text);
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
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } commands[] = {
      {"run", command_run},       {"import", command_import},
      {"check", command_check},   {"summary", command_summary},
      {"verify", command_verify}, {"trajectory", command_trajectory},
      {"merge", command_merge},   {"analyze", command_analyze},
      {"report", command_report},
  };
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(command, commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "cohortsim: error: unknown command '%s'\n%s", command, usage_text);
  return EXIT_USAGE;
}
