/* Guest memory translation: every check is written so that no addition can
 * wrap (offsets are compared against sizes, never end addresses computed). */
#include "guest_mem.h"

#include "mem_guard.h"

/* [addr, addr+len) inside [base, base+size)? */
static inline int range_in(uint64_t base, uint64_t size, uint64_t addr, uint64_t len)
{
	if (addr < base)
		return 0;
	uint64_t off = addr - base;
	return off < size && len <= size - off;
}

void *guest_mem_gpa(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->nregions; i++) {
		const struct guest_region *r = &m->regions[i];
		if (range_in(r->gpa, r->size, gpa, len))
			return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

void *guest_mem_uva(const struct guest_mem *m, uint64_t uva, uint64_t len)
{
	for (unsigned i = 0; i < m->nregions; i++) {
		const struct guest_region *r = &m->regions[i];
		if (range_in(r->uva, r->size, uva, len))
			return r->hva + (uva - r->uva);
	}
	return NULL;
}

uint64_t guest_mem_hva_gpa(const struct guest_mem *m, const void *hva, uint64_t *gpa)
{
	uintptr_t p = (uintptr_t)hva;

	for (unsigned i = 0; i < m->nregions; i++) {
		const struct guest_region *r = &m->regions[i];
		uintptr_t base = (uintptr_t)r->hva;
		if (p >= base && p - base < r->size) {
			*gpa = r->gpa + (p - base);
			return r->size - (p - base);
		}
	}
	return 0;
}

int guest_mem_gpa_iov(const struct guest_mem *m, uint64_t gpa, uint64_t len,
		      struct iovec *iov, int max)
{
	int n = 0;

	while (len > 0) {
		const struct guest_region *r = NULL;
		for (unsigned i = 0; i < m->nregions; i++) {
			const struct guest_region *c = &m->regions[i];
			if (gpa >= c->gpa && gpa - c->gpa < c->size) {
				r = c;
				break;
			}
		}
		if (!r || n >= max)
			return -1;
		uint64_t off = gpa - r->gpa;
		uint64_t chunk = r->size - off;
		if (chunk > len)
			chunk = len;
		iov[n].iov_base = r->hva + off;
		iov[n].iov_len = chunk;
		n++;
		len -= chunk;
		/* Continuing past a region that ends at 2^64 would wrap to 0:
		 * that is outside guest memory, not the next region. */
		if (len > 0 && gpa + chunk < gpa)
			return -1;
		gpa += chunk;
	}
	return n;
}

bool guest_mem_damaged(const struct guest_mem *m)
{
	for (unsigned i = 0; i < m->nregions; i++)
		if (m->regions[i].map_base && mem_guard_faulted(m->regions[i].guard))
			return true;
	return false;
}

void guest_region_unmap(struct guest_region *r)
{
	if (r->map_base && r->map_len)
		mem_guard_unmap(r->map_base, r->map_len, r->guard);
	r->map_base = NULL;
	r->map_len = 0;
}

void guest_mem_clear(struct guest_mem *m)
{
	for (unsigned i = 0; i < m->nregions; i++)
		guest_region_unmap(&m->regions[i]);
	m->nregions = 0;
}
