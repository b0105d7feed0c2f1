/* The dirty page log of live migration (QEMU docs/interop/vhost-user.rst,
 * "Migration"): a bitmap shared with the VMM, one bit per 4 KiB page of
 * guest-physical memory, page = gpa / 4096, bit (page % 8) of byte
 * (page / 8).  The VMM reads and clears it concurrently, so every bit is set
 * with an atomic OR, after the data it stands for is written. */
#ifndef DIRTY_LOG_H
#define DIRTY_LOG_H

#include <stdint.h>

struct dirty_log {
	uint8_t *bits;          /* NULL: no log */
	uint64_t size;          /* bytes at bits; covers size * 8 pages */
};

/* Mark every page that [gpa, gpa + len) touches.  Returns 0, or -ERANGE
 * when part of the range lies beyond the log or wraps past 2^64: those
 * pages are skipped, nothing is ever written outside the log.  len 0 marks
 * nothing. */
int dirty_log_mark(const struct dirty_log *log, uint64_t gpa, uint64_t len);

#endif
