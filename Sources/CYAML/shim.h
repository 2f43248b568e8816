#ifndef EDPCTL_CYAML_SHIM_H
#define EDPCTL_CYAML_SHIM_H
#include <yaml.h>
#endif
