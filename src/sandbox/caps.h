/* The capability set the daemon keeps while it serves the guest. */
#ifndef CAPS_H
#define CAPS_H

#include <stddef.h>

/* Keep only CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID, SETUID, MKNOD and
 * SETFCAP (what passthrough needs), adjusted by modcaps ("+cap:-cap", names
 * with or without "cap_", case-insensitive; NULL for none), in the
 * effective, permitted and bounding sets.  Returns 0 or -1 (logged). */
int caps_restrict(const char *modcaps);
/* Check a modcaps string without applying it: 0, or -1 with err filled. */
int caps_check_modcaps(const char *modcaps, char *err, size_t errlen);

#endif
