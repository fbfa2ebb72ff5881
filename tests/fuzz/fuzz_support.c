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
