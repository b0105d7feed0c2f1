/* xattr name mapping (--xattrmap / -o xattrmap=), with the rule syntax
 * documented for QEMU's C virtiofsd and the Rust virtiofsd:
 *
 *   RULES := RULE...      each RULE is  S type S scope S key S prepend S
 *                          (or  S map S key S prepend S) where S is the
 *                          rule's first non-space character; white space
 *                          may surround rules.
 *   type  := prefix | ok | bad | unsupported      scope := client | server | all
 *
 * A name from the guest (get/set/remove) is matched against the client
 * rules by `key` as a prefix; a name from the host (list) against the
 * server rules by `prepend` as a prefix.  The first matching rule decides:
 *   prefix       client: prepend + name     server: name with prepend cut
 *   ok           unchanged                  unchanged
 *   bad          EPERM                      hidden
 *   unsupported  EOPNOTSUPP                 hidden
 * and no match is EPERM / hidden.  `map` (at most one, last) stands for
 * the rules that move `key` (everything if empty) under `prepend` and
 * block both the unprefixed originals on the host and direct guest access
 * to `prepend`. */
#ifndef FS_XATTRMAP_H
#define FS_XATTRMAP_H

#include <stddef.h>
#include <sys/types.h>

/* Longest host name a mapping may produce (Linux's XATTR_NAME_MAX). */
#define XATTRMAP_NAME_MAX 255

struct xattrmap;

/* Parse spec; NULL with a one-line message in err on a syntax error. */
struct xattrmap *xattrmap_parse(const char *spec, char *err, size_t errlen);
void xattrmap_free(struct xattrmap *m);

/* Guest name -> host name in out (XATTRMAP_NAME_MAX + 1 bytes): 0, or
 * -EPERM / -EOPNOTSUPP as the rules say, -ERANGE if the result is too long. */
int xattrmap_to_host(const struct xattrmap *m, const char *name,
		     char out[XATTRMAP_NAME_MAX + 1]);
/* Host name -> guest name (a suffix of name), or NULL when hidden. */
const char *xattrmap_to_guest(const struct xattrmap *m, const char *name);

/* Rewrite a host listxattr result (inlen bytes of NUL-terminated names)
 * for the guest: hidden names dropped, prefixes cut.  With outsize 0 only
 * the size is computed; otherwise -ERANGE when it does not fit.  Returns
 * the length of the guest's list. */
ssize_t xattrmap_list_to_guest(const struct xattrmap *m, const char *in, size_t inlen, char *out,
			       size_t outsize);

/* The host name security.capability is stored under when the rules rename
 * it, else NULL (then the host kernel clears it on write, truncate and
 * chown by itself, and the daemon need not). */
const char *xattrmap_caps_name(const struct xattrmap *m);

#endif
