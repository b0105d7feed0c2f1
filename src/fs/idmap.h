/* uid or gid translation between guest and host (--translate-uid /
 * --translate-gid, the Rust virtiofsd's syntax).  Each entry is one of
 *
 *   map:GUEST:HOST:COUNT           both ways, GUEST+i <-> HOST+i
 *   guest:GUEST:HOST:COUNT         guest -> host only
 *   host:HOST:GUEST:COUNT          host -> guest only
 *   squash-guest:GUEST:HOST:COUNT  the guest range -> the single HOST
 *   squash-host:HOST:GUEST:COUNT   the host range -> the single GUEST
 *   forbid-guest:GUEST:COUNT       the guest range is refused (EPERM)
 *
 * The separator is the first character after the type that is not a
 * letter, digit, '-' or '_' (':' in the usual spelling).  Ranges of one
 * direction may not overlap; an id no range covers is used unchanged. */
#ifndef FS_IDMAP_H
#define FS_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap *idmap_new(void);
void idmap_free(struct idmap *m);

/* Add one entry; -1 with a one-line message in err when malformed or
 * overlapping an earlier entry of the same direction. */
int idmap_add(struct idmap *m, const char *spec, char *err, size_t errlen);

/* Guest id -> host id: 0, or -EPERM when a forbid-guest entry covers it. */
int idmap_to_host(const struct idmap *m, uint32_t guest, uint32_t *host);
/* Host id -> guest id. */
uint32_t idmap_to_guest(const struct idmap *m, uint32_t host);

#endif
