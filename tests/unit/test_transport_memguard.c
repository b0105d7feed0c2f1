/* mem_guard: shared memory files the frontend shrinks under us.  A memfd
 * that takes seals is sealed against shrinking; a short regular file is
 * refused; a registered mapping whose file shrank reads zeros past the
 * end (counted, reported once) instead of killing the process; a SIGBUS
 * elsewhere still kills it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "transport/mem_guard.h"

#define PAGE 4096

static int memfd(unsigned flags, off_t size)
{
	int fd = memfd_create("memguard", MFD_CLOEXEC | flags);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, size) == 0);
	return fd;
}

static void test_sealed(void)
{
	int fd = memfd(MFD_ALLOW_SEALING, 2 * PAGE), slot = -1, err = 0;
	void *p = mem_guard_map(fd, 2 * PAGE, &slot, &err);

	CHECK(p);
	CHECK(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK);
	EQ(ftruncate(fd, PAGE), -1);
	EQ(errno, EPERM);
	EQ(ftruncate(fd, 4 * PAGE), 0);     /* growing stays allowed */
	mem_guard_unmap(p, 2 * PAGE, slot);
	close(fd);
}

static void test_short_file_refused(void)
{
	int fd = memfd(0, PAGE), slot = -1, err = 0;

	CHECK(!mem_guard_map(fd, 2 * PAGE, &slot, &err));
	EQ(err, -EINVAL);
	close(fd);
}

static void test_shrunk_reads_zeros(void)
{
	int fd = memfd(0, 3 * PAGE), slot = -1, err = 0;
	uint8_t *p = mem_guard_map(fd, 3 * PAGE, &slot, &err);
	uint64_t before = mem_guard_faults();

	CHECK(p);
	memset(p, 0xab, 3 * PAGE);
	CHECK(!mem_guard_faulted(slot));
	CHECK(ftruncate(fd, PAGE) == 0);
	EQ(((volatile uint8_t *)p)[10], 0xab);           /* still backed */
	EQ(((volatile uint8_t *)p)[2 * PAGE + 5], 0);    /* past the end: zeros */
	EQ(mem_guard_faults(), before + 1);
	CHECK(mem_guard_faulted(slot));
	CHECK(mem_guard_report_due());
	CHECK(!mem_guard_report_due());                   /* once per run */
	p[2 * PAGE + 6] = 1;                              /* writable, no new fault */
	EQ(mem_guard_faults(), before + 1);
	p[PAGE + 1] = 2;                                  /* the other page past it */
	EQ(mem_guard_faults(), before + 2);
	CHECK(mem_guard_report_due());
	mem_guard_unmap(p, 3 * PAGE, slot);
	close(fd);
}

/* On hugetlbfs the zero page must cover a whole huge page: a smaller one
 * cannot be put into a hugetlb mapping (the fallback would kill us). */
static void test_hugetlb(void)
{
	const size_t huge = 2u << 20;
	int fd = memfd_create("memguard-huge", MFD_CLOEXEC | MFD_HUGETLB), slot = -1, err = 0;

	if (fd < 0 || ftruncate(fd, (off_t)(2 * huge)) < 0) {
		fprintf(stderr, "SKIP hugetlb: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	uint8_t *p = mem_guard_map(fd, 2 * huge, &slot, &err);
	uint64_t before = mem_guard_faults();
	CHECK(p);
	CHECK(ftruncate(fd, 0) == 0);
	EQ(((volatile uint8_t *)p)[huge + 3 * PAGE], 0);
	EQ(((volatile uint8_t *)p)[huge + huge - 1], 0);  /* the same huge page */
	EQ(mem_guard_faults(), before + 1);
	mem_guard_unmap(p, 2 * huge, slot);
	close(fd);
}

/* A SIGBUS outside the registered mappings: the process dies as before
 * (here under ASan: its report, exit status 1). */
static void test_not_ours_kills(void)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		alarm(10);      /* a handler that swallowed it would loop */
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDERR_FILENO);
		int fd = memfd(0, 2 * PAGE);
		volatile uint8_t *p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED || ftruncate(fd, 0) < 0)
			_exit(3);
		(void)p[PAGE];
		_exit(0);       /* survived: wrong */
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS) ||
	      (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 3));
}

int main(void)
{
	CHECK(mem_guard_install() == 0);
	test_sealed();
	test_short_file_refused();
	test_shrunk_reads_zeros();
	test_hugetlb();
	test_not_ours_kills();
	return 0;
}
