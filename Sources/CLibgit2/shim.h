#ifndef EDPCTL_CLIBGIT2_SHIM_H
#define EDPCTL_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
