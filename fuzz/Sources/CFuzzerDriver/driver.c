/* Nothing here: the header declares a function libFuzzer defines. A C target needs one source file. */
#include "fuzzer_driver.h"
