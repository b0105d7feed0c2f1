#include "caps.h"

#include <cap-ng.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"

static const int kept[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID,
	CAP_SETGID, CAP_SETUID, CAP_MKNOD, CAP_SETFCAP,
};

/* Walk "+name:-name": calls fn(add, capability) per item; stops at the first
 * error (unknown name, missing sign) with a message in err. */
static int each_modcap(const char *list, int (*fn)(int add, int cap), char *err, size_t n)
{
	char buf[512];
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, n, "modcaps list too long");
		return -1;
	}
	strcpy(buf, list);
	for (char *save = NULL, *item = strtok_r(buf, ":", &save); item;
	     item = strtok_r(NULL, ":", &save)) {
		if (item[0] != '+' && item[0] != '-') {
			snprintf(err, n, "modcaps item '%s' must start with + or -", item);
			return -1;
		}
		int add = item[0] == '+';
		char *name = item + 1;
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!strncmp(name, "cap_", 4))
			name += 4;
		int cap = capng_name_to_capability(name);
		if (cap < 0) {
			snprintf(err, n, "unknown capability '%s'", item + 1);
			return -1;
		}
		if (fn && fn(add, cap) < 0) {
			snprintf(err, n, "cannot apply '%s'", item);
			return -1;
		}
	}
	return 0;
}

/* The last say --modcaps has on one capability: +1 added, -1 dropped, 0 none. */
static int asked_cap = -1, asked_say;

static int note_say(int add, int cap)
{
	if (cap == asked_cap)
		asked_say = add ? 1 : -1;
	return 0;
}

static int modcaps_say(const char *modcaps, int cap)
{
	char err[128];
	if (!modcaps)
		return 0;
	asked_cap = cap;
	asked_say = 0;
	each_modcap(modcaps, note_say, err, sizeof(err));
	return asked_say;
}

bool caps_modcaps_drops(const char *modcaps, int cap)
{
	return modcaps_say(modcaps, cap) < 0;
}

bool caps_modcaps_adds(const char *modcaps, int cap)
{
	return modcaps_say(modcaps, cap) > 0;
}

int caps_check_modcaps(const char *modcaps, char *err, size_t errlen)
{
	return modcaps ? each_modcap(modcaps, NULL, err, errlen) : 0;
}

static int update_one(int add, int cap)
{
	return capng_update(add ? CAPNG_ADD : CAPNG_DROP,
			    CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			    (unsigned)cap);
}

int caps_restrict(const char *modcaps, bool file_handles, bool security_label)
{
	char err[256];
	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (update_one(1, kept[i]) < 0) {
			log_error("capabilities: cannot keep capability %d", kept[i]);
			return -1;
		}
	}
	/* open_by_handle_at() needs it (DAC_OVERRIDE, kept already, is the
	 * wider right). */
	if (file_handles && update_one(1, CAP_DAC_READ_SEARCH) < 0) {
		log_error("capabilities: cannot keep CAP_DAC_READ_SEARCH");
		return -1;
	}
	if (security_label &&
	    capng_update(CAPNG_ADD, CAPNG_PERMITTED | CAPNG_BOUNDING_SET, CAP_SYS_ADMIN) < 0) {
		log_error("capabilities: cannot keep CAP_SYS_ADMIN for --security-label");
		return -1;
	}
	if (modcaps && each_modcap(modcaps, update_one, err, sizeof(err)) < 0) {
		log_error("--modcaps: %s", err);
		return -1;
	}
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		log_error("capabilities: cannot apply the reduced set");
		return -1;
	}
	return 0;
}
