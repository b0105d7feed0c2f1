/* --readonly as a layer: the inner filesystem's table with every member that
 * could modify the share replaced by one that answers EROFS.  Members that
 * only read are the inner ones, called with the inner filesystem unchanged. */
#ifndef READONLY_H
#define READONLY_H

#include "fs_ops.h"

/* The read-only view of inner.  A process wraps one filesystem (the share):
 * a second call replaces the first's inner table. */
const struct fs_ops *readonly_ops(const struct fs_ops *inner);

#endif
