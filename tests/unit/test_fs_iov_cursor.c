/* The READ/WRITE iovec cursor: guest pages adjacent in memory become one
 * element, clipping at the limit and advancing past short transfers keep
 * working across merged elements, and pages that are not adjacent stay apart. */
#include "fs/iov_cursor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define PAGE 4096
#define PAGES 256

static char buf[(PAGES + 1) * PAGE];
static struct iovec iov[2 * PAGES];

static void adjacent_pages_become_one(void)
{
	for (int i = 0; i < PAGES; i++)
		iov[i] = (struct iovec){ buf + i * PAGE, PAGE };
	struct iov_cursor c;
	EQ(iov_cursor_init(&c, iov, PAGES, SIZE_MAX), 0);
	EQ(c.cnt, 1);
	EQ(c.left, PAGES * PAGE);
	CHECK(c.v[0].iov_base == buf);
	EQ(c.v[0].iov_len, PAGES * PAGE);
	/* A short transfer ends inside the merged element. */
	iov_cursor_advance(&c, 3 * PAGE + 7);
	EQ(c.cnt, 1);
	CHECK(c.v[0].iov_base == buf + 3 * PAGE + 7);
	EQ(c.left, PAGES * PAGE - 3 * PAGE - 7);
	iov_cursor_advance(&c, c.left);
	EQ(c.cnt, 0);
	EQ(c.left, 0);
	iov_cursor_fini(&c);
}

static void limit_clips_the_merged_element(void)
{
	for (int i = 0; i < 4; i++)
		iov[i] = (struct iovec){ buf + i * PAGE, PAGE };
	struct iov_cursor c;
	EQ(iov_cursor_init(&c, iov, 4, PAGE + 100), 0);
	EQ(c.cnt, 1);
	EQ(c.v[0].iov_len, PAGE + 100);
	EQ(c.left, PAGE + 100);
	iov_cursor_fini(&c);
}

/* Every other page, in reverse order: nothing is adjacent, more elements
 * than fit inline (the heap copy), and a zero-length element is dropped
 * without joining its neighbours. */
static void scattered_pages_stay_apart(void)
{
	int n = 0;
	for (int i = PAGES - 2; i >= 0; i -= 2) {
		iov[n++] = (struct iovec){ buf + i * PAGE, PAGE };
		if (n == 3)
			iov[n++] = (struct iovec){ buf + (i + 1) * PAGE, 0 };
	}
	struct iov_cursor c;
	EQ(iov_cursor_init(&c, iov, n, SIZE_MAX), 0);
	EQ(c.cnt, n - 1);
	EQ(c.left, (size_t)(n - 1) * PAGE);
	CHECK(c.alloc != NULL);
	CHECK(c.v[0].iov_base == buf + (PAGES - 2) * PAGE);
	CHECK(c.v[3].iov_base == iov[4].iov_base);
	iov_cursor_advance(&c, PAGE + 1);
	EQ(c.cnt, n - 2);
	CHECK(c.v[0].iov_base == buf + (PAGES - 4) * PAGE + 1);
	iov_cursor_fini(&c);
}

/* A zero-length element between two adjacent pages: they still join. */
static void empty_element_between_adjacent_pages(void)
{
	iov[0] = (struct iovec){ buf, PAGE };
	iov[1] = (struct iovec){ buf + 9 * PAGE, 0 };
	iov[2] = (struct iovec){ buf + PAGE, PAGE };
	iov[3] = (struct iovec){ buf + 3 * PAGE, PAGE };
	struct iov_cursor c;
	EQ(iov_cursor_init(&c, iov, 4, SIZE_MAX), 0);
	EQ(c.cnt, 2);
	EQ(c.v[0].iov_len, 2 * PAGE);
	CHECK(c.v[1].iov_base == buf + 3 * PAGE);
	iov_cursor_fini(&c);
}

int main(void)
{
	memset(buf, 1, sizeof(buf));
	adjacent_pages_become_one();
	limit_clips_the_merged_element();
	scattered_pages_stay_apart();
	empty_element_between_adjacent_pages();
	return 0;
}
