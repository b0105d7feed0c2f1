/* vt-entries create DIR N   creates empty files DIR/e00000 .. DIR/e(N-1)
 * vt-entries check DIR N    reads DIR once and checks it holds exactly those
 *                           N names (plus . and ..), each exactly once */
#include "vt.h"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

static void create(const char *dir, long n)
{
	char name[32];

	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/e%05ld", dir, i);
		int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		vt_check(fd);
		close(fd);
	}
	printf("OK created=%ld\n", n);
}

static void check(const char *dir, long n)
{
	unsigned char *seen = calloc(n ? n : 1, 1);
	long count = 0, dots = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d || !seen)
		vt_errno_exit();
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long i;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
			dots++;
			continue;
		}
		i = e->d_name[0] == 'e' ? strtol(e->d_name + 1, &end, 10) : -1;
		if (i < 0 || i >= n || *end != '\0' || strlen(e->d_name) != 6) {
			printf("ERR unexpected entry %s\n", e->d_name);
			exit(1);
		}
		if (seen[i]++) {
			printf("ERR duplicate entry %s\n", e->d_name);
			exit(1);
		}
		count++;
	}
	if (errno)
		vt_errno_exit();
	closedir(d);
	if (count != n || dots != 2) {
		printf("ERR found %ld entries and %ld dot entries, want %ld and 2\n", count, dots, n);
		exit(1);
	}
	printf("OK count=%ld\n", count);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		vt_usage("vt-entries create|check DIR N");
	long n = vt_number(argv[3]);
	if (n < 0 || n > 99999)
		vt_usage("N must be 0..99999");
	if (strcmp(argv[1], "create") == 0)
		create(argv[2], n);
	else if (strcmp(argv[1], "check") == 0)
		check(argv[2], n);
	else
		vt_usage("vt-entries create|check DIR N");
	return 0;
}
