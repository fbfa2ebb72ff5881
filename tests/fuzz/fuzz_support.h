/* What the libFuzzer harnesses share: the entry point's prototype, a sink for printed
 * output, an input as a NUL-terminated string, a file's bytes. */
#ifndef COHORTSIM_FUZZ_SUPPORT_H
#define COHORTSIM_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* libFuzzer calls it once per input; it must return 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /dev/null, opened once: the harnesses exercise the printing code without output. */
FILE *fuzz_sink(void);

/* The input with a NUL appended (allocated; free it), or NULL if out of memory. */
char *fuzz_string(const uint8_t *data, size_t size);

/* The bytes of file `path` (allocated; free it) and their number, or NULL if it cannot
 * be read. */
unsigned char *fuzz_read_file(const char *path, size_t *size);

#endif
