#include "fuzz_support.h"

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
