/* What the libFuzzer harnesses share: the entry point's prototype, a sink for printed
 * output, and an input as a NUL-terminated string. */
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

#endif
