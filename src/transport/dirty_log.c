/* Dirty page log: see dirty_log.h. */
#include "dirty_log.h"

#include <errno.h>

#include "vhost_user_proto.h"

int dirty_log_mark(const struct dirty_log *log, uint64_t gpa, uint64_t len)
{
	int rc = 0;

	if (len == 0 || !log->bits)
		return 0;
	uint64_t last = gpa + (len - 1);
	if (last < gpa) {
		last = UINT64_MAX;
		rc = -ERANGE;
	}
	/* The VMM clears bits (atomic exchange) and then copies the pages.
	 * Our writes to the page must be visible before we look at its bit:
	 * a store may otherwise still sit in our store buffer when we see the
	 * bit set, skip it, and the VMM clears it and copies the old page. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (uint64_t page = gpa / VHOST_LOG_PAGE; page <= last / VHOST_LOG_PAGE; page++) {
		uint64_t byte = page / 8;
		if (byte >= log->size)
			return -ERANGE;
		uint8_t bit = (uint8_t)(1u << (page % 8));
		uint8_t *b = &log->bits[byte];
		if (!(__atomic_load_n(b, __ATOMIC_RELAXED) & bit))
			__atomic_fetch_or(b, bit, __ATOMIC_RELAXED);
	}
	return rc;
}
