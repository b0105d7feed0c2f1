/* Shrunk shared memory files: see mem_guard.h. */
#include "mem_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>

#include "guest_mem.h"
#include "log/log.h"

/* A full table and the 8 regions of a SET_MEM_TABLE mapped before it
 * replaces it, the dirty log and its replacement, and room. */
#define GUARD_SLOTS (GUEST_MEM_MAX_REGIONS + 8 + 2 + 25)

/* Read by the signal handler on any thread, without locks: start is
 * published last (release) and cleared first, before the munmap.  A slot
 * cannot go away under a fault: its mapping is unmapped only once no
 * thread uses it (mem_lock's write side, or the socket thread itself). */
struct guard_slot {
	uintptr_t start;        /* 0: free, 1: being filled in */
	size_t len;             /* the mapping, rounded up to page */
	size_t page;            /* what one fault replaces: the huge page on hugetlbfs */
	bool faulted;
};

static struct guard_slot slots[GUARD_SLOTS];
static uint64_t faults, reported;
static struct sigaction previous;

static int find_slot(uintptr_t addr)
{
	for (int i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t s = __atomic_load_n(&slots[i].start, __ATOMIC_ACQUIRE);
		if (s > 1 && addr >= s && addr - s < __atomic_load_n(&slots[i].len, __ATOMIC_RELAXED))
			return i;
	}
	return -1;
}

/* Async-signal-safe: atomics, a raw mmap (no sanitizer interceptor), and
 * sigaction only on the way to dying. */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	(void)sig;
	(void)uc;
	/* BUS_ADRERR: a page the file no longer backs (not a memory error,
	 * not a signal someone sent). */
	int i = si->si_code == BUS_ADRERR ? find_slot((uintptr_t)si->si_addr) : -1;
	if (i >= 0) {
		struct guard_slot *s = &slots[i];
		uintptr_t start = __atomic_load_n(&s->start, __ATOMIC_ACQUIRE);
		uintptr_t at = start + (((uintptr_t)si->si_addr - start) & ~(uintptr_t)(s->page - 1));
		long r = syscall(SYS_mmap, at, s->page, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (r != -1) {
			__atomic_store_n(&s->faulted, true, __ATOMIC_RELAXED);
			__atomic_fetch_add(&faults, 1, __ATOMIC_RELEASE);
			errno = saved;
			return;
		}
	}
	/* Not ours (or no page to put there): the access faults again and
	 * meets what was there before us (the default: a core dump; in a
	 * sanitizer build, its report). */
	sigaction(SIGBUS, &previous, NULL);
	errno = saved;
}

int mem_guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

	struct sigaction now;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &previous) < 0)
		return -errno;
	/* A sanitizer told to keep SIGBUS to itself (ASan's handle_sigbus=2)
	 * ignores the call: say so rather than believe we are guarded. */
	if (sigaction(SIGBUS, NULL, &now) < 0 || now.sa_sigaction != on_sigbus)
		return -EBUSY;
	return 0;
}

/* A VMM never shrinks guest memory (QEMU seals its memfds itself); a memfd
 * still open to seals gets F_SEAL_SHRINK, which leaves hole punching
 * (virtio-mem, the balloon) allowed. */
static void seal_shrink(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || (seals & (F_SEAL_SEAL | F_SEAL_SHRINK)))
		return;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		log_debug("shared memory: F_SEAL_SHRINK: %s", strerror(errno));
}

/* A private page put over a hugetlbfs mapping must cover a whole huge page. */
static size_t page_of(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) == 0 && sf.f_type == HUGETLBFS_MAGIC && sf.f_bsize > 0)
		return (size_t)sf.f_bsize;
	return (size_t)sysconf(_SC_PAGESIZE);
}

static int claim_slot(void)
{
	for (int i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t free_slot = 0;
		if (__atomic_compare_exchange_n(&slots[i].start, &free_slot, 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return i;
	}
	return -1;
}

void *mem_guard_map(int fd, uint64_t len, int *slot, int *err)
{
	struct stat st;

	/* Sealed before the size is checked: it cannot shrink in between. */
	seal_shrink(fd);
	if (fstat(fd, &st) < 0) {
		*err = -errno;
		return NULL;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < len) {
		log_error("shared memory: %#llx bytes asked of a %lld-byte file",
			  (unsigned long long)len, (long long)st.st_size);
		*err = -EINVAL;
		return NULL;
	}
	size_t page = page_of(fd);
	int i = claim_slot();
	if (i < 0) {
		log_error("shared memory: more than %d mappings", GUARD_SLOTS);
		*err = -ENOSPC;
		return NULL;
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		*err = -errno;
		__atomic_store_n(&slots[i].start, 0, __ATOMIC_RELEASE);
		return NULL;
	}
	slots[i].page = page;
	__atomic_store_n(&slots[i].faulted, false, __ATOMIC_RELAXED);
	__atomic_store_n(&slots[i].len, (len + page - 1) & ~(uint64_t)(page - 1), __ATOMIC_RELAXED);
	__atomic_store_n(&slots[i].start, (uintptr_t)p, __ATOMIC_RELEASE);
	*slot = i;
	return p;
}

void mem_guard_unmap(void *p, size_t len, int slot)
{
	if (!p)
		return;
	if (slot >= 0 && slot < GUARD_SLOTS &&
	    __atomic_load_n(&slots[slot].start, __ATOMIC_ACQUIRE) == (uintptr_t)p) {
		len = slots[slot].len;
		__atomic_store_n(&slots[slot].start, 0, __ATOMIC_RELEASE);
	}
	munmap(p, len);
}

bool mem_guard_faulted(int slot)
{
	return slot >= 0 && slot < GUARD_SLOTS &&
	       __atomic_load_n(&slots[slot].faulted, __ATOMIC_RELAXED);
}

uint64_t mem_guard_faults(void)
{
	return __atomic_load_n(&faults, __ATOMIC_ACQUIRE);
}

bool mem_guard_report_due(void)
{
	uint64_t f = mem_guard_faults(), r = __atomic_load_n(&reported, __ATOMIC_RELAXED);

	while (r != f)
		if (__atomic_compare_exchange_n(&reported, &r, f, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
	return false;
}
