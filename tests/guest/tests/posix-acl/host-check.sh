#!/bin/bash
# The guest's ACLs are the host files' own (decoded from the xattrs).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../../host-check-lib.sh"
cd "$1"
acl() {
	python3 - "$1" "$2" <<'PY'
import os, struct, sys
try:
    v = os.getxattr(sys.argv[1], "system.posix_acl_" + sys.argv[2], follow_symlinks=False)
except OSError as e:
    print("none"); sys.exit()
names = {1: "user", 2: "user", 4: "group", 8: "group", 16: "mask", 32: "other"}
out = []
for off in range(4, len(v), 8):
    tag, perm, uid = struct.unpack_from("<HHI", v, off)
    who = str(uid) if tag in (2, 8) else ""
    out.append("%s:%s:%s" % (names.get(tag, "?"), who,
               "".join(c if perm & b else "-" for c, b in zip("rwx", (4, 2, 1)))))
print(",".join(out))
PY
}
expect acl-f-removed none "$(acl f access)"
expect acl-d-default "user::rwx,user:1000:rwx,group::r-x,mask::rwx,other::---" "$(acl d default)"
expect acl-new-inherited "user::rw-,user:1000:rwx,group::r-x,mask::rw-,other::---" "$(acl d/new access)"
expect acl-by1000-inherited "user::rw-,user:1000:rwx,group::r-x,mask::r--,other::---" "$(acl d/by1000 access)"
expect by1000-owner "1000:1000" "$(stat -c %u:%g d/by1000)"
