/* Shared memory the frontend hands us (guest memory regions, the dirty log)
 * and what it may do to it afterwards.  A VMM that shrinks such a file
 * (ftruncate) after we mapped it would make our next access to a page past
 * its new end raise SIGBUS and kill the daemon.  So:
 *  - a memfd that still takes seals gets F_SEAL_SHRINK at map time (guest
 *    memory is never shrunk legitimately; hole punching stays allowed), and
 *    a regular file shorter than the mapping is refused;
 *  - for files that cannot be sealed (tmpfs, hugetlbfs), a SIGBUS handler
 *    looks the faulting address up in a registry of these mappings, maps a
 *    private zero page over the page that lies past the file's end, counts
 *    the fault and returns: the access reads zeros.  The transport sees the
 *    count (mem_guard_faults) and which mapping it hit (mem_guard_faulted):
 *    guest memory stops the queues, the dirty log fails the state save.
 *    A SIGBUS anywhere else gets the previous handling back and re-faults.
 * Syscalls touching such pages (preadv/pwritev into guest memory) fail
 * with EFAULT instead, an ordinary error path. */
#ifndef MEM_GUARD_H
#define MEM_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Install the SIGBUS handler: once, at start-up, before the seccomp
 * filter (and after the sanitizer runtime's own, which it falls back to).
 * 0 or -errno (-EBUSY: a sanitizer keeps SIGBUS to itself). */
int mem_guard_install(void);

/* Map [0, len) of fd shared and read-write, sealed against shrinking when
 * it is a memfd that takes seals, and registered.  Returns the mapping
 * with *slot set, or NULL with *err = -errno (-EINVAL: a regular file
 * shorter than len; -ENOSPC: the registry is full). */
void *mem_guard_map(int fd, uint64_t len, int *slot, int *err);
/* Unregister and unmap what mem_guard_map returned (p NULL: nothing). */
void mem_guard_unmap(void *p, size_t len, int slot);
/* Did a page of this mapping fault past the file's end? */
bool mem_guard_faulted(int slot);
/* Faults handled since start (the transport compares counts). */
uint64_t mem_guard_faults(void);
/* True once per run of faults not reported yet: the caller logs them. */
bool mem_guard_report_due(void);

#endif
