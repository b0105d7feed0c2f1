/* vt-call OP ARGS...: one system call whose exact errno a test compares.
 *   rmdir PATH | unlink PATH | mkdir PATH MODE | link OLD NEW | symlink TARGET PATH
 *   mknod PATH fifo|reg|char|block MODE [MAJOR MINOR] | create-excl PATH MODE
 *   truncate PATH SIZE | open-read PATH | open-write PATH | chmod PATH MODE
 *   utimes-now PATH */
#include "vt.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static mode_t file_type(const char *s)
{
	if (strcmp(s, "fifo") == 0)
		return S_IFIFO;
	if (strcmp(s, "reg") == 0)
		return S_IFREG;
	if (strcmp(s, "char") == 0)
		return S_IFCHR;
	if (strcmp(s, "block") == 0)
		return S_IFBLK;
	vt_usage("mknod type is fifo|reg|char|block");
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	int n = argc - 2; /* operands */

	if (strcmp(op, "rmdir") == 0 && n == 1) {
		vt_check(rmdir(argv[2]));
	} else if (strcmp(op, "unlink") == 0 && n == 1) {
		vt_check(unlink(argv[2]));
	} else if (strcmp(op, "mkdir") == 0 && n == 2) {
		vt_check(mkdir(argv[2], vt_number(argv[3])));
	} else if (strcmp(op, "link") == 0 && n == 2) {
		vt_check(link(argv[2], argv[3]));
	} else if (strcmp(op, "symlink") == 0 && n == 2) {
		vt_check(symlink(argv[2], argv[3]));
	} else if (strcmp(op, "mknod") == 0 && (n == 3 || n == 5)) {
		dev_t dev = n == 5 ? makedev(vt_number(argv[5]), vt_number(argv[6])) : 0;
		vt_check(mknod(argv[2], file_type(argv[3]) | vt_number(argv[4]), dev));
	} else if (strcmp(op, "create-excl") == 0 && n == 2) {
		int fd = open(argv[2], O_CREAT | O_EXCL | O_WRONLY, vt_number(argv[3]));
		vt_check(fd);
		close(fd);
	} else if (strcmp(op, "truncate") == 0 && n == 2) {
		vt_check(truncate(argv[2], vt_number(argv[3])));
	} else if ((strcmp(op, "open-read") == 0 || strcmp(op, "open-write") == 0) && n == 1) {
		int fd = open(argv[2], op[5] == 'r' ? O_RDONLY : O_WRONLY);
		vt_check(fd);
		close(fd);
	} else if (strcmp(op, "chmod") == 0 && n == 2) {
		vt_check(chmod(argv[2], vt_number(argv[3])));
	} else if (strcmp(op, "utimes-now") == 0 && n == 1) {
		vt_check(utimensat(AT_FDCWD, argv[2], NULL, AT_SYMLINK_NOFOLLOW));
	} else {
		vt_usage("vt-call rmdir|unlink|mkdir|link|symlink|mknod|create-excl|truncate|open-read|"
			 "open-write|chmod|utimes-now ARGS...");
	}
	printf("OK\n");
	return 0;
}
