/* Borrowing a record's descriptor, and finding it again once evicted.
 * With inode_table.c, the only place that knows how a record reaches its
 * host inode. */
#include "inode_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "submounts.h"

/* The longest parent chain walked to find an evicted record (deeper ones
 * answer ESTALE; PATH_MAX allows about 2048 levels). */
#define MAX_CHAIN 4096

/* Whether fd names the inode of i: same key and, when i has a handle and
 * fd was found by name, the same handle (which catches a reused inode
 * number; open_by_handle_at has checked that already). */
static int verify(struct inode *i, int fd, bool by_name)
{
	struct stat st;
	uint64_t mnt_id;
	int r = stat_fd(fd, &st, &mnt_id);
	if (r < 0)
		return r;
	if (st.st_ino != i->key.ino || st.st_dev != i->key.dev || mnt_id != i->key.mnt_id ||
	    (st.st_mode & S_IFMT) != i->type)
		return -ESTALE;
	if (i->fh_len && by_name) {
		struct fh h;
		if (fh_of_fd(fd, &h, NULL) < 0 || !inode_handle_is(i, &h))
			return -ESTALE;
	}
	return 0;
}

/* Failures of the host lookup that mean "not the inode any more". */
static int stale_errno(int err)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case EINTR:
		return -err;
	default:
		return -ESTALE;
	}
}

/* Unpin, then close what the cap evicts. */
static void unpin(struct inode_table *t, struct inode *i)
{
	int fds[INODE_VICTIMS_MAX];
	pthread_mutex_lock(&t->lock);
	inode_table_unpin_fd_locked(t, i);
	size_t n = inode_table_collect_victims_locked(t, fds);
	pthread_mutex_unlock(&t->lock);
	for (size_t k = 0; k < n; k++)
		close(fds[k]);
}

/* One step of finding i again: with the lock held, either i's fd is there
 * (pinned, returned), or the step to take is chosen: open `target` by
 * handle, or by `name` in `base` (base's fd pinned).  Refs are taken on
 * target and base. */
struct step {
	struct inode *target, *base;
	int base_fd;
	char name[NAME_MAX + 1];
	struct fh h;
};

static int choose_step(struct inode_table *t, struct inode *i, struct step *s)
{
	struct inode *x = i, *below = NULL;
	for (int depth = 0; x->fd_ < 0 && !(x->by_handle && t->open_by_handle); depth++) {
		if (!x->parent || !x->name || depth >= MAX_CHAIN)
			return -ESTALE;
		below = x;
		x = x->parent;
	}
	if (x->fd_ >= 0) {
		/* below is NULL only when x == i, which the caller handled. */
		s->target = below;
		s->base = x;
		s->base_fd = x->fd_;
		inode_table_pin_fd_locked(t, x);
		x->refs++;
		snprintf(s->name, sizeof(s->name), "%s", below->name);
	} else {
		s->target = x;
		s->base = NULL;
		s->h.type = x->fh_type;
		s->h.len = x->fh_len;
		memcpy(s->h.bytes, x->fh, x->fh_len);
	}
	s->target->refs++;
	return 0;
}

/* Drop the pin and ref on the record found by the previous step. */
static void release_held(struct inode_table *t, struct inode **held)
{
	if (*held) {
		unpin(t, *held);
		inode_table_put(t, *held);
		*held = NULL;
	}
}

int inode_get_fd(struct inode_table *t, struct inode *i)
{
	/* Each step installs one record's fd, kept pinned until the next step
	 * has used it, so that a small cache cannot evict it in between. */
	struct inode *held = NULL;
	for (;;) {
		struct step s;
		pthread_mutex_lock(&t->lock);
		if (i->fd_ >= 0) {
			inode_table_pin_fd_locked(t, i);
			int fd = i->fd_;
			pthread_mutex_unlock(&t->lock);
			release_held(t, &held);
			return fd;
		}
		int r = choose_step(t, i, &s);
		if (r < 0)
			t->stale++;
		pthread_mutex_unlock(&t->lock);
		if (r < 0) {
			release_held(t, &held);
			return r;
		}

		int fd;
		if (s.base) {
			fd = openat(s.base_fd, s.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			fd = fd < 0 ? stale_errno(errno) : fd;
			unpin(t, s.base);
			inode_table_put(t, s.base);
		} else {
			fd = fh_open(&t->mounts, s.target->key.mnt_id, &s.h, O_PATH);
			if (fd < 0)
				fd = stale_errno(-fd);
		}
		release_held(t, &held);
		if (fd >= 0) {
			r = verify(s.target, fd, s.base != NULL);
			if (r < 0) {
				close(fd);
				fd = r == -ESTALE ? r : stale_errno(-r);
			}
		}
		if (fd < 0) {
			pthread_mutex_lock(&t->lock);
			if (fd == -ESTALE)
				t->stale++;
			pthread_mutex_unlock(&t->lock);
			inode_table_put(t, s.target);
			return fd;
		}
		/* Another thread may have been faster: then pin its fd. */
		pthread_mutex_lock(&t->lock);
		if (s.target->fd_ < 0) {
			inode_table_install_fd_locked(t, s.target, fd);
			fd = -1;
			if (s.base)
				t->reopens_by_name++;
			else
				t->reopens_by_handle++;
		} else {
			inode_table_pin_fd_locked(t, s.target);
		}
		pthread_mutex_unlock(&t->lock);
		if (fd >= 0)
			close(fd);
		held = s.target; /* its ref and pin move to held */
	}
}

void inode_put_fd(struct inode_table *t, struct inode *i, int fd)
{
	(void)fd;
	unpin(t, i);
}

void proc_fd_name(int fd, char buf[PROC_FD_NAME_LEN])
{
	snprintf(buf, PROC_FD_NAME_LEN, "%d", fd);
}

int inode_open(int proc_fd, struct inode *i, int flags)
{
	/* Borrowed by the caller: neither evicted nor changed meanwhile. */
	int fd = i->fd_;
	if (fd < 0)
		return -EBADF;
	char name[PROC_FD_NAME_LEN];
	proc_fd_name(fd, name);
	/* The magic link is a symlink: O_NOFOLLOW would refuse it (ELOOP). */
	int r = openat(proc_fd, name, (flags & ~O_NOFOLLOW) | O_CLOEXEC);
	return r >= 0 ? r : -errno;
}

int inode_fd_probe_handles(int fd)
{
	struct fh h;
	uint64_t mnt_id;
	int r = fh_of_fd(fd, &h, &mnt_id);
	if (r < 0)
		return r;
	struct mount_fds m;
	mount_fds_init(&m);
	r = mount_fds_add(&m, mnt_id, fd);
	if (r >= 0) {
		int f = fh_open(&m, mnt_id, &h, O_PATH);
		r = f < 0 ? f : 0;
		if (f >= 0)
			close(f);
	}
	mount_fds_fini(&m);
	return r;
}
