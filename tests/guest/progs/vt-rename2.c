/* vt-rename2 plain|noreplace|exchange OLD NEW: renameat2(2) with the flag. */
#include "vt.h"
#include <fcntl.h>

int main(int argc, char **argv)
{
	unsigned int flags;

	if (argc != 4)
		vt_usage("vt-rename2 plain|noreplace|exchange OLD NEW");
	if (strcmp(argv[1], "plain") == 0)
		flags = 0;
	else if (strcmp(argv[1], "noreplace") == 0)
		flags = RENAME_NOREPLACE;
	else if (strcmp(argv[1], "exchange") == 0)
		flags = RENAME_EXCHANGE;
	else
		vt_usage("vt-rename2 plain|noreplace|exchange OLD NEW");
	vt_check(renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], flags));
	printf("OK\n");
	return 0;
}
