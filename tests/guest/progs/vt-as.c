/* vt-as UID GID[,GROUP...] CMD [ARGS...]: run CMD as an unprivileged guest
 * user: supplementary groups (the ones after GID), then gid, then uid, all
 * three of real/effective/saved, so CMD keeps no capability. */
#include "vt.h"
#include <grp.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4)
		vt_usage("vt-as UID GID[,GROUP...] CMD [ARGS...]");
	uid_t uid = (uid_t)vt_number(argv[1]);
	gid_t groups[16];
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(argv[2], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == sizeof(groups) / sizeof(groups[0]))
			vt_usage("at most 16 groups");
		groups[n++] = (gid_t)vt_number(t);
	}
	if (n == 0)
		vt_usage("GID missing");
	vt_check(setgroups(n - 1, groups + 1));
	vt_check(setresgid(groups[0], groups[0], groups[0]));
	vt_check(setresuid(uid, uid, uid));
	execvp(argv[3], argv + 3);
	vt_errno_exit();
	return 1;
}
