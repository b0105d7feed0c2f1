/* The seccomp allowlist: exactly the system calls the daemon makes once it
 * serves the guest (the set-up before it, namespaces and mounts, is done). */
#ifndef SECCOMP_FILTER_H
#define SECCOMP_FILTER_H

#include <stdbool.h>
#include "options/options.h"

/* Install the filter for the whole process (threads created later inherit
 * it).  extra_syslog adds what syslog(3) needs.  Returns 0 or -1 (logged). */
int seccomp_install(enum seccomp_action action, bool extra_syslog);

#endif
