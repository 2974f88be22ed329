#ifndef PODLAB_CEDITLINE_SHIM_H
#define PODLAB_CEDITLINE_SHIM_H
#include <stdio.h>
#include <histedit.h>
#endif
