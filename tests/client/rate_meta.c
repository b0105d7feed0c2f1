/* The guest's metadata benchmark, request for request (rate_meta.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rate_common.h"
#include "rate_meta.h"

#define MAX_SLOTS 16
#define MAX_STEPS 4
#define MAX_FILES (1u << 20)
#define DEFAULT_FILES 5000

const char *const meta_phase_names[META_PHASES] = { "create", "stat", "rename", "unlink" };

/* What one step of a phase sends. */
enum step_kind { S_END = -1, S_GETATTR_DIR, S_LOOKUP_OLD, S_LOOKUP_NEW_ABSENT, S_CREATE, S_RELEASE,
		 S_RENAME, S_UNLINK };

static const enum step_kind phase_steps[META_PHASES][MAX_STEPS + 1] = {
	[META_CREATE] = { S_GETATTR_DIR, S_LOOKUP_NEW_ABSENT, S_CREATE, S_RELEASE, S_END },
	[META_STAT] = { S_LOOKUP_OLD, S_END },
	[META_RENAME] = { S_GETATTR_DIR, S_LOOKUP_OLD, S_LOOKUP_NEW_ABSENT, S_RENAME, S_END },
	[META_UNLINK] = { S_GETATTR_DIR, S_LOOKUP_OLD, S_UNLINK, S_END },
};

struct slot_state {
	uint32_t file;           /* index in files[] */
	int step;                /* index in phase_steps[ph]; -1: idle */
	uint64_t fh;             /* CREATE's handle, for RELEASE */
	double sent;             /* when the current request went out */
	bool forget_pending;     /* its FORGET not yet taken off hiprio */
};

struct meta_bench {
	struct fs_session *s;
	struct fr_slot *slot;            /* MAX_SLOTS, the caller's */
	struct fr_slot fslot[MAX_SLOTS]; /* FORGETs on hiprio, one per slot */
	struct slot_state st[MAX_SLOTS];
	int slot_of_head[32768], fslot_of_head[32768];
	uint64_t dir;
	struct meta_file *files;
	uint32_t nfiles;                 /* created so far */
	uint32_t want;                   /* files a create phase makes */
	bool renamed;                    /* files are under their second name */
	double step_us[MAX_STEPS];       /* time waited for each step, summed */
};

/* Files are c<N> until renamed to r<N>. */
static void file_name(char *buf, size_t len, char prefix, uint32_t i)
{
	snprintf(buf, len, "%c%u", prefix, i);
}

static void build(struct meta_bench *m, int i, enum meta_phase ph)
{
	struct slot_state *st = &m->st[i];
	struct fr_slot *sl = &m->slot[i];
	enum step_kind k = phase_steps[ph][st->step];
	char cur[16], next[16];
	/* The name a file has now, and the one a step asks for that is absent. */
	char now_prefix = m->renamed ? 'r' : 'c', new_prefix = ph == META_RENAME ? 'r' : 'c';
	uint64_t u = fs_unique(m->s);
	struct meta_file *f = &m->files[st->file];
	int r = 0;

	file_name(cur, sizeof(cur), now_prefix, st->file);
	file_name(next, sizeof(next), new_prefix, st->file);
	switch (k) {
	case S_GETATTR_DIR:
		r = fr_getattr(sl, u, m->dir);
		break;
	case S_LOOKUP_OLD:
		r = fr_lookup(sl, u, m->dir, cur);
		break;
	case S_LOOKUP_NEW_ABSENT:
		r = fr_lookup(sl, u, m->dir, next);
		break;
	case S_CREATE:
		r = fr_create(sl, u, m->dir, next, O_CREAT | O_EXCL | O_WRONLY, 0100644);
		break;
	case S_RELEASE:
		r = fr_release(sl, u, f->node, st->fh, O_WRONLY);
		break;
	case S_RENAME:
		r = fr_rename(sl, u, m->dir, cur, m->dir, next);
		break;
	case S_UNLINK:
		r = fr_unlink(sl, u, m->dir, cur);
		break;
	case S_END:
		abort();
	}
	if (r < 0)
		rate_die(meta_phase_names[ph], "request does not fit its slot");
	if ((r = fr_submit(sl, &m->s->req, false)) < 0)
		rate_die("submit", strerror(-r));
	m->slot_of_head[r] = i;
	st->sent = rate_now();
}

/* Check the answer to slot i's current step and keep what it tells. */
static void check(struct meta_bench *m, int i, enum meta_phase ph, uint32_t used_len)
{
	struct slot_state *st = &m->st[i];
	enum step_kind k = phase_steps[ph][st->step];
	struct meta_file *f = &m->files[st->file];
	const char *why = NULL;
	struct fr_reply rep;
	struct fuse_entry_out e;
	struct fuse_open_out o;

	if (fr_parse(&m->slot[i], used_len, &rep, &why) < 0)
		rate_die(meta_phase_names[ph], why);
	if (k == S_LOOKUP_NEW_ABSENT) {
		/* The guest's negative lookup: ENOENT, or an entry of node 0. */
		memcpy(&e, rep.arg, sizeof(e));
		if (rep.error == -ENOENT ||
		    (!rep.error && rep.arg_len == sizeof(e) && e.nodeid == 0))
			return;
		rate_die(meta_phase_names[ph], "the new name exists");
	}
	if (rep.error)
		rate_die(meta_phase_names[ph], strerror(-rep.error));
	switch (k) {
	case S_GETATTR_DIR:
		if (rep.arg_len != sizeof(struct fuse_attr_out))
			rate_die("getattr", "short reply");
		break;
	case S_LOOKUP_OLD:
		memcpy(&e, rep.arg, sizeof(e));
		if (rep.arg_len != sizeof(e) || e.nodeid != f->node)
			rate_die("lookup", "another node than CREATE's");
		f->nlookup++;
		break;
	case S_CREATE:
		if (rep.arg_len != sizeof(e) + sizeof(o))
			rate_die("create", "short reply");
		memcpy(&e, rep.arg, sizeof(e));
		memcpy(&o, rep.arg + sizeof(e), sizeof(o));
		f->node = e.nodeid;
		f->nlookup = 1;
		st->fh = o.fh;
		break;
	default:
		break;
	}
}

/* Take FORGETs the daemon has finished with off the high-priority queue. */
static void reap_forgets(struct meta_bench *m)
{
	struct vr_used u;
	int r, i;

	while ((r = vr_get_used(&m->s->hiprio, &u)) == 1) {
		if (!u.known || (i = m->fslot_of_head[u.id]) < 0)
			rate_die("hiprio used ring", "element for a chain not outstanding");
		m->fslot_of_head[u.id] = -1;
		m->st[i].forget_pending = false;
	}
	if (r < 0)
		rate_die("hiprio used ring", strerror(-r));
}

/* Until the daemon has taken slot i's FORGET off the ring (its buffers are
 * the slot's). */
static void wait_forget(struct meta_bench *m, int i)
{
	int r;

	while (m->st[i].forget_pending) {
		reap_forgets(m);
		if (m->st[i].forget_pending && (r = vr_wait(&m->s->hiprio, VUC_TIMEOUT_MS)) < 0)
			rate_die("FORGET", strerror(-r));
	}
}

/* The guest evicts an unlinked file: FORGET of all its lookups, no reply. */
static void forget(struct meta_bench *m, int i, const struct meta_file *f)
{
	int r;

	wait_forget(m, i);
	fr_forget(&m->fslot[i], fs_unique(m->s), f->node, f->nlookup);
	if ((r = fr_submit(&m->fslot[i], &m->s->hiprio, false)) < 0)
		rate_die("submit FORGET", strerror(-r));
	m->fslot_of_head[r] = i;
	m->st[i].forget_pending = true;
	vr_kick(&m->s->hiprio, false);
}

struct meta_bench *meta_open(struct fs_session *s, struct fr_slot *slots, const char *dir_name,
			     uint32_t files)
{
	struct meta_bench *m = calloc(1, sizeof(*m));
	struct fr_reply rep;
	struct fuse_entry_out e;
	const char *why = NULL;

	uint32_t want = files ? files : DEFAULT_FILES;

	if (want > MAX_FILES)
		rate_die("meta", "too many files");
	if (!m || !(m->files = calloc(want, sizeof(*m->files))))
		rate_die("meta", "out of memory");
	m->s = s;
	m->slot = slots;
	m->want = want;
	for (size_t h = 0; h < 32768; h++)
		m->slot_of_head[h] = m->fslot_of_head[h] = -1;
	for (int i = 0; i < MAX_SLOTS; i++)
		if (fr_slot_init(&m->fslot[i], &s->c, 4096) < 0)
			rate_die("meta", "out of guest memory");
	fr_lookup(&slots[0], fs_unique(s), FUSE_ROOT_ID, dir_name);
	if (fr_call(&slots[0], &s->req, VUC_TIMEOUT_MS, &rep, &why) < 0 || rep.error ||
	    rep.arg_len != sizeof(e)) {
		free(m->files);
		free(m);
		return NULL;
	}
	memcpy(&e, rep.arg, sizeof(e));
	m->dir = e.nodeid;
	return m;
}

/* Hand slot i its next file, or leave it idle (false): every phase takes
 * each file once, as the guest's benchmark does. */
static bool next_file(struct meta_bench *m, int i, enum meta_phase ph, uint32_t *cursor)
{
	struct slot_state *st = &m->st[i];

	st->step = -1;
	if (ph == META_CREATE) {
		if (m->nfiles == m->want)
			return false;
		st->file = m->nfiles++;
	} else {
		if (*cursor >= m->nfiles)
			return false;
		st->file = (*cursor)++;
	}
	st->step = 0;
	return true;
}

void meta_run(struct meta_bench *m, enum meta_phase ph, int depth)
{
	struct vring_drv *vr = &m->s->req;
	uint64_t files = 0, reqs = 0, kicks0 = vr->kicks;
	uint32_t cursor = 0;
	int outstanding = 0, nsteps = 0;
	double t0 = rate_now(), t1;
	struct vr_used u;
	int r;

	if (depth < 1 || depth > MAX_SLOTS)
		rate_die("meta", "depth from 1 to 16");
	while (nsteps < MAX_STEPS && phase_steps[ph][nsteps] != S_END)
		nsteps++;
	memset(m->step_us, 0, sizeof(m->step_us));
	/* A phase may take long on a slow host filesystem: no alarm, the
	 * waits below time out instead. */
	for (int i = 0; i < depth; i++)
		if (next_file(m, i, ph, &cursor)) {
			build(m, i, ph);
			outstanding++;
		}
	vr_kick(vr, false);
	while (outstanding > 0) {
		int got = 0;

		while ((r = vr_get_used(vr, &u)) == 1) {
			int i;

			if (!u.known || (i = m->slot_of_head[u.id]) < 0)
				rate_die("used ring", "element for a chain not outstanding");
			m->slot_of_head[u.id] = -1;
			struct slot_state *st = &m->st[i];
			m->step_us[st->step] += (rate_now() - st->sent) * 1e6;
			check(m, i, ph, u.len);
			reqs++;
			got++;
			outstanding--;
			if (++st->step == nsteps) {
				files++;
				if (ph == META_UNLINK)
					forget(m, i, &m->files[st->file]);
				if (!next_file(m, i, ph, &cursor))
					continue;
			}
			build(m, i, ph);
			outstanding++;
		}
		if (r < 0)
			rate_die("used ring", strerror(-r));
		if (got)
			vr_kick(vr, false);
		if (outstanding > 0 && !got && (r = vr_wait(vr, VUC_TIMEOUT_MS)) < 0)
			rate_die("waiting for completions", strerror(-r));
	}
	t1 = rate_now();
	if (ph == META_RENAME)
		m->renamed = true;
	if (ph == META_UNLINK) {
		for (int i = 0; i < MAX_SLOTS; i++)
			wait_forget(m, i);
		m->nfiles = 0;
		m->renamed = false;
	}
	printf("RESULT op=%s depth=%d files=%llu reqs=%llu secs=%.3f rate=%.0f kicks_per_req=%.3f",
	       meta_phase_names[ph], depth, (unsigned long long)files,
	       (unsigned long long)reqs, t1 - t0, (double)files / (t1 - t0),
	       (double)(vr->kicks - kicks0) / (double)(reqs ? reqs : 1));
	/* Mean wait per step, in microseconds (at depth 1: the round trip). */
	for (int s = 0; s < nsteps; s++)
		printf(" us_step%d=%.2f", s, files ? m->step_us[s] / (double)files : 0.0);
	printf("\n");
	fflush(stdout);
}

void meta_close(struct meta_bench *m)
{
	fr_forget(&m->fslot[0], fs_unique(m->s), m->dir, 1);
	struct fr_reply rep;
	const char *why = NULL;
	if (fr_call(&m->fslot[0], &m->s->hiprio, VUC_TIMEOUT_MS, &rep, &why) < 0)
		rate_die("FORGET", why ? why : "timeout");
	free(m->files);
	free(m);
}

/* The same phases as host syscalls in this process, for comparison. */
void meta_raw(const char *dir, uint32_t files)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	uint32_t n = 0, i;
	char a[16], b[16];
	struct stat st;
	double t0;

	if (dfd < 0)
		rate_die(dir, strerror(errno));
	n = files ? files : DEFAULT_FILES;
	t0 = rate_now();
	for (i = 0; i < n; i++) {
		file_name(a, sizeof(a), 'c', i);
		if (fstatat(dfd, a, &st, 0) == 0 || errno != ENOENT ||
		    (fd = openat(dfd, a, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644)) < 0)
			rate_die("raw create", a);
		close(fd);
	}
	printf("RAW op=create rate=%.0f\n", n / (rate_now() - t0));
	t0 = rate_now();
	for (i = 0; i < n; i++) {
		file_name(a, sizeof(a), 'c', i);
		if (fstatat(dfd, a, &st, 0) < 0)
			rate_die("raw stat", a);
	}
	printf("RAW op=stat rate=%.0f\n", n / (rate_now() - t0));
	t0 = rate_now();
	for (i = 0; i < n; i++) {
		file_name(a, sizeof(a), 'c', i);
		file_name(b, sizeof(b), 'r', i);
		if (renameat(dfd, a, dfd, b) < 0)
			rate_die("raw rename", a);
	}
	printf("RAW op=rename rate=%.0f\n", n / (rate_now() - t0));
	t0 = rate_now();
	for (i = 0; i < n; i++) {
		file_name(b, sizeof(b), 'r', i);
		if (unlinkat(dfd, b, 0) < 0)
			rate_die("raw unlink", b);
	}
	printf("RAW op=unlink rate=%.0f\n", n / (rate_now() - t0));
	fflush(stdout);
	close(dfd);
}
