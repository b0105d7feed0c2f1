/* Shared by the static guest helper programs: one line of output per result,
 * "OK ..." on success and "ERR ENAME" (exit 1) on a failed system call, so
 * guest scripts can compare the exact errno. */
#ifndef VT_H
#define VT_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void vt_usage(const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	exit(2);
}

static inline void vt_errno_exit(void)
{
	const char *name = strerrorname_np(errno);
	printf("ERR %s\n", name ? name : "EUNKNOWN");
	exit(1);
}

static inline void vt_check(int ret)
{
	if (ret < 0)
		vt_errno_exit();
}

static inline long long vt_number(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0') {
		fprintf(stderr, "not a number: %s\n", s);
		exit(2);
	}
	return v;
}

#endif
