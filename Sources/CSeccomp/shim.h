#ifndef PODLAB_CSECCOMP_SHIM_H
#define PODLAB_CSECCOMP_SHIM_H
#include <seccomp.h>
#endif
