#include "caps.h"

#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* The sets caps_restrict builds: effective, and permitted (which is also
 * the bounding set). */
static uint64_t want_eff, want_perm;

static int want_one(int add, int cap)
{
	if (cap < 0 || cap > 63)
		return -1;
	uint64_t bit = 1ull << cap;
	if (add) {
		want_eff |= bit;
		want_perm |= bit;
	} else {
		want_eff &= ~bit;
		want_perm &= ~bit;
	}
	return 0;
}

/* By capget/capset and prctl, not libcap-ng's capng_apply: that reads
 * /proc/<pid>/status, and here, inside the sandbox, the path leads into the
 * guest's share (a FIFO at its proc/1/status blocked the daemon for good). */
int caps_restrict(const char *modcaps, bool file_handles, bool security_label)
{
	char err[256];
	want_eff = want_perm = 0;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		want_one(1, kept[i]);
	/* open_by_handle_at() needs it (DAC_OVERRIDE, kept already, is the
	 * wider right). */
	if (file_handles)
		want_one(1, CAP_DAC_READ_SEARCH);
	/* Permitted only: raised while a label is set. */
	if (security_label)
		want_perm |= 1ull << CAP_SYS_ADMIN;
	if (modcaps && each_modcap(modcaps, want_one, err, sizeof(err)) < 0) {
		log_error("--modcaps: %s", err);
		return -1;
	}

	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0) {
		log_error("capabilities: capget: %s", strerror(errno));
		return -1;
	}
	/* The bounding set first: dropping from it takes CAP_SETPCAP, which
	 * the capset below gives up.  Without it (taken away by a container)
	 * the bounding set stays as it is, as libcap-ng left it. */
	if (d[0].effective & (1u << CAP_SETPCAP)) {
		for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
			if (!(want_perm & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
				log_error("capabilities: dropping %d from the bounding set: %s", cap,
					  strerror(errno));
				return -1;
			}
		}
	}
	memset(d, 0, sizeof(d));
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(want_eff >> (32 * i));
		d[i].permitted = (uint32_t)(want_perm >> (32 * i));
	}
	if (syscall(SYS_capset, &h, d) < 0) {
		log_error("capabilities: cannot apply the reduced set: %s", strerror(errno));
		return -1;
	}
	return 0;
}
