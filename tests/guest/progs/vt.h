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

/* The test pattern byte at file offset OFF for SEED (vt-fds, vt-pattern,
 * vt-dirty): every byte says where it belongs, so a stale or misplaced block
 * shows. */
static inline unsigned char vt_pattern(unsigned seed, unsigned long long off)
{
	unsigned x = (unsigned)(off * 0x9E3779B1ull) + seed * 0x85EBCA77u;
	x ^= x >> 15;
	x *= 0x2C1B3C6Du;
	x ^= x >> 12;
	return (unsigned char)x;
}

#endif
