/* Open file and directory handles.  The guest names a handle by fh: a slot
 * index in the low 32 bits and the slot's generation in the high 32, so a
 * forged, stale or released fh matches nothing (EBADF).  Handles are
 * refcounted: RELEASE racing with a READ on another queue closes the fd
 * only after the READ is done. */
#ifndef FS_HANDLES_H
#define FS_HANDLES_H

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

/* HANDLE_LOCK: a description holding one guest lock owner's POSIX locks
 * (pt_lock.c), never named by the guest. */
enum handle_kind { HANDLE_FILE = 1, HANDLE_DIR = 2, HANDLE_LOCK = 3 };

struct handle {
	int fd;
	enum handle_kind kind;
	void *priv;                  /* per-kind state (directory stream) */
	void (*priv_free)(void *priv);
	uint64_t refs;               /* under the table lock */
};

struct handle_slot {
	struct handle *h;
	uint32_t gen;
};

struct handle_table {
	pthread_mutex_t lock;
	struct handle_slot *slots;
	uint32_t nslots, used;
	uint32_t *free_idx;          /* stack of free slot indexes */
	uint32_t nfree;
	uint32_t max_open;           /* the guest's share of the fd budget; 0: no limit */
};

int handle_table_init(struct handle_table *t);
void handle_table_fini(struct handle_table *t);

/* Most handles open at once (the guest's share of RLIMIT_NOFILE); 0 for no
 * limit.  Beyond it handle_new answers EMFILE. */
void handle_table_set_max(struct handle_table *t, uint32_t max_open);

/* A new handle owning fd and priv; 0 and *fh, or -errno (then the caller
 * still owns fd and priv; -EMFILE: the guest's share is used up). */
int handle_new(struct handle_table *t, enum handle_kind kind, int fd, void *priv,
	       void (*priv_free)(void *), uint64_t *fh);
/* The handle fh of that kind with a ref taken, or NULL. */
struct handle *handle_get(struct handle_table *t, uint64_t fh, enum handle_kind kind);
void handle_put(struct handle_table *t, struct handle *h);
/* Detach fh from the table; returns it still holding the table's ref
 * (handle_put it), or NULL if unknown. */
struct handle *handle_remove(struct handle_table *t, uint64_t fh, enum handle_kind kind);
/* Detach and put every handle. */
void handle_remove_all(struct handle_table *t);
size_t handle_count(struct handle_table *t);

/* Live migration.  Every open handle with a ref taken (handle_put each):
 * the number, with a malloc'ed array in *out (NULL on ENOMEM). */
struct handle_ref {
	uint64_t fh;
	struct handle *h;
};
size_t handle_table_snapshot(struct handle_table *t, struct handle_ref **out);
/* Put a handle back under the fh the guest knows (owning fd and priv on
 * success); then handle_restore_done() once.  0, -EINVAL (not an fh this
 * table makes), -EEXIST, -EMFILE or -ENOMEM. */
#define HANDLE_RESTORE_MAX_SLOT (1u << 20)
int handle_restore(struct handle_table *t, uint64_t fh, enum handle_kind kind, int fd,
		   void *priv, void (*priv_free)(void *));
void handle_restore_done(struct handle_table *t);

#endif
