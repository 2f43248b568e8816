#ifndef EDPCTL_CLIBGIT2_SHIM_H
#define EDPCTL_CLIBGIT2_SHIM_H
#include <git2.h>
/* The in-memory object backend, so a commit's new objects reach the disk as one pack file. */
#include <git2/sys/odb_backend.h>
#include <git2/sys/mempack.h>
#include <git2/sys/repository.h>
#endif
