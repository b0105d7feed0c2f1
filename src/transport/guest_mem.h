/* Guest memory as the VMM described it (VHOST_USER_SET_MEM_TABLE, or
 * ADD_MEM_REG / REM_MEM_REG): regions mmapped from the fds the VMM sent,
 * and bounds-checked translation of guest-physical (descriptor) and
 * frontend-virtual (vring) addresses to pointers in this process.  Every
 * translation checks that [addr, addr+len) lies inside one region; nothing
 * else in the daemon does pointer arithmetic on guest addresses. */
#ifndef GUEST_MEM_H
#define GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The memory slots offered (GET_MAX_MEM_SLOTS): as many as the Rust
 * virtiofsd offers (QEMU's C one: 32), x86 KVM's 512 less its 3 private. */
#define GUEST_MEM_MAX_REGIONS 509

struct guest_region {
	uint64_t gpa;       /* guest-physical start */
	uint64_t size;
	uint64_t uva;       /* the frontend's own virtual address of the start */
	uint8_t *hva;       /* our mapping of the start */
	void *map_base;     /* what mmap returned (may start before hva) */
	size_t map_len;
	int guard;          /* its mem_guard.h slot */
};

struct guest_mem {
	unsigned nregions;
	struct guest_region regions[GUEST_MEM_MAX_REGIONS];
};

/* Pointer to [gpa, gpa+len) if it lies entirely in one region, else NULL. */
void *guest_mem_gpa(const struct guest_mem *m, uint64_t gpa, uint64_t len);
/* Same for a frontend virtual address (vring addresses are given that way). */
void *guest_mem_uva(const struct guest_mem *m, uint64_t uva, uint64_t len);
/* Translate [gpa, gpa+len) into at most max iovecs, splitting where it crosses
 * region boundaries.  Returns the number used, or -1 when part of the range is
 * outside guest memory or more than max iovecs would be needed. */
int guest_mem_gpa_iov(const struct guest_mem *m, uint64_t gpa, uint64_t len,
		      struct iovec *iov, int max);
/* The reverse, for dirty logging: the guest-physical address of our
 * pointer hva (in *gpa) and how many bytes from hva on lie in the same
 * region; 0 when hva is not in guest memory. */
uint64_t guest_mem_hva_gpa(const struct guest_mem *m, const void *hva, uint64_t *gpa);
/* Did the frontend shrink the file under a region (mem_guard.h)?  Its
 * pages past the file's end then read zeros: no ring may run there. */
bool guest_mem_damaged(const struct guest_mem *m);
/* Unmap one region (no longer in any table). */
void guest_region_unmap(struct guest_region *r);
/* Unmap every region and empty the table. */
void guest_mem_clear(struct guest_mem *m);

#endif
