#ifndef PODLAB_FUZZER_DRIVER_H
#define PODLAB_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer): runs the fuzzing loop with `callback` as the
   target. podlab-fuzz calls it from its own main, since SwiftPM gives every executable a main of its own. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
