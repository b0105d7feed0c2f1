/* Confine the daemon to the shared directory before it serves the guest. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>

#include "options/options.h"

struct sandbox_result {
	const char *root;   /* the shared directory as seen after sandboxing */
	int proc_self_fd;   /* an fd of /proc/self/fd, to reopen O_PATH fds */
	bool user_namespace; /* namespace sandbox of a non-root user: we are
			      * now uid 0 of our own user namespace */
};

/* namespace: new mount/PID/net namespaces, the share bound recursively with
 * slave propagation and made the root with pivot_root (the parent process
 * stays outside, waits for the sandboxed child and exits with its status);
 * started by a non-root user, a user namespace too (created with the others,
 * its ids mapped from outside: o->uid_map/gid_map through newuidmap and
 * newgidmap, else the user's own uid and gid as 0), in which the serving
 * process becomes uid/gid 0 with the namespace's capabilities;
 * chroot: chroot(2) into the share; none: nothing.  Returns 0 or -1 (logged). */
int sandbox_enter(const struct options *o, struct sandbox_result *r);

#endif
