#include "fuzz_support.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

FILE *fuzz_sink(void)
{
  static FILE *sink = NULL;
  if (sink == NULL)
    sink = fopen("/dev/null", "w");
  return sink;
}

char *fuzz_string(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  if (text == NULL)
    return NULL;
  if (size > 0)
    memcpy(text, data, size);
  text[size] = '\0';
  return text;
}

unsigned char *fuzz_read_file(const char *path, size_t *size)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  unsigned char *bytes = NULL;
  long length = -1;
  if (fseek(f, 0, SEEK_END) == 0 && (length = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
    bytes = malloc((size_t)length + 1);
  if (bytes != NULL && fread(bytes, 1, (size_t)length, f) != (size_t)length) {
    free(bytes);
    bytes = NULL;
  }
  fclose(f);
  *size = bytes != NULL ? (size_t)length : 0;
  return bytes;
}

/* The harnesses run the library as cohortsim's main does, which switches GSL's aborting
 * error handler off once (src/driver/main.c) and checks every GSL status where it is
 * returned; with the handler on, a failed Cholesky factor in a fit aborted the harness. */
__attribute__((constructor)) static void run_like_main(void)
{
  gsl_set_error_handler_off();
}
