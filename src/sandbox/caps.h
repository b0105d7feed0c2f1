/* The capability set the daemon keeps while it serves the guest. */
#ifndef CAPS_H
#define CAPS_H

#include <stdbool.h>
#include <stddef.h>

/* Keep only CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID, SETUID, MKNOD and
 * SETFCAP (what passthrough needs), plus DAC_READ_SEARCH with file_handles
 * (open_by_handle_at), adjusted by modcaps ("+cap:-cap", names
 * with or without "cap_", case-insensitive; NULL for none), in the
 * effective, permitted and bounding sets.  With security_label,
 * CAP_SYS_ADMIN stays permitted but not effective: a thread raises it only
 * to set a new file's security.* label.  Returns 0 or -1 (logged). */
int caps_restrict(const char *modcaps, bool file_handles, bool security_label);
/* Whether modcaps ends up dropping cap (a "-cap" item not re-added). */
bool caps_modcaps_drops(const char *modcaps, int cap);
/* Whether --modcaps adds cap (its last mention is "+cap"). */
bool caps_modcaps_adds(const char *modcaps, int cap);
/* Check a modcaps string without applying it: 0, or -1 with err filled. */
int caps_check_modcaps(const char *modcaps, char *err, size_t errlen);

#endif
