/* The user namespace of a daemon started by a non-root user with
 * --sandbox=namespace: created together with the other namespaces, its ids
 * mapped from outside (--uid-map/--gid-map through newuidmap/newgidmap,
 * else the user's own uid and gid as 0). */
#ifndef USERNS_H
#define USERNS_H

#include "options/options.h"

/* unshare(flags | CLONE_NEWUSER) and the maps written by a helper process
 * that stays outside.  0, or -1 logged (one line) with nothing left running. */
int userns_enter(const struct options *o, int flags);

/* In the serving process: become uid and gid 0 of the namespace, and drop
 * supplementary groups where the namespace allows it.  0 or -1 (logged). */
int userns_become_root(void);

#endif
