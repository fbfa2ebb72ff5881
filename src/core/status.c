#include "cohortsim/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cs_status_string(cs_status status)
{
  switch (status) {
#define CS_STATUS_CASE(code, message)                                                              \
  case code:                                                                                       \
    return message;
    CS_STATUS_LIST(CS_STATUS_CASE)
#undef CS_STATUS_CASE
  case CS_STATUS_COUNT:
    break;
  }
  return "unknown status";
}

cs_status cs_error_set(cs_error *err, cs_status status, const char *format, ...)
{
  if (err == NULL || err->status != CS_OK)
    return status;
  err->status = status;
  va_list args;
  va_start(args, format);
  vsnprintf(err->message, sizeof err->message, format, args);
  va_end(args);
  return status;
}

/* Appends as much of `text` as fits, keeping `out` terminated. */
static void append(char *out, size_t size, size_t *length, const char *text)
{
  while (*text != '\0' && *length + 1 < size)
    out[(*length)++] = *text++;
  out[*length] = '\0';
}

void cs_error_add_context(cs_error *err, const char *format, ...)
{
  if (err == NULL || err->status == CS_OK)
    return;
  char context[sizeof err->message], message[sizeof err->message];
  va_list args;
  va_start(args, format);
  vsnprintf(context, sizeof context, format, args);
  va_end(args);
  size_t length = 0;
  message[0] = '\0';
  append(message, sizeof message, &length, context);
  append(message, sizeof message, &length, ": ");
  append(message, sizeof message, &length, err->message);
  memcpy(err->message, message, length + 1);
}

void cs_error_clear(cs_error *err)
{
  if (err == NULL)
    return;
  err->status = CS_OK;
  err->message[0] = '\0';
}
