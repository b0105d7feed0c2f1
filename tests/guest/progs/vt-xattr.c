/* vt-xattr: xattr calls on a path (symlinks not followed), for guests
 * whose busybox has no getfattr/setfattr.
 *   set PATH NAME HEX   value given as hex bytes ("" for empty)
 *   get PATH NAME       prints "OK HEX"
 *   list PATH           prints "OK name1 name2 ..." (sorted as returned)
 *   remove PATH NAME
 * A failure prints "ERR ENAME" (exit 1). */
#include "vt.h"
#include <sys/xattr.h>

static size_t from_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > max)
		vt_usage("HEX: an even number of hex digits");
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			vt_usage("HEX: hex digits only");
		out[i] = (unsigned char)v;
	}
	return n / 2;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	static unsigned char buf[65536];
	if (!strcmp(op, "set") && argc == 5) {
		size_t n = from_hex(argv[4], buf, sizeof(buf));
		vt_check(lsetxattr(argv[2], argv[3], buf, n, 0));
		printf("OK\n");
	} else if (!strcmp(op, "get") && argc == 4) {
		ssize_t n = lgetxattr(argv[2], argv[3], buf, sizeof(buf));
		if (n < 0)
			vt_errno_exit();
		printf("OK ");
		for (ssize_t i = 0; i < n; i++)
			printf("%02x", buf[i]);
		printf("\n");
	} else if (!strcmp(op, "list") && argc == 3) {
		/* Ask for the size first, as getfattr does: the daemon's
		 * size-only answer must match the list itself. */
		ssize_t need = llistxattr(argv[2], NULL, 0);
		if (need < 0)
			vt_errno_exit();
		ssize_t n = llistxattr(argv[2], (char *)buf, sizeof(buf));
		if (n < 0)
			vt_errno_exit();
		if (n != need) {
			printf("ERR size %zd then list %zd\n", need, n);
			return 1;
		}
		printf("OK");
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen((char *)buf + i) + 1)
			printf(" %s", (char *)buf + i);
		printf("\n");
	} else if (!strcmp(op, "remove") && argc == 4) {
		vt_check(lremovexattr(argv[2], argv[3]));
		printf("OK\n");
	} else {
		vt_usage("vt-xattr set PATH NAME HEX | get PATH NAME | list PATH | remove PATH NAME");
	}
	return 0;
}
