/* Status codes and the error context that carries the first failure upward.
 *
 * Every core function returns a cs_status. The first function that detects a failure
 * fills a cs_error with a message that says where (cohort file:line:column and key path,
 * or the reaction, drug or species); callers that know more (the patient, the arm) put
 * it in front with cs_error_add_context, and otherwise only propagate the code. The core never
 * prints, exits or aborts: main turns the status into a message and an exit code.
 */
#ifndef COHORTSIM_STATUS_H
#define COHORTSIM_STATUS_H

#include <stddef.h>

/* One list, so codes and messages never drift apart. */
#define CS_STATUS_LIST(X)                                                                          \
  X(CS_OK, "success")                                                                              \
  X(CS_ERR_NOMEM, "out of memory")                                                                 \
  X(CS_ERR_IO, "input/output error")                                                               \
  X(CS_ERR_SYNTAX, "syntax error in cohort file")                                                  \
  X(CS_ERR_COHORT, "invalid cohort file")                                                          \
  X(CS_ERR_USAGE, "invalid command line")                                                          \
  X(CS_ERR_NUMERIC, "numerical failure")                                                           \
  X(CS_ERR_NETCDF, "NetCDF error")                                                                 \
  X(CS_ERR_MPI, "MPI error")                                                                       \
  X(CS_ERR_MISMATCH, "re-simulation does not match the file")                                      \
  X(CS_ERR_BAD_FILE, "malformed or incomplete output file")                                        \
  X(CS_ERR_INTERRUPTED, "interrupted by a signal; continue with --resume")

typedef enum {
#define CS_STATUS_ENUM(code, message) code,
  CS_STATUS_LIST(CS_STATUS_ENUM)
#undef CS_STATUS_ENUM
      CS_STATUS_COUNT
} cs_status;

/* The context of the first failure. Zero-initialise it (cs_error err = {0}). */
typedef struct cs_error {
  cs_status status;
  char message[1024];
} cs_error;

/* The fixed message of a status code ("unknown status" for an out-of-range value). */
const char *cs_status_string(cs_status status);

/* Records a failure with a printf-style message and returns `status`, so a failing check
 * reads `return cs_error_set(err, CS_ERR_COHORT, "...", ...)`. Only the first failure is
 * kept: later calls return their status but leave the message alone. `err` may be NULL. */
cs_status cs_error_set(cs_error *err, cs_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts context in front of a recorded failure's message ("patient 17, arm triple: ..."),
 * for callers that know where the failing call was made. Does nothing without one. */
void cs_error_add_context(cs_error *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears a recorded failure, for callers that handle it and go on. */
void cs_error_clear(cs_error *err);

/* Propagate a failing call's status (its callee has already filled the cs_error). */
#define CS_CALL(call)                                                                              \
  do {                                                                                             \
    cs_status cs_call_status_ = (call);                                                            \
    if (cs_call_status_ != CS_OK)                                                                  \
      return cs_call_status_;                                                                      \
  } while (0)

/* Check a condition on input; on failure record the message and return the status. */
#define CS_CHECK(condition, err, status, ...)                                                      \
  do {                                                                                             \
    if (!(condition))                                                                              \
      return cs_error_set((err), (status), __VA_ARGS__);                                           \
  } while (0)

#endif
